// Loki push payloads (POST /loki/api/v1/push, observe.push_loki, Kafka's loki_push format)
// decoded stream by stream into a LogSink, with Loki 2.9's acceptance rules
// (pkg/loghttp/push, pkg/distributor). See README.md for every rule and deviation.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/ingest/sinks.h"
#include "core/ingest/stream_labels.h"

namespace observe::ingest {

struct LokiPushOptions {
  LabelLimits labels;
  size_t max_line_bytes = 256 * 1024;  // Loki's max_line_size default; 0 = no limit
  bool truncate_long_lines = false;    // max_line_size_truncate: cut (at a character boundary) instead of refusing
  bool allow_structured_metadata = true;
  bool validate_utf8 = true;           // lines and metadata of a protobuf push must be UTF-8 (JSON always is)
  // false: the first refusal throws (one transaction, nothing stored). true: Loki's distributor,
  // refused streams and entries are skipped, counted and their errors kept in DecodeStats.
  bool skip_invalid = false;
  size_t max_body_bytes = 64u << 20;   // decompressed body limit (kLimitExceeded past it)
};

enum class PushFormat { kJson, kProtobuf };

// Loki's choice: application/json (parameters ignored) is JSON, anything else — no header,
// application/x-protobuf — snappy-compressed protobuf.
PushFormat push_format_from_content_type(std::string_view content_type);

// The JSON form {"streams":[{"stream":{...},"values":[["<ns>","line",{metadata}?],...]}]}.
DecodeStats decode_loki_push_json(std::string_view json, const LokiPushOptions& options, LogSink& sink);
// logproto.PushRequest, uncompressed.
DecodeStats decode_loki_push_proto(std::string_view proto, const LokiPushOptions& options, LogSink& sink);
// A request body as HTTP delivers it: Content-Encoding (gzip, deflate, snappy or none) undone
// within max_body_bytes, then JSON or snappy + protobuf by Content-Type.
DecodeStats decode_loki_push(std::string_view body, std::string_view content_type,
                             std::string_view content_encoding, const LokiPushOptions& options, LogSink& sink);

}  // namespace observe::ingest
