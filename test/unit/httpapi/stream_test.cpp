// The streamed body is byte for byte the body built whole, whatever the piece size.
#include <cmath>

#include <gtest/gtest.h>

#include "core/httpapi/responses.h"
#include "core/httpapi/stream.h"

using namespace observe::httpapi;
using observe::Labels;

static std::string streamed(const observe::promql::Value& v, const std::string& suffix, bool annotations, size_t piece) {
  QueryResultStream s(v, suffix, annotations);
  std::string out, chunk;
  int pieces = 0;
  while (true) {
    chunk.clear();
    if (!s.next(chunk, piece)) break;
    out += chunk;
    EXPECT_LT(++pieces, 100000);
  }
  return out;
}

static std::string whole(const observe::promql::Value& v, const std::string& suffix, bool annotations) {
  std::string data;
  append_query_data(data, v);
  data.pop_back();
  data += suffix + "}";
  return annotations ? prom_success_body(data, v.warnings, v.infos) : prom_success_body(data);
}

TEST(QueryResultStream, SameBytesAsWholeBody) {
  observe::promql::Value m;
  m.type = observe::promql::ValueType::kMatrix;
  for (int i = 0; i < 50; i++)
    m.matrix.push_back({Labels({{"i", std::to_string(i)}}), {{1000, 0.5}, {2000, std::nan("")}, {3500, 1e-9}}, false});
  m.warnings = {"PromQL warning: w"};
  m.infos = {"PromQL info: i"};
  observe::promql::Value v;
  v.type = observe::promql::ValueType::kVector;
  v.vector.push_back({Labels({{"__name__", "up"}}), 1, 2000, false});
  v.vector.push_back({Labels({{"a", "<b>"}}), -INFINITY, 2001, false});
  observe::promql::Value empty;
  empty.type = observe::promql::ValueType::kMatrix;
  observe::promql::Value scalar;
  scalar.type = observe::promql::ValueType::kScalar;
  scalar.scalar = 2;
  scalar.t = 1500;
  for (const auto* val : {&m, &v, &empty, &scalar}) {
    for (size_t piece : {1, 7, 100, 1 << 20}) {
      EXPECT_EQ(streamed(*val, "", true, piece), whole(*val, "", true)) << piece;
      EXPECT_EQ(streamed(*val, ",\"stats\":{}", false, piece), whole(*val, ",\"stats\":{}", false)) << piece;
    }
  }
}

// Values repeated from one step to the next reuse their text: still the same bytes, also for
// 0 / -0 and NaNs of different payloads next to each other.
TEST(QueryResultStream, RepeatedValues) {
  observe::promql::Value m;
  m.type = observe::promql::ValueType::kMatrix;
  std::vector<observe::promql::Sample> samples;
  double values[] = {0.25, 0.25, 0.25, 0.0, -0.0, -0.0, 0.0, std::nan(""), -std::nan(""), 7, 7, 1e-9, 1e-9, 0.25};
  int64_t t = -2500;
  for (double v : values) samples.push_back({t += 1001, v});
  m.matrix.push_back({Labels({{"a", "1"}}), samples, false});
  m.matrix.push_back({Labels({{"a", "2"}}), {{5000, 0.25}, {6000, 0.25}}, false});
  for (size_t piece : {1, 50, 1 << 20}) EXPECT_EQ(streamed(m, "", true, piece), whole(m, "", true)) << piece;
}

TEST(QueryResultStream, PiecesStayNearTheTarget) {
  observe::promql::Value m;
  m.type = observe::promql::ValueType::kMatrix;
  for (int i = 0; i < 200; i++) m.matrix.push_back({Labels({{"i", std::to_string(i)}}), {{1000, 1}}, false});
  QueryResultStream s(m, "", true);
  std::string chunk;
  size_t largest = 0, pieces = 0;
  while (true) {
    chunk.clear();
    if (!s.next(chunk, 256)) break;
    largest = std::max(largest, chunk.size());
    pieces++;
  }
  EXPECT_GT(pieces, 10u);
  EXPECT_LT(largest, 256u + 100u);  // one element past the target at most
}
