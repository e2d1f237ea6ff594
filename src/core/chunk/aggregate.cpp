#include "core/chunk/aggregate.h"

#include <algorithm>
#include <limits>

namespace observe::chunk {

RowSelection::RowSelection(const std::vector<int64_t>& times, int64_t lo, int64_t hi,
                           const std::vector<uint8_t>* mask)
    : times_(&times), lo_(lo), hi_(hi), mask_(mask) {
  if (std::is_sorted(times.begin(), times.end())) {
    auto [first, last] = row_range(times, lo, hi);
    first_ = first;
    last_ = last;
  } else {
    time_tested_ = true;
    last_ = times.size();
  }
  count_rows();
}

RowSelection RowSelection::rows(const std::vector<int64_t>& times, size_t first, size_t last,
                                const std::vector<uint8_t>* mask) {
  RowSelection s(&times);
  s.first_ = first;
  s.last_ = last;
  s.mask_ = mask;
  s.count_rows();
  return s;
}

void RowSelection::count_rows() {
  if (!time_tested_ && mask_ == nullptr) {
    count_ = last_ - first_;
    return;
  }
  count_ = 0;
  for_each([&](size_t) { count_++; });
}

int64_t TimeBuckets::bucket_of(int64_t t) const {
  if (t == kMinusInfinity || t == kInfinity) return t;
  __int128 x = static_cast<__int128>(t) + offset;
  __int128 k = x / width;
  if (x % width != 0 && x < 0) k--;  // floor, not truncation
  return static_cast<int64_t>(k);  // fits: |x| < 2^64 and width >= 2
}

int64_t TimeBuckets::time_in(int64_t k) const {
  if (k == kMinusInfinity || k == kInfinity) return k;
  __int128 t = static_cast<__int128>(k) * width - offset;
  // The start of the bucket, or its finite part when the start lies beyond int64.
  if (t <= static_cast<__int128>(kMinusInfinity)) return kMinusInfinity + 1;
  if (t >= static_cast<__int128>(kInfinity)) return kInfinity - 1;
  return static_cast<int64_t>(t);
}

size_t TimeBuckets::run_end(const std::vector<int64_t>& times, size_t first, size_t last) const {
  int64_t t = times[first];
  auto begin = times.begin() + static_cast<std::ptrdiff_t>(first);
  auto end = times.begin() + static_cast<std::ptrdiff_t>(last);
  if (t == kMinusInfinity || t == kInfinity)
    return static_cast<size_t>(std::upper_bound(begin, end, t) - times.begin());
  __int128 next = (static_cast<__int128>(bucket_of(t)) + 1) * width - offset;
  // Rows at or past the next bucket's start, or infinite ones, end the run.
  int64_t bound = next >= static_cast<__int128>(kInfinity) ? kInfinity : static_cast<int64_t>(next);
  return static_cast<size_t>(std::lower_bound(begin, end, bound) - times.begin());
}

namespace {

// PostgreSQL's float8 ordering (float.h): NaN equals NaN and sorts above every number.
bool pg_float_lt(double a, double b) { return !std::isnan(a) && (std::isnan(b) || a < b); }
bool pg_float_gt(double a, double b) { return !std::isnan(b) && (std::isnan(a) || a > b); }

}  // namespace

void AggState::add_float(AggKind kind, double v) {
  switch (kind) {
    case AggKind::kSumFloat: {
      if (count == 0) {
        sum = v;  // a strict transition function's first input becomes the state
      } else {
        double r = sum + v;
        if (std::isinf(r) && !std::isinf(sum) && !std::isinf(v)) overflow = true;
        sum = r;
      }
      break;
    }
    case AggKind::kAvgFloat: {
      // float8_accum: N, Sx, Sxx with Youngs-Cramer; Sxx matters only for the overflow error.
      double n_before = static_cast<double>(count), sx_before = sum;
      double n = n_before + 1.0;
      sum += v;
      if (n_before > 0.0) {
        double tmp = v * n - sum;
        sxx += tmp * tmp / (n * n_before);
        if (std::isinf(sum) || std::isinf(sxx)) {
          if (!std::isinf(sx_before) && !std::isinf(v)) overflow = true;
          sxx = std::numeric_limits<double>::quiet_NaN();
        }
      } else if (std::isnan(v) || std::isinf(v)) {
        sxx = std::numeric_limits<double>::quiet_NaN();
      }
      break;
    }
    case AggKind::kMinFloat:
      // float8smaller(state, new): the state only if it is smaller.
      if (count == 0 || !pg_float_lt(extreme, v)) extreme = v;
      break;
    case AggKind::kMaxFloat:
      if (count == 0 || !pg_float_gt(extreme, v)) extreme = v;
      break;
    default: break;
  }
  count++;
}

void AggState::add_time(AggKind kind, int64_t t) {
  if (count == 0 || (kind == AggKind::kMinTime ? t <= time_extreme : t >= time_extreme))
    time_extreme = t;
  count++;
}

bool AggState::result_is_null(AggKind kind) const {
  return kind != AggKind::kCountRows && kind != AggKind::kCountValues && count == 0;
}

double AggState::float_result(AggKind kind) const {
  switch (kind) {
    case AggKind::kSumFloat: return sum;
    case AggKind::kAvgFloat: return sum / static_cast<double>(count);
    default: return extreme;
  }
}

bool filters_may_match(const std::vector<ValueFilter>& filters, const ChunkSummary& summary) {
  for (const ValueFilter& f : filters) {
    bool present = static_cast<size_t>(f.column) < summary.columns.size();
    uint32_t nulls = present ? summary.columns[f.column].null_count : summary.rows;
    if (f.op == ValueFilter::kIsNull) {
      if (nulls == 0) return false;
      continue;
    }
    if (nulls >= summary.rows) return false;  // only NULLs: nothing passes a comparison
    if (f.op == ValueFilter::kIsNotNull || std::isnan(f.constant)) continue;
    const ColumnSummary& c = summary.columns[f.column];
    if (c.kind != ColumnKind::kFloat64 || !c.has_minmax) continue;
    // NaN rows fail <, <= and = against a number: the non-NaN range decides. They pass >, >=
    // and <> (PostgreSQL orders NaN above every number), so those need a chunk without NaN.
    switch (f.op) {
      case ValueFilter::kLess: if (!(c.min_float < f.constant)) return false; break;
      case ValueFilter::kLessEqual: if (!(c.min_float <= f.constant)) return false; break;
      case ValueFilter::kEqual:
        if (f.constant < c.min_float || f.constant > c.max_float) return false;
        break;
      case ValueFilter::kGreater: if (c.no_nan && !(c.max_float > f.constant)) return false; break;
      case ValueFilter::kGreaterEqual: if (c.no_nan && !(c.max_float >= f.constant)) return false; break;
      case ValueFilter::kNotEqual:  // -0 = 0, as in PostgreSQL
        if (c.no_nan && c.min_float == f.constant && c.max_float == f.constant) return false;
        break;
      default: break;
    }
  }
  return true;
}

void apply_filters(const std::vector<ValueFilter>& filters, const ChunkData& data,
                   std::vector<uint8_t>& mask) {
  size_t n = data.times.size();
  for (const ValueFilter& f : filters) {
    const Column* col = static_cast<size_t>(f.column) < data.columns.size() &&
                                data.columns[f.column].size() == n
                            ? &data.columns[f.column]
                            : nullptr;
    for (size_t r = 0; r < n; r++) {
      if (mask[r] == 0) continue;
      bool null = col == nullptr || col->is_null(r);
      bool keep;
      if (f.op == ValueFilter::kIsNull || f.op == ValueFilter::kIsNotNull) {
        keep = null == (f.op == ValueFilter::kIsNull);
      } else if (null || col->kind != ColumnKind::kFloat64) {
        keep = false;
      } else {
        double v = col->floats[r];
        switch (f.op) {
          case ValueFilter::kLess: keep = pg_float_lt(v, f.constant); break;
          case ValueFilter::kLessEqual: keep = !pg_float_gt(v, f.constant); break;
          case ValueFilter::kEqual: keep = !pg_float_lt(v, f.constant) && !pg_float_gt(v, f.constant); break;
          case ValueFilter::kGreaterEqual: keep = !pg_float_lt(v, f.constant); break;
          case ValueFilter::kNotEqual: keep = pg_float_lt(v, f.constant) || pg_float_gt(v, f.constant); break;
          default: keep = pg_float_gt(v, f.constant); break;
        }
      }
      if (!keep) mask[r] = 0;
    }
  }
}

void aggregate_rows(AggKind kind, AggState& state, const RowSelection& rows,
                    const std::vector<int64_t>& times, const Column* column) {
  switch (kind) {
    case AggKind::kCountRows: state.count += static_cast<int64_t>(rows.count()); return;
    case AggKind::kMinTime:
    case AggKind::kMaxTime: rows.for_each([&](size_t r) { state.add_time(kind, times[r]); }); return;
    default: break;
  }
  if (column == nullptr || column->size() != times.size()) return;  // all null in this chunk
  if (kind == AggKind::kCountValues) {
    if (column->nulls.empty()) {
      state.count += static_cast<int64_t>(rows.count());
    } else {
      rows.for_each([&](size_t r) { state.count += column->nulls[r] ? 0 : 1; });
    }
    return;
  }
  if (column->kind != ColumnKind::kFloat64) return;
  const double* values = column->floats.data();
  if (column->nulls.empty()) {
    rows.for_each([&](size_t r) { state.add_float(kind, values[r]); });
  } else {
    rows.for_each([&](size_t r) {
      if (!column->nulls[r]) state.add_float(kind, values[r]);
    });
  }
}

}  // namespace observe::chunk
