#include "core/ingest/kafka_formats.h"

#include <snappy.h>

#include <algorithm>
#include <cmath>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/ingest/decompress.h"
#include "core/ingest/kafka_internal.h"
#include "core/ingest/log_emitter.h"

namespace observe::ingest {

namespace {

struct FormatName {
  KafkaFormat format;
  const char* name;
};
constexpr FormatName kFormats[] = {
    {KafkaFormat::kLokiPush, "loki_push"},
    {KafkaFormat::kJsonLines, "json_lines"},
    {KafkaFormat::kLogfmt, "logfmt"},
    {KafkaFormat::kRaw, "raw"},
    {KafkaFormat::kPrometheusText, "prometheus_text"},
    {KafkaFormat::kPrometheusJson, "prometheus_json"},
    {KafkaFormat::kPrometheusRemoteWrite, "prometheus_remote_write"},
};

bool has_name(const std::vector<Label>& pairs, std::string_view name) {
  return std::any_of(pairs.begin(), pairs.end(), [&](const Label& l) { return l.name == name; });
}

// Adds the message labels to every stream of a Loki push (the stream's own labels win).
class MergingLogSink : public LogSink {
 public:
  MergingLogSink(const KafkaFormatOptions& o, const KafkaMessage& m, LogSink& next) : o_(o), m_(m), next_(next) {}
  void begin_stream(const Labels& labels) override {
    std::vector<Label> pairs = labels.items();
    add_message_labels(o_, m_, &pairs);
    merged_ = validate_stream_labels(std::move(pairs), o_.loki.labels, {});
    next_.begin_stream(merged_);
  }
  void entries(const LogEntry* e, size_t n) override { next_.entries(e, n); }
  void end_stream() override { next_.end_stream(); }

 private:
  const KafkaFormatOptions& o_;
  const KafkaMessage& m_;
  LogSink& next_;
  Labels merged_;
};

class MergingSampleSink : public SampleSink {
 public:
  MergingSampleSink(const KafkaFormatOptions& o, const KafkaMessage& m, SampleSink& next) : o_(o), m_(m), next_(next) {}
  void begin_series(const Labels& labels) override {
    std::vector<Label> pairs = labels.items();
    add_message_labels(o_, m_, &pairs);
    merged_ = Labels(std::move(pairs));
    next_.begin_series(merged_);
  }
  void samples(const Sample* s, size_t n) override { next_.samples(s, n); }
  void end_series() override { next_.end_series(); }
  void metadata(const MetricMetadata& md) override { next_.metadata(md); }

 private:
  const KafkaFormatOptions& o_;
  const KafkaMessage& m_;
  SampleSink& next_;
  Labels merged_;
};

}  // namespace

bool kafka_format_from_name(std::string_view name, KafkaFormat* out) {
  for (const auto& f : kFormats)
    if (name == f.name) {
      *out = f.format;
      return true;
    }
  return false;
}

std::string_view kafka_format_name(KafkaFormat f) {
  for (const auto& k : kFormats)
    if (k.format == f) return k.name;
  return "?";
}

bool kafka_format_is_logs(KafkaFormat f) {
  return f == KafkaFormat::kLokiPush || f == KafkaFormat::kJsonLines || f == KafkaFormat::kLogfmt || f == KafkaFormat::kRaw;
}

bool time_format_from_name(std::string_view name, TimeFormat* out) {
  static const std::pair<const char*, TimeFormat> kNames[] = {
      {"auto", TimeFormat::kAuto},         {"rfc3339", TimeFormat::kRfc3339},   {"unix_s", TimeFormat::kUnixSeconds},
      {"unix_ms", TimeFormat::kUnixMillis}, {"unix_us", TimeFormat::kUnixMicros}, {"unix_ns", TimeFormat::kUnixNanos}};
  for (const auto& [n, f] : kNames)
    if (name == n) {
      *out = f;
      return true;
    }
  return false;
}

std::string message_where(const KafkaMessage& m) {
  return "message " + quote_for_message(m.topic, 128) + "/" + std::to_string(m.partition) + "/" + std::to_string(m.offset);
}

void add_message_labels(const KafkaFormatOptions& options, const KafkaMessage& m, std::vector<Label>* pairs) {
  for (const MessageLabel& ml : options.labels) {
    if (has_name(*pairs, ml.name)) continue;
    std::string value;
    switch (ml.source) {
      case MessageLabel::Source::kConstant: value = ml.value; break;
      case MessageLabel::Source::kTopic: value = std::string(m.topic); break;
      case MessageLabel::Source::kPartition: value = std::to_string(m.partition); break;
      case MessageLabel::Source::kKey:
        if (m.has_key) value = std::string(m.key);
        break;
      case MessageLabel::Source::kHeader:
        // The last header of that name, as Kafka clients read a header.
        for (const KafkaHeader& h : m.headers)
          if (h.name == ml.value) value = h.null ? std::string() : std::string(h.value);
        break;
    }
    if (!valid_utf8(value))
      throw Error(ErrorKind::kDataException,
                  message_where(m) + ": label " + quote_for_message(ml.name, 64) + " from the message is not valid UTF-8: " +
                      quote_for_message(value, 64));
    if (!value.empty()) pairs->push_back({ml.name, std::move(value)});
  }
}

int64_t message_time_ns(const KafkaMessage& m) {
  if (m.timestamp_ms < 0)
    throw Error(ErrorKind::kDataException, message_where(m) + ": no time in the payload and the message has no timestamp");
  if (m.timestamp_ms > INT64_MAX / 1000000)
    throw Error(ErrorKind::kDataException, message_where(m) + ": message timestamp out of range");
  return m.timestamp_ms * 1000000;
}

namespace {

TimeUnit unit_of(TimeFormat f, double magnitude) {
  switch (f) {
    case TimeFormat::kUnixSeconds: return TimeUnit::kSeconds;
    case TimeFormat::kUnixMillis: return TimeUnit::kMilliseconds;
    case TimeFormat::kUnixMicros: return TimeUnit::kMicroseconds;
    case TimeFormat::kUnixNanos: return TimeUnit::kNanoseconds;
    default: break;
  }
  magnitude = std::fabs(magnitude);
  if (magnitude < 1e11) return TimeUnit::kSeconds;
  if (magnitude < 1e14) return TimeUnit::kMilliseconds;
  if (magnitude < 1e17) return TimeUnit::kMicroseconds;
  return TimeUnit::kNanoseconds;
}

}  // namespace

bool time_from_text(std::string_view text, TimeFormat format, int64_t* ns) {
  if (format == TimeFormat::kRfc3339) return parse_rfc3339_ns(text, ns);
  if (format == TimeFormat::kAuto && parse_rfc3339_ns(text, ns)) return true;
  // A numeric text: its magnitude from the digits before any '.'.
  size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  size_t int_digits = 0;
  while (i + int_digits < text.size() && text[i + int_digits] >= '0' && text[i + int_digits] <= '9') int_digits++;
  if (int_digits == 0) return false;
  double magnitude = std::pow(10.0, static_cast<double>(int_digits - 1));
  return unix_text_to_ns(text, unit_of(format, magnitude), ns);
}

bool time_from_number(double value, bool integral, int64_t integer, TimeFormat format, int64_t* ns) {
  if (format == TimeFormat::kRfc3339) return false;
  TimeUnit unit = unit_of(format, integral ? static_cast<double>(integer) : value);
  if (integral) return unix_int_to_ns(integer, unit, ns);
  return unix_to_ns(value, unit, ns);
}

void emit_one_entry(KafkaDecoder::State& st, const KafkaFormatOptions& options, const KafkaMessage& m,
                    std::vector<Label>& pairs, int64_t ts_ns, std::string_view line,
                    const std::vector<Label>* metadata, bool utf8_checked, LogSink& sink, DecodeStats& stats) {
  add_message_labels(options, m, &pairs);
  LokiPushOptions o = options.loki;
  o.skip_invalid = false;  // one message, one entry: a refusal is the message's error
  LogEmitter em(o, sink, stats, utf8_checked, {}, 1);
  // The stream's labels checked as LogEmitter::begin would check them at the entry (same
  // message on a refusal), or the last message's result when the pairs are the same.
  if (!st.has_last || pairs != st.last_pairs) {
    st.has_last = false;
    try {
      st.last_labels = validate_stream_labels(pairs, o.labels, {});
    } catch (const Error& e) {
      throw Error(ErrorKind::kDataException, message_where(m) + ": stream 0: " + e.what());
    }
    st.last_pairs.swap(pairs);
    st.has_last = true;
  }
  em.begin_checked(st.last_labels);
  try {
    em.add(ts_ns, line, metadata);
  } catch (const Error& e) {
    throw Error(e.kind(), message_where(m) + ": " + e.what());
  }
  em.end();
}

KafkaDecoder::KafkaDecoder(KafkaFormatOptions options) : options_(std::move(options)), state_(new State) {
  for (const MessageLabel& ml : options_.labels)
    if (!valid_label_name(ml.name))
      throw Error(ErrorKind::kInvalidParameter, "invalid label name " + quote_for_message(ml.name, 64));
}

KafkaDecoder::~KafkaDecoder() = default;

DecodeStats KafkaDecoder::decode_logs(const KafkaMessage& m, LogSink& sink) {
  switch (options_.format) {
    case KafkaFormat::kLokiPush: {
      MergingLogSink merging(options_, m, sink);
      try {
        std::string_view v = m.value;
        size_t i = v.find_first_not_of(" \t\r\n");
        // A snappy block of 123 bytes also starts with '{' (its length varint): JSON is what
        // starts with '{' and is not a whole valid snappy block.
        if (i != std::string_view::npos && v[i] == '{' && !snappy::IsValidCompressedBuffer(v.data(), v.size()))
          return decode_loki_push_json(v, options_.loki, merging);
        std::string raw;
        snappy_decode(v, options_.loki.max_body_bytes, &raw);
        return decode_loki_push_proto(raw, options_.loki, merging);
      } catch (const Error& e) {
        throw Error(e.kind(), message_where(m) + ": " + e.what());
      }
    }
    case KafkaFormat::kJsonLines: return decode_json_lines(*state_, options_, m, sink);
    case KafkaFormat::kLogfmt: return decode_logfmt_message(*state_, options_, m, sink);
    case KafkaFormat::kRaw: {
      DecodeStats stats;
      state_->pairs.clear();
      emit_one_entry(*state_, options_, m, state_->pairs, message_time_ns(m), m.value, nullptr, false, sink, stats);
      return stats;
    }
    default:
      throw Error(ErrorKind::kInvalidParameter,
                  "format " + std::string(kafka_format_name(options_.format)) + " holds samples, not log lines");
  }
}

DecodeStats KafkaDecoder::decode_samples(const KafkaMessage& m, SampleSink& sink) {
  switch (options_.format) {
    case KafkaFormat::kPrometheusText: return decode_prometheus_text(options_, m, sink);
    case KafkaFormat::kPrometheusJson: return decode_prometheus_json(*state_, options_, m, sink);
    case KafkaFormat::kPrometheusRemoteWrite: {
      MergingSampleSink merging(options_, m, sink);
      try {
        return decode_remote_write(m.value, options_.remote_write, merging);
      } catch (const Error& e) {
        throw Error(e.kind(), message_where(m) + ": " + e.what());
      }
    }
    default:
      throw Error(ErrorKind::kInvalidParameter,
                  "format " + std::string(kafka_format_name(options_.format)) + " holds log lines, not samples");
  }
}

}  // namespace observe::ingest
