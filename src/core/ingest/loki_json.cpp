// Loki's JSON push with simdjson's on-demand API: the document is walked once, stream by
// stream, and nothing but the current batch of entries (views into simdjson's string buffer)
// is held.
#include <simdjson.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/ingest/log_emitter.h"
#include "core/ingest/loki_push.h"
#include "core/ingest/timestamps.h"

namespace observe::ingest {

namespace od = simdjson::ondemand;

namespace {

const char* type_name(od::json_type t) {
  switch (t) {
    case od::json_type::array: return "an array";
    case od::json_type::object: return "an object";
    case od::json_type::number: return "a number";
    case od::json_type::string: return "a string";
    case od::json_type::boolean: return "a boolean";
    case od::json_type::null: return "null";
  }
  return "a value";
}

}  // namespace

DecodeStats decode_loki_push_json(std::string_view json, const LokiPushOptions& options, LogSink& sink) {
  DecodeStats stats;
  if (json.size() > options.max_body_bytes)
    throw Error(ErrorKind::kLimitExceeded, "push body exceeds the limit of " + std::to_string(options.max_body_bytes) + " bytes");
  simdjson::padded_string padded(json);
  od::parser parser(std::max<size_t>(padded.size(), 64));
  od::document doc;
  bool iterating = false;  // current_location() is only defined on a document iterate() returned
  auto offset = [&]() -> size_t {
    if (!iterating) return static_cast<size_t>(-1);
    const char* p = nullptr;
    if (doc.current_location().get(p) != simdjson::SUCCESS || p == nullptr) return static_cast<size_t>(-1);
    return static_cast<size_t>(p - padded.data());
  };
  LogEmitter em(options, sink, stats, /*utf8_checked=*/true, offset);
  std::vector<Label> pairs, metadata;
  try {
    doc = parser.iterate(padded);
    iterating = true;
    if (doc.type() != od::json_type::object)
      throw Error(ErrorKind::kDataException, "push body must be a JSON object with a \"streams\" array, got " +
                                                 std::string(type_name(doc.type())));
    od::object root = doc.get_object();
    for (od::field field : root) {
      std::string_view key = field.unescaped_key();
      if (key != "streams") continue;  // other fields are ignored, as Go's decoder ignores them
      od::value streams_value = field.value();
      od::json_type st = streams_value.type();
      if (st == od::json_type::null) continue;
      if (st != od::json_type::array)
        throw Error(ErrorKind::kDataException, "\"streams\" must be an array, got " + std::string(type_name(st)));
      for (od::value stream_value : streams_value.get_array()) {
        if (stream_value.type() != od::json_type::object) {
          em.begin({}, "");
          throw Error(ErrorKind::kDataException, em.where() + ": a stream must be an object, got " +
                                                     std::string(type_name(stream_value.type())));
        }
        od::object stream = stream_value.get_object();
        pairs.clear();
        auto labels_result = stream.find_field_unordered("stream");
        if (labels_result.error() == simdjson::SUCCESS) {
          od::value lv = labels_result.value_unsafe();
          od::json_type lt = lv.type();
          if (lt != od::json_type::null) {
            if (lt != od::json_type::object) {
              em.begin({}, "");
              throw Error(ErrorKind::kDataException,
                          em.where() + ": \"stream\" must be an object of labels, got " + std::string(type_name(lt)));
            }
            for (od::field lf : lv.get_object()) {
              std::string_view name = lf.unescaped_key();
              od::value val = lf.value();
              if (val.type() == od::json_type::null) continue;  // Go reads null into a map as ""
              if (val.type() != od::json_type::string) {
                em.begin({}, "");
                throw Error(ErrorKind::kDataException, em.where() + ": label " + quote_for_message(name, 64) +
                                                           " must have a string value, got " +
                                                           std::string(type_name(val.type())));
              }
              std::string_view v = val.get_string();
              // A JSON object read into Go's map: the last of duplicate keys wins.
              bool replaced = false;
              for (Label& l : pairs)
                if (l.name == name) { l.value.assign(v.data(), v.size()); replaced = true; }
              if (!replaced) pairs.push_back({std::string(name), std::string(v)});
            }
          }
        } else if (labels_result.error() != simdjson::NO_SUCH_FIELD) {
          throw simdjson::simdjson_error(labels_result.error());
        }
        std::string text = format_stream(pairs);
        em.begin(std::move(pairs), text);
        pairs = {};
        auto values_result = stream.find_field_unordered("values");
        if (values_result.error() == simdjson::NO_SUCH_FIELD) {
          em.end();
          continue;
        }
        od::value values = values_result.value();
        od::json_type vt = values.type();
        if (vt == od::json_type::null) {
          em.end();
          continue;
        }
        if (vt != od::json_type::array)
          throw Error(ErrorKind::kDataException, em.where() + ": \"values\" must be an array, got " + std::string(type_name(vt)));
        for (od::value entry_value : values.get_array()) {
          if (entry_value.type() != od::json_type::array)
            throw Error(ErrorKind::kDataException, em.where_entry() + ": an entry must be an array [\"<unix ns>\", \"line\"], got " +
                                                       std::string(type_name(entry_value.type())));
          int64_t ts = 0;
          std::string_view line;
          bool has_metadata = false;
          size_t i = 0;
          metadata.clear();
          for (od::value item : entry_value.get_array()) {
            od::json_type it = item.type();
            if (i == 0) {
              if (it != od::json_type::string) {
                // Loki reads the timestamp with ReadString: a number is refused.
                throw Error(ErrorKind::kDataException,
                            em.where_entry() + ": the timestamp must be a string of Unix nanoseconds, got " + std::string(type_name(it)));
              }
              std::string_view s = item.get_string();
              // A decode error in Loki (jsoniter ReportError): the whole request fails, skip mode or not.
              if (!parse_go_int64(s, &ts))
                throw Error(ErrorKind::kDataException, em.where_entry() + ": invalid timestamp " + quote_for_message(s, 64) +
                                                           ": not an integer number of nanoseconds");
            } else if (i == 1) {
              if (it != od::json_type::string)
                throw Error(ErrorKind::kDataException, em.where_entry() + ": the line must be a string, got " + std::string(type_name(it)));
              line = item.get_string();
            } else if (i == 2) {
              if (it == od::json_type::null) {  // jsoniter's ReadMapCB takes null as no metadata
                i++;
                continue;
              }
              if (it != od::json_type::object)
                throw Error(ErrorKind::kDataException,
                            em.where_entry() + ": structured metadata must be an object, got " + std::string(type_name(it)));
              for (od::field mf : item.get_object()) {
                std::string_view name = mf.unescaped_key();
                od::value mv = mf.value();
                if (mv.type() != od::json_type::string)
                  throw Error(ErrorKind::kDataException, em.where_entry() + ": structured metadata " + quote_for_message(name, 64) +
                                                             " must have a string value, got " + std::string(type_name(mv.type())));
                std::string_view v = mv.get_string();
                metadata.push_back({std::string(name), std::string(v)});
              }
              has_metadata = true;
            } else {
              throw Error(ErrorKind::kDataException, em.where_entry() + ": an entry has at most 3 values (timestamp, line, metadata)");
            }
            i++;
          }
          if (i < 2)
            throw Error(ErrorKind::kDataException, em.where_entry() + ": an entry needs a timestamp and a line");
          em.add(ts, line, has_metadata ? &metadata : nullptr);
        }
        em.end();
      }
    }
    // Past the root value the iterator is at the end unless something but whitespace follows.
    const char* trailing = nullptr;
    if (doc.current_location().get(trailing) == simdjson::SUCCESS && trailing != nullptr) throw Error(ErrorKind::kDataException, "unexpected content after the JSON document");
  } catch (const simdjson::simdjson_error& e) {
    size_t off = offset();
    std::string msg = "invalid JSON push body";
    if (off != static_cast<size_t>(-1)) msg += " at byte " + std::to_string(off);
    msg += ": ";
    msg += simdjson::error_message(e.error());
    throw Error(ErrorKind::kDataException, msg, off == static_cast<size_t>(-1) || off > INT32_MAX ? -1 : static_cast<int>(off));
  }
  em.end();
  return stats;
}

}  // namespace observe::ingest
