// The metrics formats of a Kafka message: an exposition payload (the core's exposition
// parser) and prometheus-kafka-adapter's JSON sample.
#include <algorithm>
#include <string>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/exposition/numbers.h"
#include "core/exposition/parser.h"
#include "core/ingest/kafka_internal.h"
#include "core/ingest/stream_labels.h"

namespace observe::ingest {

namespace dom = simdjson::dom;

namespace {

void emit_sample(const Labels& labels, int64_t ts_ms, double value, SampleSink& sink, DecodeStats& stats) {
  sink.begin_series(labels);
  Sample s{ts_ms, value};
  sink.samples(&s, 1);
  sink.end_series();
  stats.streams++;
  stats.entries++;
}

int64_t message_time_ms(const KafkaMessage& m) {
  if (m.timestamp_ms < 0)
    throw Error(ErrorKind::kDataException, message_where(m) + ": a sample without a timestamp and the message has none");
  return m.timestamp_ms;
}

}  // namespace

DecodeStats decode_prometheus_text(const KafkaFormatOptions& o, const KafkaMessage& m, SampleSink& sink) {
  DecodeStats stats;
  exposition::Parser parser(m.value, o.openmetrics ? exposition::Format::kOpenMetrics : exposition::Format::kPrometheusText);
  exposition::Entry e;
  std::vector<Label> pairs;
  try {
    while (parser.next(&e)) {
      switch (e.kind) {
        case exposition::EntryKind::kSample: {
          pairs.clear();
          pairs.push_back({std::string(kMetricNameLabel), std::string(e.metric_name)});
          for (const auto& l : e.labels) {
            // The exposition parser lets an invalid byte after a backslash through (found by
            // ingest_fuzz); a stored label value must be UTF-8 whatever the parser let by.
            if (!valid_utf8(l.value))
              throw Error(ErrorKind::kDataException, "line " + std::to_string(e.line) + ": label " +
                                                         quote_for_message(l.name, 64) + " value is not valid UTF-8");
            pairs.push_back({std::string(l.name), std::string(l.value)});
          }
          add_message_labels(o, m, &pairs);
          int64_t ts = e.has_timestamp ? e.timestamp_ms : message_time_ms(m);
          emit_sample(Labels(std::move(pairs)), ts, e.value, sink, stats);
          pairs = {};
          break;
        }
        case exposition::EntryKind::kType:
          sink.metadata(MetricMetadata{e.metric_name, exposition::metric_type_name(e.type), {}, {}});
          break;
        case exposition::EntryKind::kHelp: sink.metadata(MetricMetadata{e.metric_name, {}, e.text, {}}); break;
        case exposition::EntryKind::kUnit: sink.metadata(MetricMetadata{e.metric_name, {}, {}, e.text}); break;
      }
    }
  } catch (const Error& err) {
    throw Error(err.kind(), message_where(m) + ": " + err.what(), err.position());
  }
  return stats;
}

DecodeStats decode_prometheus_json(KafkaDecoder::State& st, const KafkaFormatOptions& o, const KafkaMessage& m,
                                   SampleSink& sink) {
  auto fail = [&](const std::string& what) {
    throw Error(ErrorKind::kDataException, message_where(m) + ": " + what);
  };
  dom::element root;
  if (auto err = st.json.parse(m.value.data(), m.value.size()).get(root))
    fail(std::string("invalid JSON: ") + simdjson::error_message(err));
  if (!root.is_object()) fail("a prometheus_json message must be a JSON object");
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) fail("a prometheus_json message must be a JSON object");
  // Labels, with __name__ from "name" when the labels do not carry it.
  std::vector<Label> pairs;
  dom::element labels;
  if (obj.at_key("labels").get(labels) == simdjson::SUCCESS && !labels.is_null()) {
    if (!labels.is_object()) fail("\"labels\" must be an object of strings");
    dom::object label_object;
    if (labels.get_object().get(label_object) != simdjson::SUCCESS) fail("\"labels\" must be an object of strings");
    for (auto field : label_object) {
      if (!field.value.is_string()) fail("label " + quote_for_message(field.key, 64) + " must have a string value");
      pairs.push_back({std::string(field.key), std::string(field.value.get_string().value_unsafe())});
    }
  }
  std::string name;
  dom::element n;
  if (obj.at_key("name").get(n) == simdjson::SUCCESS && !n.is_null()) {
    if (!n.is_string()) fail("\"name\" must be a string");
    name = std::string(n.get_string().value_unsafe());
  }
  bool has_name_label = false;
  for (const Label& l : pairs)
    if (l.name == kMetricNameLabel) {
      has_name_label = true;
      if (!name.empty() && l.value != name)
        fail("\"name\" " + quote_for_message(name, 64) + " differs from label __name__ " + quote_for_message(l.value, 64));
    }
  if (!has_name_label && !name.empty()) pairs.push_back({std::string(kMetricNameLabel), name});
  add_message_labels(o, m, &pairs);
  std::sort(pairs.begin(), pairs.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
  bool has_metric = false;
  for (size_t i = 0; i < pairs.size(); i++) {
    const Label& l = pairs[i];
    if (l.name == kMetricNameLabel) {
      has_metric = !l.value.empty();
      if (!valid_metric_name(l.value)) fail("invalid metric name " + quote_for_message(l.value, 64));
    } else if (!valid_label_name(l.name)) {
      fail("invalid label name " + quote_for_message(l.name, 64));
    }
    if (i > 0 && pairs[i - 1].name == l.name) fail("label name " + quote_for_message(l.name, 64) + " is not unique");
  }
  if (!has_metric) fail("the sample has no metric name (\"name\" or label __name__)");
  // Value: the adapter writes strconv.FormatFloat text; a JSON number is accepted too.
  double value = 0;
  dom::element v;
  if (obj.at_key("value").get(v) != simdjson::SUCCESS || v.is_null()) fail("\"value\" is missing");
  if (v.is_string()) {
    std::string_view text = v.get_string().value_unsafe();
    if (exposition::parse_go_float(text, &value) != exposition::NumberStatus::kOk)
      fail("\"value\" is not a number: " + quote_for_message(text, 64));
  } else if (v.is_number()) {
    value = v.get_double().value_unsafe();
  } else {
    fail("\"value\" must be a number or a string holding one");
  }
  // Timestamp: RFC 3339 (the adapter's form, seconds precision) or a number of milliseconds.
  int64_t ts_ms = 0;
  dom::element t;
  if (obj.at_key("timestamp").get(t) != simdjson::SUCCESS || t.is_null()) {
    ts_ms = message_time_ms(m);
  } else if (t.is_string()) {
    std::string_view text = t.get_string().value_unsafe();
    int64_t ns = 0;
    if (parse_rfc3339_ns(text, &ns)) {
      ts_ms = ns >= 0 ? ns / 1000000 : -((-ns + 999999) / 1000000);
    } else if (!parse_go_int64(text, &ts_ms)) {
      fail("\"timestamp\" is neither RFC 3339 nor milliseconds: " + quote_for_message(text, 64));
    }
  } else if (t.is_int64()) {
    ts_ms = t.get_int64().value_unsafe();
  } else {
    fail("\"timestamp\" must be an RFC 3339 string or an integer of milliseconds");
  }
  DecodeStats stats;
  emit_sample(Labels(std::move(pairs)), ts_ms, value, sink, stats);
  return stats;
}

}  // namespace observe::ingest
