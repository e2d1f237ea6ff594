#include "core/httpapi/stream.h"

#include "core/httpapi/json.h"
#include "core/httpapi/responses.h"

namespace observe::httpapi {

QueryResultStream::QueryResultStream(promql::Value v, std::string data_suffix, bool annotations)
    : v_(std::move(v)), suffix_(std::move(data_suffix)), annotations_(annotations) {}

bool QueryResultStream::next(std::string& out, size_t piece_bytes) {
  const size_t start = out.size();
  bool elements = v_.type == promql::ValueType::kVector || v_.type == promql::ValueType::kMatrix;
  while (stage_ < 3 && out.size() - start < piece_bytes) {
    if (stage_ == 0) {
      out += "{\"status\":\"success\",\"data\":";
      if (!elements) {
        append_query_data(out, v_);  // scalar, string, none: small
        out.pop_back();
        stage_ = 2;
        continue;
      }
      out += v_.type == promql::ValueType::kVector ? "{\"resultType\":\"vector\",\"result\":["
                                                   : "{\"resultType\":\"matrix\",\"result\":[";
      stage_ = 1;
    } else if (stage_ == 1) {
      size_t n = v_.type == promql::ValueType::kVector ? v_.vector.size() : v_.matrix.size();
      if (index_ >= n) {
        out += ']';
        stage_ = 2;
        continue;
      }
      if (index_ > 0) out += ',';
      out += "{\"metric\":";
      if (v_.type == promql::ValueType::kVector) {
        const auto& e = v_.vector[index_];
        append_labels_object(out, e.metric);
        out += ",\"value\":";
        append_prom_point(out, e.t, e.v);
      } else {
        auto& s = v_.matrix[index_];
        append_labels_object(out, s.metric);
        out += ",\"values\":[";
        for (size_t i = 0; i < s.samples.size(); i++) {
          if (i > 0) out += ',';
          append_prom_point(out, s.samples[i].t, s.samples[i].v);
        }
        out += ']';
        s.samples = {};  // sent: its memory goes back now
      }
      out += '}';
      index_++;
    } else {
      out += suffix_;
      out += '}';
      if (annotations_ && !v_.warnings.empty()) {
        out += ",\"warnings\":";
        append_string_array(out, v_.warnings);
      }
      if (annotations_ && !v_.infos.empty()) {
        out += ",\"infos\":";
        append_string_array(out, v_.infos);
      }
      out += '}';
      stage_ = 3;
    }
  }
  return out.size() > start;
}

}  // namespace observe::httpapi
