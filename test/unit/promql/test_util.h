// Helpers for the engine tests: a store filled from compact series descriptions.
#pragma once

#include <string>
#include <vector>

#include "core/promql/engine.h"
#include "core/promql/memory_storage.h"
#include "core/promql/parser.h"

namespace observe::promql::testing {

// Adds samples (t in seconds) to a series given as `name{l="v"}`.
inline void add(MemoryStorage& st, const std::string& series, std::vector<std::pair<double, double>> points) {
  Labels l = parse_series(series);
  for (auto& [t, v] : points) st.add(l, static_cast<int64_t>(t * 1000), v);
}

inline Value instant(Queryable& q, const std::string& query, double t_seconds, EngineOptions opts = {}) {
  return instant_query(q, query, static_cast<int64_t>(t_seconds * 1000), opts);
}

// The value of the only element of an instant vector (fails the test otherwise).
inline double only_value(const Value& v) {
  if (v.type != ValueType::kVector || v.vector.size() != 1) return -12345.678;
  return v.vector[0].v;
}

}  // namespace observe::promql::testing
