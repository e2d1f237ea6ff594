// Body decompression for the push paths, always bounded: a payload that would decompress past
// the caller's limit is refused (kLimitExceeded) before more than the limit is held.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace observe::ingest {

enum class ContentEncoding {
  kIdentity,
  kGzip,     // RFC 1952; concatenated members are read as one stream, as Go's gzip.Reader does
  kDeflate,  // raw RFC 1951 as Loki reads it (Go's flate.NewReader); a zlib (RFC 1950) header is accepted too
  kSnappy,   // snappy block format (remote_write and Loki's protobuf push)
};

// The Content-Encoding header's value: "", identity, gzip, x-gzip, deflate, snappy (case-insensitive).
// Anything else: Error kFeatureNotSupported, as Loki answers `Content-Encoding "br" not supported`.
ContentEncoding content_encoding_from_header(std::string_view header);

// Decompresses in into *out (replacing it). Errors: kLimitExceeded when the result would pass
// max_bytes, kDataException for a corrupt stream (the message says where in the input).
// kIdentity copies (and checks the limit as well).
void decompress(std::string_view in, ContentEncoding encoding, size_t max_bytes, std::string* out);

// Snappy block format alone (the declared length is checked against max_bytes before anything
// is allocated).
void snappy_decode(std::string_view in, size_t max_bytes, std::string* out);

}  // namespace observe::ingest
