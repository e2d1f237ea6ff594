// A chunk: the rows of one series, as one self-describing byte string (stored
// by the access methods as a bytea). A time column (any int64: ms, µs, ...)
// plus N value columns of kind int64 / float64 / bool / bytes, each with
// optional nulls, each compressed with the codec that is smallest for its
// content. The header carries the row count, min/max time and a per-column
// summary (zone map) and length, so peek() reads no column data and decode()
// skips columns that are not wanted.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/chunk/byte_column.h"
#include "core/codec/log_lines.h"

namespace observe::chunk {

inline constexpr uint8_t kFormatVersion = 1;
// Upper bound on rows in a chunk; larger counts in a header are corrupt.
inline constexpr uint32_t kMaxRows = 1u << 20;
// Upper bound on value columns (PostgreSQL's limit on a table's columns).
inline constexpr uint32_t kMaxColumns = 1600;

enum class ColumnKind : uint8_t { kInt64 = 0, kFloat64 = 1, kBool = 2, kBytes = 3 };

// One column. Exactly one value vector is used, by kind, with one entry per row
// (the entry at a null row is ignored by encode and zero/empty after decode):
//   kInt64 -> ints, kFloat64 -> floats, kBool -> ints (0 = false, else true),
//   kBytes -> bytes (opaque: text, a datum image, ...).
struct Column {
  ColumnKind kind = ColumnKind::kFloat64;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  ByteColumn bytes;  // one buffer of all values (byte_column.h)
  std::vector<bool> nulls;  // empty = no nulls; else one per row, true = null
  // kBytes only: also store a token filter (trigram Bloom filter) of the
  // values in the header, for line filters such as LogQL's |= "needle".
  bool token_filter = false;
  // kBytes log lines: also try the log-lines codec (codec/log_lines.h) at this
  // zstd level (0: not tried; it wins on lines of repeated shapes). The token
  // filter folds ASCII case (serves |=, ILIKE and (?i)) and is sized to at most
  // token_filter_budget times the column's payload bytes (0: 10 bits a trigram).
  int log_level = 0;
  codec::LogLayout log_layout = codec::LogLayout::kBest;  // kPlain: faster scans, larger
  bool token_filter_fold_case = false;
  double token_filter_budget = 0;
  // The token filter's layout (codec::TokenFilterOptions::version): 4, or an older one for
  // benchmarks and tests of old chunks.
  int token_filter_version = 4;

  size_t size() const;  // rows, from the vector that the kind uses
  bool is_null(size_t row) const { return !nulls.empty() && nulls[row]; }
};

struct ChunkData {
  std::vector<int64_t> times;  // one per row; any order, duplicates allowed
  std::vector<Column> columns;
};

// Per-column zone map. has_minmax is false for bytes columns, for columns whose
// values are all null, and for float columns whose values are all NaN.
struct ColumnSummary {
  ColumnKind kind = ColumnKind::kFloat64;
  uint32_t null_count = 0;
  bool has_minmax = false;
  // kInt64 / kBool: min_int/max_int (bool as 0/1). kFloat64: min_float/max_float
  // over the non-NaN values (-0.0 and 0.0 compare equal).
  int64_t min_int = 0, max_int = 0;
  double min_float = 0, max_float = 0;
  // kFloat64: no non-null value is NaN. PostgreSQL orders NaN above every number, so only then
  // does max_float bound what passes `>`, `>=`, `<>`. Chunks written before the flag existed
  // read as false (unknown).
  bool no_nan = false;
  std::string token_filter;  // kBytes with Column::token_filter: see may_contain()
};

// False only if no non-null value of the column can contain `needle` as a
// substring (ignoring ASCII case if case_insensitive) according to its token
// filter; true if it has no filter (or a case-sensitive one, for
// case_insensitive).
bool may_contain(const ColumnSummary& column, std::string_view needle,
                 bool case_insensitive = false);

struct ChunkSummary {
  uint8_t version = kFormatVersion;
  uint32_t rows = 0;
  int64_t min_time = 0, max_time = 0;  // 0/0 for an empty chunk
  std::vector<ColumnSummary> columns;
  size_t encoded_size = 0;  // bytes of the whole chunk
};

// Encodes a chunk. Throws observe::Error(kInvalidParameter) if the vectors'
// lengths disagree or there are more than kMaxRows rows or kMaxColumns columns.
std::string encode(const ChunkData& data);

// Reads only the header: O(number of columns), no column data touched.
// Throws observe::Error(kDataException) on corrupt or truncated input.
ChunkSummary peek(std::string_view encoded);

// The summary from the first bytes of a chunk (a slice of a TOASTed chunk: its header and
// token filters come before the payloads): false if `prefix` ends first (or is corrupt; the
// whole chunk's peek() says which). Lets a scan skip a chunk without fetching its payload.
// `need` (if not null): on success the header's length (the bytes it used); when the prefix
// ends inside a token filter, a prefix length that holds it (0 if not known).
bool peek_prefix(std::string_view prefix, ChunkSummary* out, size_t* need = nullptr);

// The token filters of the header peek_prefix would parse, as views into `prefix` (filters[i]:
// column i's, empty if it has none), copying nothing: a header kept in shared memory is tested
// where it lies (a copy of every chunk's filter into a new backend's memory was a quarter of
// its first needle). False where peek_prefix is false. No allocation once `filters` has room.
bool peek_filters(std::string_view prefix, std::vector<std::string_view>* filters);
// may_contain() on a filter given as its bytes (peek_filters).
bool filter_may_contain(std::string_view token_filter, std::string_view needle, bool case_insensitive = false);

// Decodes the times and the wanted columns (wanted_columns[i] false, or i past
// its end, leaves column i with its kind set and empty vectors; an empty vector
// means all columns). Throws observe::Error(kDataException) on corrupt input;
// never reads outside `encoded`.
ChunkData decode(std::string_view encoded, const std::vector<bool>& wanted_columns = {});
// The same into `out`, reusing its vectors and value buffers (a scan decoding chunk after chunk
// allocates, zeroes and faults in no fresh multi-MB buffer per chunk). On an exception `out`
// is left in a valid but unspecified state.
void decode_into(std::string_view encoded, const std::vector<bool>& wanted_columns, ChunkData& out);

// The common metrics shape: times plus one float64 column without nulls.
// decode_samples fills both vectors (resized to the row count) and throws
// kDataException if the chunk is not of that shape.
std::string encode_samples(const std::vector<int64_t>& times, const std::vector<double>& values);
void decode_samples(std::string_view encoded, std::vector<int64_t>& times,
                    std::vector<double>& values);

// The fast path of log scans: the non-null values of bytes column `column`,
// decoded into one buffer (codec::LogLines, line i = i-th non-null value), so
// a line filter runs memmem over it. Throws kDataException on corrupt input,
// kInvalidParameter if the column is not a bytes column.
void decode_lines(std::string_view encoded, size_t column, codec::LogLines& out);

// Copies a column's values (nulls as empty values) into `out` (reusing its
// buffers). Throws kDataException past kMaxLogBlockBytes.
void to_log_lines(const ByteColumn& values, codec::LogLines& out);

// Lazy reading: parses the header once (throws kDataException if corrupt),
// then decodes the time column and each value column on first access only,
// so a scan can test times (or the zone map) before paying for values.
// Accessors throw kDataException if that part of the chunk is corrupt.
class ChunkReader {
 public:
  explicit ChunkReader(std::string_view encoded);  // `encoded` must outlive the reader
  ~ChunkReader();
  ChunkReader(ChunkReader&&) noexcept;
  ChunkReader& operator=(ChunkReader&&) noexcept;

  const ChunkSummary& summary() const;
  size_t rows() const { return summary().rows; }
  const std::vector<int64_t>& times();
  const Column& column(size_t i);  // kInvalidParameter if i is out of range

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Rows [first, last) of time-sorted rows whose time lies in [lo, hi]
// (for chunks written in time order, which is the common case).
std::pair<size_t, size_t> row_range(const std::vector<int64_t>& sorted_times, int64_t lo, int64_t hi);

// Sizing chunks by bytes: raw_size() in chunk_ops.h gives the uncompressed
// bytes while a batch fills; encode() is fast enough (~25 M rows/s) to
// measure the real size when it matters.

}  // namespace observe::chunk
