// Aggregates over decoded chunk columns, with PostgreSQL's own semantics for count, sum(float8),
// avg(float8), min/max(float8) and min/max of the time column, so that an access method can
// answer an aggregate query from chunks without producing a row per sample. Only the order in
// which values are added differs from PostgreSQL's row-at-a-time aggregation (as it does for
// PostgreSQL's own parallel aggregation), so sums may differ in the last bits.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/chunk/chunk.h"

namespace observe::chunk {

// The rows of a chunk whose time lies in [lo, hi] (and, given a mask, whose mask byte is not 0):
// a range of rows when the times are sorted (chunks are written sorted), else every row tested.
class RowSelection {
 public:
  RowSelection(const std::vector<int64_t>& times, int64_t lo, int64_t hi,
               const std::vector<uint8_t>* mask = nullptr);
  // Rows [first, last) of sorted times (those of them the mask keeps).
  static RowSelection rows(const std::vector<int64_t>& times, size_t first, size_t last,
                           const std::vector<uint8_t>* mask = nullptr);
  // Whether the time condition is the range [first, last) (the times are sorted).
  bool sorted() const { return !time_tested_; }
  size_t first() const { return first_; }
  size_t last() const { return last_; }
  size_t count() const { return count_; }
  template <class F>
  void for_each(F&& f) const {
    for (size_t r = first_; r < last_; r++) {
      if (time_tested_ && ((*times_)[r] < lo_ || (*times_)[r] > hi_)) continue;
      if (mask_ != nullptr && (*mask_)[r] == 0) continue;
      f(r);
    }
  }

 private:
  explicit RowSelection(const std::vector<int64_t>* times) : times_(times), lo_(0), hi_(-1) {}
  void count_rows();
  const std::vector<int64_t>* times_;
  int64_t lo_, hi_;
  const std::vector<uint8_t>* mask_ = nullptr;
  bool time_tested_ = false;
  size_t first_ = 0, last_ = 0, count_ = 0;
};

// A WHERE condition on a value column, with PostgreSQL's float8 comparison (NaN equals NaN and
// sorts above every number; a NULL value passes only IS NULL).
struct ValueFilter {
  enum Op : uint8_t { kLess, kLessEqual, kEqual, kGreaterEqual, kGreater, kNotEqual, kIsNull, kIsNotNull };
  Op op = kEqual;
  int column = 0;  // chunk column; a chunk without it holds NULLs there
  double constant = 0;
};
// False when the chunk's zone map shows that no row can pass every filter (only for what the
// map can decide: a comparison that NaN passes needs to know there is no NaN, which it does not).
bool filters_may_match(const std::vector<ValueFilter>& filters, const ChunkSummary& summary);
// Clears mask[r] (sized to the chunk's rows) for every row that fails one of the filters.
void apply_filters(const std::vector<ValueFilter>& filters, const ChunkData& data,
                   std::vector<uint8_t>& mask);

// Fixed-width time buckets, as GROUP BY floor(extract(epoch from time) / C) forms them:
// bucket k holds the times t with floor((t + offset) / width) = k. The infinities
// (INT64_MIN / INT64_MAX, PostgreSQL's -infinity / infinity) are buckets of their own.
struct TimeBuckets {
  int64_t width = 2;   // >= 2, so that every finite bucket number fits int64 beside the infinities
  int64_t offset = 0;
  static constexpr int64_t kMinusInfinity = INT64_MIN, kInfinity = INT64_MAX;

  int64_t bucket_of(int64_t t) const;
  // A time inside bucket k (its start, clamped to the finite range; the infinities for theirs).
  int64_t time_in(int64_t k) const;
  // The end of the run of rows in bucket_of(times[first]) among sorted rows [first, last).
  size_t run_end(const std::vector<int64_t>& times, size_t first, size_t last) const;
};

enum class AggKind : uint8_t {
  kCountRows,     // count(*), or count(col) of a column that is never null in these rows
  kCountValues,   // count(col): non-null values of a value column
  kSumFloat,      // sum(float8): float8pl from the first value
  kAvgFloat,      // avg(float8): float8_accum (Youngs-Cramer) then Sx / N
  kMinFloat,      // min(float8): NaN sorts above every number
  kMaxFloat,
  kMinTime,       // min/max of the time column (int64 µs)
  kMaxTime,
};

// One aggregate's running state for one group.
struct AggState {
  int64_t count = 0;       // rows or values added
  double sum = 0;          // kSumFloat: float8pl state; kAvgFloat: Sx
  double sxx = 0;          // kAvgFloat: Youngs-Cramer Sxx, kept only for PostgreSQL's overflow rule
  double extreme = 0;      // kMin/kMaxFloat
  int64_t time_extreme = 0;
  bool overflow = false;   // finite inputs overflowed: PostgreSQL raises "value out of range: overflow"

  void add_float(AggKind kind, double v);
  void add_time(AggKind kind, int64_t t);
  // Whether the aggregate's result is NULL (no input for everything but the counts).
  bool result_is_null(AggKind kind) const;
  double float_result(AggKind kind) const;  // kSumFloat, kAvgFloat, kMin/kMaxFloat
};

// Adds the selected rows of a chunk. `column` is the aggregated value column (nullptr for the
// counts of rows and the time aggregates; a chunk written before the column existed has none:
// pass nullptr and its rows count as nulls).
void aggregate_rows(AggKind kind, AggState& state, const RowSelection& rows,
                    const std::vector<int64_t>& times, const Column* column);

}  // namespace observe::chunk
