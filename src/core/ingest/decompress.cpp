#include "core/ingest/decompress.h"

#include <snappy.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>

#include "core/common/error.h"
#include "core/common/utf8.h"

namespace observe::ingest {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

[[noreturn]] void too_large(size_t max_bytes) {
  throw Error(ErrorKind::kLimitExceeded,
              "decompressed payload exceeds the limit of " + std::to_string(max_bytes) + " bytes");
}

// One zlib inflate of in (window_bits picks gzip, zlib or raw), output bounded by max_bytes.
void inflate_bounded(std::string_view in, int window_bits, bool gzip, size_t max_bytes, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, window_bits) != Z_OK) throw Error(ErrorKind::kInternal, "inflateInit2 failed");
  struct Guard {
    z_stream* z;
    ~Guard() { inflateEnd(z); }
  } guard{&z};
  out->clear();
  const char* what = gzip ? "gzip" : "deflate";
  if (in.size() > UINT32_MAX) throw Error(ErrorKind::kLimitExceeded, std::string(what) + " body over 4 GB");
  // gzip's trailer holds the size mod 2^32 (RFC 1952 ISIZE): a hint that saves the regrowing,
  // never trusted beyond the limit.
  if (gzip && in.size() >= 18) {
    const auto* t = reinterpret_cast<const unsigned char*>(in.data() + in.size() - 4);
    size_t isize = t[0] | (t[1] << 8) | (t[2] << 16) | (size_t(t[3]) << 24);
    out->reserve(std::min(isize + 1, max_bytes + 1));
  }
  size_t consumed = 0;
  for (;;) {
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + consumed));
    z.avail_in = static_cast<uInt>(in.size() - consumed);
    int rc = Z_OK;
    for (;;) {
      size_t old = out->size();
      size_t room = max_bytes - old;
      // Full: one more byte of output means the limit is passed; the stream may still end.
      size_t want = out->capacity() > old ? out->capacity() - old : std::max<size_t>(old, 64 * 1024);
      size_t grow = room == 0 ? 1 : std::min<size_t>({std::max<size_t>(want, 4096), room, 1u << 30});
      out->resize(old + grow);
      z.next_out = reinterpret_cast<Bytef*>(&(*out)[old]);
      z.avail_out = static_cast<uInt>(grow);
      rc = inflate(&z, Z_NO_FLUSH);
      out->resize(old + grow - z.avail_out);
      if (out->size() > max_bytes) too_large(max_bytes);
      if (rc == Z_STREAM_END) break;
      if (rc == Z_OK) continue;
      if (rc == Z_BUF_ERROR && z.avail_out == 0) continue;  // just needs more room
      break;                                                // corrupt, or input ended early
    }
    consumed = in.size() - z.avail_in;
    if (rc != Z_STREAM_END) {
      std::string msg = std::string("corrupt ") + what + " body at byte " + std::to_string(consumed);
      if (z.msg) msg += std::string(": ") + z.msg;
      else if (z.avail_in == 0) msg += ": unexpected end of input";
      throw Error(ErrorKind::kDataException, msg, static_cast<int>(std::min<size_t>(consumed, INT32_MAX)));
    }
    if (consumed == in.size()) return;
    // Go's gzip.Reader reads concatenated members; anything else after the stream is an error.
    if (!gzip || in.size() - consumed < 2 || static_cast<unsigned char>(in[consumed]) != 0x1f ||
        static_cast<unsigned char>(in[consumed + 1]) != 0x8b)
      throw Error(ErrorKind::kDataException,
                  std::string("trailing bytes after the ") + what + " stream at byte " + std::to_string(consumed),
                  static_cast<int>(std::min<size_t>(consumed, INT32_MAX)));
    inflateReset(&z);
  }
}

}  // namespace

ContentEncoding content_encoding_from_header(std::string_view header) {
  std::string_view h = trim(header);
  if (h.empty() || iequals(h, "identity")) return ContentEncoding::kIdentity;
  if (iequals(h, "gzip") || iequals(h, "x-gzip")) return ContentEncoding::kGzip;
  if (iequals(h, "deflate")) return ContentEncoding::kDeflate;
  if (iequals(h, "snappy")) return ContentEncoding::kSnappy;
  throw Error(ErrorKind::kFeatureNotSupported, "Content-Encoding " + quote_for_message(h, 64) + " not supported");
}

void snappy_decode(std::string_view in, size_t max_bytes, std::string* out) {
  size_t len = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &len))
    throw Error(ErrorKind::kDataException, "corrupt snappy body: no valid length header");
  if (len > max_bytes) too_large(max_bytes);
  out->resize(len);
  if (!snappy::RawUncompress(in.data(), in.size(), out->data()))
    throw Error(ErrorKind::kDataException, "corrupt snappy body");
}

void decompress(std::string_view in, ContentEncoding encoding, size_t max_bytes, std::string* out) {
  switch (encoding) {
    case ContentEncoding::kIdentity:
      if (in.size() > max_bytes) too_large(max_bytes);
      out->assign(in.data(), in.size());
      return;
    case ContentEncoding::kGzip:
      inflate_bounded(in, 16 + MAX_WBITS, true, max_bytes, out);
      return;
    case ContentEncoding::kDeflate: {
      // A zlib header: CM = 8 and the check bits (RFC 1950 §2.2).
      bool zlib = in.size() >= 2 && (static_cast<unsigned char>(in[0]) & 0x0f) == 8 &&
                  ((static_cast<unsigned char>(in[0]) << 8) | static_cast<unsigned char>(in[1])) % 31 == 0;
      inflate_bounded(in, zlib ? MAX_WBITS : -MAX_WBITS, false, max_bytes, out);
      return;
    }
    case ContentEncoding::kSnappy:
      snappy_decode(in, max_bytes, out);
      return;
  }
}

}  // namespace observe::ingest
