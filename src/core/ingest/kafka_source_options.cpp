#include "core/ingest/kafka_source_options.h"

#include <simdjson.h>

#include <string>

#include "core/common/error.h"

namespace observe::ingest {

namespace {

namespace dom = simdjson::dom;

[[noreturn]] void bad(std::string_view key, const std::string& what) {
  throw Error(ErrorKind::kInvalidParameter, "format_options \"" + std::string(key) + "\": " + what);
}

std::string as_string(std::string_view key, dom::element e) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) bad(key, "must be a string");
  return std::string(s);
}

bool as_bool(std::string_view key, dom::element e) {
  bool b = false;
  if (e.get_bool().get(b) != simdjson::SUCCESS) bad(key, "must be true or false");
  return b;
}

std::vector<JsonField> as_fields(std::string_view key, dom::element e) {
  dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS) bad(key, "must be an object {\"name\": \"path\"}");
  std::vector<JsonField> out;
  for (auto field : obj) out.push_back(JsonField{std::string(field.key), as_string(key, field.value)});
  return out;
}

MessageLabel message_label(std::string_view key, std::string name, std::string value) {
  MessageLabel l;
  l.name = std::move(name);
  if (value == "$topic") {
    l.source = MessageLabel::Source::kTopic;
  } else if (value == "$partition") {
    l.source = MessageLabel::Source::kPartition;
  } else if (value == "$key") {
    l.source = MessageLabel::Source::kKey;
  } else if (value.rfind("$header:", 0) == 0) {
    l.source = MessageLabel::Source::kHeader;
    l.value = value.substr(8);
    if (l.value.empty()) bad(key, "\"$header:\" needs a header name");
  } else {
    l.source = MessageLabel::Source::kConstant;
    // "$$..." is a constant starting with "$".
    l.value = value.rfind("$$", 0) == 0 ? value.substr(1) : value;
    if (!l.value.empty() && l.value[0] == '$' && value.rfind("$$", 0) != 0)
      bad(key, "unknown source \"" + value + "\" (use $topic, $partition, $key, $header:NAME, or $$ for a literal $)");
  }
  return l;
}

}  // namespace

KafkaFormatOptions parse_kafka_format_options(KafkaFormat format, std::string_view json) {
  KafkaFormatOptions o;
  o.format = format;
  dom::parser parser;
  dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS)
    throw Error(ErrorKind::kInvalidParameter, "format_options is not valid JSON");
  dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    throw Error(ErrorKind::kInvalidParameter, "format_options must be a JSON object");
  for (auto field : obj) {
    std::string_view k = field.key;
    dom::element v = field.value;
    if (k == "time_field") {
      o.time_field = as_string(k, v);
    } else if (k == "time_format") {
      if (!time_format_from_name(as_string(k, v), &o.time_format))
        bad(k, "must be auto, rfc3339, unix_s, unix_ms, unix_us or unix_ns");
    } else if (k == "time_required") {
      o.time_required = as_bool(k, v);
    } else if (k == "line_field") {
      o.line_field = as_string(k, v);
    } else if (k == "label_fields") {
      o.label_fields = as_fields(k, v);
    } else if (k == "labels_object") {
      o.labels_object = as_string(k, v);
    } else if (k == "metadata_fields") {
      o.metadata_fields = as_fields(k, v);
    } else if (k == "metadata_object") {
      o.metadata_object = as_string(k, v);
    } else if (k == "labels") {
      dom::object labels;
      if (v.get_object().get(labels) != simdjson::SUCCESS) bad(k, "must be an object {\"label\": \"value or $source\"}");
      for (auto l : labels) o.labels.push_back(message_label(k, std::string(l.key), as_string(k, l.value)));
    } else if (k == "max_line_bytes") {
      int64_t n = 0;
      if (v.get_int64().get(n) != simdjson::SUCCESS || n < 0) bad(k, "must be a non-negative integer");
      o.loki.max_line_bytes = static_cast<size_t>(n);
    } else if (k == "truncate_long_lines") {
      o.loki.truncate_long_lines = as_bool(k, v);
    } else if (k == "allow_structured_metadata") {
      o.loki.allow_structured_metadata = as_bool(k, v);
    } else if (k == "openmetrics") {
      o.openmetrics = as_bool(k, v);
    } else if (k == "skip_invalid_series") {
      o.remote_write.skip_invalid_series = as_bool(k, v);
    } else if (k == "skip_histograms") {
      o.remote_write.skip_histograms = as_bool(k, v);
    } else {
      bad(k, "unknown option");
    }
  }
  return o;
}

}  // namespace observe::ingest
