// json_lines: one JSON object per message; time, line, labels and metadata picked by dotted
// paths. simdjson's DOM API (runtime-dispatched kernels; messages are small and read by path).
#include <string>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/ingest/kafka_internal.h"

namespace observe::ingest {

namespace dom = simdjson::dom;

namespace {

// Follows "a.b.c" from root; false when a step is missing or not an object.
// A JSONPath-style "$." in front is accepted and means the same.
bool lookup(dom::element root, std::string_view path, dom::element* out) {
  if (path.substr(0, 2) == "$.") path.remove_prefix(2);
  dom::element cur = root;
  while (true) {
    size_t dot = path.find('.');
    std::string_view key = path.substr(0, dot);
    dom::object obj;
    if (cur.get_object().get(obj) != simdjson::SUCCESS) return false;
    if (obj.at_key(key).get(cur) != simdjson::SUCCESS) return false;
    if (dot == std::string_view::npos) break;
    path.remove_prefix(dot + 1);
  }
  *out = cur;
  return true;
}

// A scalar as label text: strings as they are, numbers and booleans as JSON writes them.
// false for null; objects and arrays are an error. `what()` names the field, called only for
// the error (building it for every field of every message cost more than the lookup).
template <typename What>
bool scalar_text(dom::element e, const What& what, const KafkaMessage& m, std::string* out) {
  switch (e.type()) {
    case dom::element_type::NULL_VALUE: return false;
    case dom::element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      out->assign(s.data(), s.size());
      return true;
    }
    case dom::element_type::ARRAY:
    case dom::element_type::OBJECT:
      throw Error(ErrorKind::kDataException, message_where(m) + ": " + what() + " must be a string, number or boolean, not " +
                                                 (e.type() == dom::element_type::ARRAY ? "an array" : "an object"));
    default: *out = simdjson::minify(e); return true;
  }
}

void add_object_fields(dom::element root, const std::string& path, const std::string& what, const KafkaMessage& m,
                       std::vector<Label>* out) {
  if (path.empty()) return;
  dom::element e;
  if (!lookup(root, path, &e) || e.is_null()) return;
  dom::object obj;
  if (e.get_object().get(obj) != simdjson::SUCCESS)
    throw Error(ErrorKind::kDataException, message_where(m) + ": " + what + " " + quote_for_message(path, 128) + " is not an object");
  for (auto field : obj) {
    std::string value;
    if (!scalar_text(field.value, [&] { return what + " field " + quote_for_message(field.key, 64); }, m, &value)) continue;
    out->push_back({std::string(field.key), std::move(value)});
  }
}

void add_fields(dom::element root, const std::vector<JsonField>& fields, const char* what, const KafkaMessage& m,
                std::vector<Label>* out) {
  for (const JsonField& f : fields) {
    dom::element e;
    if (!lookup(root, f.path, &e)) continue;  // absent fields give no label, as absent labels
    std::string value;
    if (!scalar_text(e, [&] { return std::string(what) + " " + quote_for_message(f.path, 128); }, m, &value)) continue;
    // A field overrides what an object gave for the same name.
    bool replaced = false;
    for (Label& l : *out)
      if (l.name == f.label) { l.value = value; replaced = true; }
    if (!replaced) out->push_back({f.label, std::move(value)});
  }
}

}  // namespace

DecodeStats decode_json_lines(KafkaDecoder::State& st, const KafkaFormatOptions& o, const KafkaMessage& m, LogSink& sink) {
  dom::element root;
  if (auto err = st.json.parse(m.value.data(), m.value.size()).get(root))
    throw Error(ErrorKind::kDataException, message_where(m) + ": invalid JSON: " + simdjson::error_message(err));
  if (!root.is_object())
    throw Error(ErrorKind::kDataException, message_where(m) + ": a json_lines message must be a JSON object");
  // Time.
  int64_t ts = 0;
  dom::element t;
  if (!o.time_field.empty() && lookup(root, o.time_field, &t) && !t.is_null()) {
    bool ok = false;
    switch (t.type()) {
      case dom::element_type::STRING: ok = time_from_text(t.get_string().value_unsafe(), o.time_format, &ts); break;
      case dom::element_type::INT64: {
        int64_t v = t.get_int64().value_unsafe();
        ok = time_from_number(static_cast<double>(v), true, v, o.time_format, &ts);
        break;
      }
      case dom::element_type::UINT64: ok = false; break;  // past int64: no time in any unit
      case dom::element_type::DOUBLE: ok = time_from_number(t.get_double().value_unsafe(), false, 0, o.time_format, &ts); break;
      default: break;
    }
    if (!ok)
      throw Error(ErrorKind::kDataException, message_where(m) + ": time field " + quote_for_message(o.time_field, 128) +
                                                 " is not a time: " + quote_for_message(simdjson::minify(t), 64));
  } else if (!o.time_field.empty() && o.time_required) {
    throw Error(ErrorKind::kDataException, message_where(m) + ": time field " + quote_for_message(o.time_field, 128) + " is missing");
  } else {
    ts = message_time_ns(m);
  }
  // Line.
  std::string_view line = m.value;
  if (!o.line_field.empty()) {
    dom::element l;
    if (!lookup(root, o.line_field, &l) || l.is_null())
      throw Error(ErrorKind::kDataException, message_where(m) + ": line field " + quote_for_message(o.line_field, 128) + " is missing");
    if (l.is_string()) {
      line = l.get_string().value_unsafe();
    } else {
      st.scratch = simdjson::minify(l);
      line = st.scratch;
    }
  }
  st.pairs.clear();
  add_object_fields(root, o.labels_object, "labels object", m, &st.pairs);
  add_fields(root, o.label_fields, "label field", m, &st.pairs);
  st.metadata.clear();
  add_object_fields(root, o.metadata_object, "metadata object", m, &st.metadata);
  add_fields(root, o.metadata_fields, "metadata field", m, &st.metadata);
  DecodeStats stats;
  emit_one_entry(st, o, m, st.pairs, ts, line, st.metadata.empty() ? nullptr : &st.metadata,
                 /*utf8_checked=*/true, sink, stats);
  return stats;
}

}  // namespace observe::ingest
