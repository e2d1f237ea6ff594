// The codec of a block of log lines (the lines of one stream, in time order):
// exact bytes in, exact bytes out, decoded into one contiguous buffer so a line
// filter runs over it with memmem instead of per-line strings.
//
// Two layouts, the smaller wins when both are tried (see README.md next to the
// log chunk for the measurements behind them):
//  - plain: line lengths (varints) and the concatenated bytes, each a zstd frame;
//  - split: every decimal number that stands alone (not glued to a letter) is
//    cut out of its line; the rest of the line (its "template") goes to one
//    zstd stream, the numbers to integer columns by position in the line
//    (k-th number of each line), delta-coded, plus their digit counts. Log
//    lines repeat their shape and differ in numbers (times, sizes, pids,
//    durations): zstd sees the repetition better without the numbers, and
//    the numbers' deltas are small.
// Optionally the text frame (plain bytes, or split templates) uses a zstd
// dictionary trained on the stream (ZDICT); the caller stores it once and
// passes the same bytes to decode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/codec/bulk_buffer.h"

namespace observe::codec {

enum class LogLayout : uint8_t { kPlain = 0, kSplit = 1, kBest = 255 };

struct LogLinesOptions {
  int level = 9;                   // zstd level
  LogLayout layout = LogLayout::kBest;
  std::string_view dictionary;     // empty: none
};

// Decoded lines: line i is data[begin(i), ends[i]).
struct LogLines {
  ByteBuffer data;
  std::vector<uint32_t> ends;

  size_t size() const { return ends.size(); }
  size_t begin(size_t i) const { return i == 0 ? 0 : ends[i - 1]; }
  std::string_view line(size_t i) const {
    return std::string_view(data.data() + begin(i), ends[i] - begin(i));
  }
};

// Upper bound on the decoded bytes of one block (a chunk is one datum, < 1 GiB).
inline constexpr size_t kMaxLogBlockBytes = (size_t{1} << 30) - 1;
inline constexpr size_t kMaxLogBlockLines = size_t{1} << 24;

// Throws Error(kInvalidParameter) if the lines exceed the bounds above.
std::string log_lines_encode(const std::vector<std::string_view>& lines,
                             const LogLinesOptions& options = {});

// Throws Error(kDataException) on corrupt input (or a wrong dictionary); never
// reads outside `encoded`, never allocates more than the bounds above.
void log_lines_decode(std::string_view encoded, LogLines& out, std::string_view dictionary = {});

// Layout of an encoded block (for benchmarks): kPlain or kSplit.
LogLayout log_lines_layout(std::string_view encoded);

// A zstd dictionary of at most `max_bytes` trained on sample lines (ZDICT) for
// blocks of `layout` (kSplit: trained on the templates, the stream it is used
// for); empty if training fails (too few samples).
std::string log_dictionary_train(const std::vector<std::string_view>& samples, size_t max_bytes,
                                 LogLayout layout);

}  // namespace observe::codec
