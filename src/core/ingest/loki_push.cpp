// The HTTP shape of a Loki push: Content-Encoding, then Content-Type picks JSON or protobuf.
#include "core/ingest/loki_push.h"

#include <cctype>
#include <string>

#include "core/ingest/decompress.h"

namespace observe::ingest {

PushFormat push_format_from_content_type(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  std::string lower(media);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json" ? PushFormat::kJson : PushFormat::kProtobuf;
}

DecodeStats decode_loki_push(std::string_view body, std::string_view content_type, std::string_view content_encoding,
                             const LokiPushOptions& options, LogSink& sink) {
  ContentEncoding enc = content_encoding_from_header(content_encoding);
  PushFormat format = push_format_from_content_type(content_type);
  std::string buffer;
  std::string_view payload = body;
  // Snappy as a Content-Encoding is passed through (Loki, #3407): protobuf bodies are always
  // snappy blocks, and a JSON body is never one.
  if (enc == ContentEncoding::kGzip || enc == ContentEncoding::kDeflate) {
    decompress(body, enc, options.max_body_bytes, &buffer);
    payload = buffer;
  }
  if (format == PushFormat::kJson) return decode_loki_push_json(payload, options, sink);
  std::string raw;
  snappy_decode(payload, options.max_body_bytes, &raw);
  std::string().swap(buffer);
  return decode_loki_push_proto(raw, options, sink);
}

}  // namespace observe::ingest
