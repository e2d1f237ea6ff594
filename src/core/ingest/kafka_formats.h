// One Kafka message → log entries or samples, in the formats of issue 15 §3. A KafkaDecoder
// holds the configuration and reusable parser state of one source; decode_logs /
// decode_samples take one message and throw Error (kDataException, ...) when it cannot be
// decoded — the worker sends that message to the dead-letter table with the error text.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/ingest/loki_push.h"
#include "core/ingest/remote_write.h"
#include "core/ingest/sinks.h"
#include "core/ingest/timestamps.h"

namespace observe::ingest {

enum class KafkaFormat {
  kLokiPush,               // Loki's push JSON, or snappy protobuf (a value not starting with '{')
  kJsonLines,              // one JSON object per message, fields picked by dotted paths
  kLogfmt,                 // one logfmt line per message
  kRaw,                    // the value is the line
  kPrometheusText,         // an exposition payload (text format 0.0.4, or OpenMetrics)
  kPrometheusJson,         // prometheus-kafka-adapter's {"timestamp","value","name","labels"}
  kPrometheusRemoteWrite,  // a snappy-compressed remote_write WriteRequest
};

// "loki_push", "json_lines", "logfmt", "raw", "prometheus_text", "prometheus_json",
// "prometheus_remote_write"; false for anything else.
bool kafka_format_from_name(std::string_view name, KafkaFormat* out);
std::string_view kafka_format_name(KafkaFormat f);
// The first four go to a logs table, the rest to a metrics table.
bool kafka_format_is_logs(KafkaFormat f);

// How a time field is read. kAuto: an RFC 3339 string, or a number (or numeric string) whose
// magnitude picks the unit — below 1e11 seconds, 1e14 milliseconds, 1e17 microseconds, else
// nanoseconds (so dates 1973-5138 in any unit come out right).
enum class TimeFormat { kAuto, kRfc3339, kUnixSeconds, kUnixMillis, kUnixMicros, kUnixNanos };
// "auto", "rfc3339", "unix_s", "unix_ms", "unix_us", "unix_ns".
bool time_format_from_name(std::string_view name, TimeFormat* out);

struct KafkaHeader {
  std::string_view name;
  std::string_view value;
  bool null = false;
};

// The message as librdkafka hands it over. Views must stay valid during the decode call.
struct KafkaMessage {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string_view key;
  bool has_key = false;
  std::vector<KafkaHeader> headers;
  int64_t timestamp_ms = -1;  // the message's timestamp; -1 when it has none
  std::string_view value;
};

// Where a label added to every stream or series comes from.
struct MessageLabel {
  enum class Source { kConstant, kTopic, kPartition, kKey, kHeader } source = Source::kConstant;
  std::string name;   // the label name
  std::string value;  // kConstant: the value; kHeader: the header's name
};

// A field picked from a JSON object: a dotted path ("kubernetes.pod.name", or JSONPath-style
// "$.kubernetes.pod.name"). Keys holding a dot cannot be addressed.
struct JsonField {
  std::string label;  // the label or metadata name it becomes
  std::string path;
};

struct KafkaFormatOptions {
  KafkaFormat format = KafkaFormat::kRaw;
  // Added to every stream or series. A label the payload itself sets (a Loki push stream, a
  // remote_write series, a json_lines label) wins over these.
  std::vector<MessageLabel> labels;

  // json_lines and logfmt.
  std::string time_field;          // path (json_lines) or key (logfmt); empty: the message timestamp
  TimeFormat time_format = TimeFormat::kAuto;
  bool time_required = false;      // false: a message without the field takes the message timestamp
  std::string line_field;          // json_lines: path of the line; empty: the whole value is the line
  std::vector<JsonField> label_fields;     // json_lines paths / logfmt keys that become labels
  std::string labels_object;       // json_lines: path of an object whose scalar fields are labels
  std::vector<JsonField> metadata_fields;  // ... that become structured metadata
  std::string metadata_object;     // json_lines: path of an object whose scalar fields are metadata

  // Loki's acceptance rules for every log format (label limits, line limit, UTF-8).
  LokiPushOptions loki;
  RemoteWriteOptions remote_write;
  bool openmetrics = false;        // prometheus_text: the payload is OpenMetrics
};

class KafkaDecoder {
 public:
  explicit KafkaDecoder(KafkaFormatOptions options);
  ~KafkaDecoder();
  KafkaDecoder(const KafkaDecoder&) = delete;
  KafkaDecoder& operator=(const KafkaDecoder&) = delete;

  const KafkaFormatOptions& options() const { return options_; }
  // For a logs format; Error (kInvalidParameter) when the format is a metrics one.
  DecodeStats decode_logs(const KafkaMessage& message, LogSink& sink);
  // For a metrics format; Error (kInvalidParameter) when the format is a logs one.
  DecodeStats decode_samples(const KafkaMessage& message, SampleSink& sink);

  struct State;  // parsers and buffers reused from message to message

 private:
  KafkaFormatOptions options_;
  std::unique_ptr<State> state_;
};

// logfmt as go-logfmt reads it: key[=value] pairs, values bare or double-quoted with Go
// escapes. Calls f(key, value) per pair (value unescaped into scratch when quoted). Throws
// Error (kDataException) with the byte offset on a malformed line.
void parse_logfmt(std::string_view line, const std::function<void(std::string_view, std::string_view)>& f);

}  // namespace observe::ingest
