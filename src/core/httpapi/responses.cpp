#include "core/httpapi/responses.h"

#include "core/httpapi/json.h"

namespace observe::httpapi {

const char* error_type_name(ErrorType t) {
  switch (t) {
    case ErrorType::kBadData: return "bad_data";
    case ErrorType::kExecution: return "execution";
    case ErrorType::kTimeout: return "timeout";
    case ErrorType::kCanceled: return "canceled";
    case ErrorType::kInternal: return "internal";
    case ErrorType::kUnavailable: return "unavailable";
    case ErrorType::kNotFound: return "not_found";
    case ErrorType::kForbidden: return "forbidden";
  }
  return "internal";
}

int error_http_status(ErrorType t) {
  switch (t) {
    case ErrorType::kBadData: return 400;
    case ErrorType::kExecution: return 422;
    case ErrorType::kTimeout: return 503;
    case ErrorType::kCanceled: return 499;
    case ErrorType::kInternal: return 500;
    case ErrorType::kUnavailable: return 503;
    case ErrorType::kNotFound: return 404;
    case ErrorType::kForbidden: return 403;
  }
  return 500;
}

std::string prom_error_body(ErrorType t, std::string_view message) {
  std::string out = "{\"status\":\"error\",\"errorType\":";
  append_json_string(out, error_type_name(t));
  out += ",\"error\":";
  append_json_string(out, message);
  out += '}';
  return out;
}

std::string prom_success_body(std::string_view data, const std::vector<std::string>& warnings,
                              const std::vector<std::string>& infos) {
  std::string out;
  out.reserve(data.size() + 64);
  out += "{\"status\":\"success\",\"data\":";
  out += data;
  if (!warnings.empty()) {
    out += ",\"warnings\":";
    append_string_array(out, warnings);
  }
  if (!infos.empty()) {
    out += ",\"infos\":";
    append_string_array(out, infos);
  }
  out += '}';
  return out;
}

void append_query_data(std::string& out, const promql::Value& v) {
  out += "{\"resultType\":";
  switch (v.type) {
    case promql::ValueType::kScalar:
      out += "\"scalar\",\"result\":";
      append_prom_point(out, v.t, v.scalar);
      break;
    case promql::ValueType::kString:
      out += "\"string\",\"result\":[";
      append_prom_timestamp(out, v.t);
      out += ',';
      append_json_string(out, v.str);
      out += ']';
      break;
    case promql::ValueType::kVector: {
      out += "\"vector\",\"result\":[";
      bool first = true;
      for (const auto& e : v.vector) {
        if (!first) out += ',';
        first = false;
        out += "{\"metric\":";
        append_labels_object(out, e.metric);
        out += ",\"value\":";
        append_prom_point(out, e.t, e.v);
        out += '}';
      }
      out += ']';
      break;
    }
    case promql::ValueType::kMatrix: {
      out += "\"matrix\",\"result\":[";
      bool first = true;
      for (const auto& s : v.matrix) {
        if (!first) out += ',';
        first = false;
        out += "{\"metric\":";
        append_labels_object(out, s.metric);
        out += ",\"values\":[";
        for (size_t i = 0; i < s.samples.size(); i++) {
          if (i > 0) out += ',';
          append_prom_point(out, s.samples[i].t, s.samples[i].v);
        }
        out += "]}";
      }
      out += ']';
      break;
    }
    case promql::ValueType::kNone:
      out += "\"vector\",\"result\":[]";
      break;
  }
  out += '}';
}

void append_string_array(std::string& out, const std::vector<std::string>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); i++) {
    if (i > 0) out += ',';
    append_json_string(out, items[i]);
  }
  out += ']';
}

void append_labels_array(std::string& out, const std::vector<Labels>& items) {
  out += '[';
  for (size_t i = 0; i < items.size(); i++) {
    if (i > 0) out += ',';
    append_labels_object(out, items[i]);
  }
  out += ']';
}

void append_loki_streams(std::string& out, const logql::LogResult& r) {
  out += '[';
  bool first = true;
  for (const auto& s : r.streams) {
    if (s.entries.empty()) continue;
    if (!first) out += ',';
    first = false;
    out += "{\"stream\":";
    append_labels_object(out, s.labels);
    out += ",\"values\":[";
    for (size_t i = 0; i < s.entries.size(); i++) {
      if (i > 0) out += ',';
      out += "[\"";
      out += std::to_string(s.entries[i].first);
      out += "\",";
      append_json_string(out, s.entries[i].second);
      out += ']';
    }
    out += "]}";
  }
  out += ']';
}

void append_loki_streams_data(std::string& out, const logql::LogResult& r) {
  out += "{\"resultType\":\"streams\",\"result\":";
  append_loki_streams(out, r);
  out += ",\"stats\":{}}";
}

std::string loki_tail_message(const logql::LogResult& r) {
  std::string out = "{\"streams\":";
  append_loki_streams(out, r);
  out += '}';
  return out;
}

std::string loki_success_body(std::string_view data) {
  std::string out = "{\"status\":\"success\",\"data\":";
  out += data;
  out += '}';
  return out;
}

}  // namespace observe::httpapi
