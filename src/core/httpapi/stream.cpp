#include "core/httpapi/stream.h"

#include <cstdint>
#include <cstring>

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
        // A value repeated from the previous step (a gauge read at steps shorter than its
        // scrape interval, a window function over the same samples) reuses its text: the
        // shortest round-trip formatting was most of a long series' cost.
        char text[kPromFloatMax];
        size_t text_len = 0;
        uint64_t text_bits = 0;
        for (size_t i = 0; i < s.samples.size(); i++) {
          if (i > 0) out += ',';
          out += '[';
          append_prom_timestamp(out, s.samples[i].t);
          out += ",\"";
          uint64_t bits;
          std::memcpy(&bits, &s.samples[i].v, sizeof bits);
          if (i == 0 || bits != text_bits) {
            text_len = format_prom_float(text, s.samples[i].v);
            text_bits = bits;
          }
          out.append(text, text_len);
          out += "\"]";
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
