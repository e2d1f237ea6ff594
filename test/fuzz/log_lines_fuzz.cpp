// libFuzzer target for the log decoders: any byte string given to
// log_lines_decode, or as a chunk to decode_lines / decode, or as a token filter to
// token_filter_may_contain, either decodes consistently or throws kDataException
// (ASan + UBSan watch the reads).
// The GoogleTest LogLinesFuzz cases (test/unit/logs) run a deterministic share
// of the same checks in every build. Run (clang-14, standalone build):
//   CXX=clang++-14 cmake -S test/fuzz -B build-fuzz && cmake --build build-fuzz --target log_lines_fuzz
//   build-fuzz/log_lines_fuzz $(mktemp -d) test/fuzz/corpus/log_lines -max_total_time=60 -max_len=8192
// (the seeds are plain and split blocks of test/unit/logs/log_test_util.h lines).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/chunk/chunk.h"
#include "core/codec/log_lines.h"
#include "core/codec/token_filter.h"
#include "core/common/error.h"

using namespace observe;

namespace {
template <typename F>
void data_error_only(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kDataException) std::abort();
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  data_error_only([&] {
    codec::LogLines d;
    codec::log_lines_decode(bytes, d);
    if (d.data.size() != (d.ends.empty() ? 0 : d.ends.back())) std::abort();
    for (size_t i = 1; i < d.ends.size(); ++i)
      if (d.ends[i - 1] > d.ends[i]) std::abort();
    // What decoded re-encodes to the same lines, in both layouts.
    std::vector<std::string_view> v;
    for (size_t i = 0; i < d.size(); ++i) v.push_back(d.line(i));
    for (auto layout : {codec::LogLayout::kPlain, codec::LogLayout::kSplit}) {
      codec::LogLinesOptions o;
      o.layout = layout;
      o.level = 1;
      codec::LogLines again;
      codec::log_lines_decode(codec::log_lines_encode(v, o), again);
      if (again.data != d.data || again.ends != d.ends) std::abort();
    }
  });
  data_error_only([&] {
    chunk::ChunkSummary s = chunk::peek(bytes);
    for (size_t c = 0; c < s.columns.size(); ++c) {
      if (s.columns[c].kind != chunk::ColumnKind::kBytes) continue;
      codec::LogLines d;
      chunk::decode_lines(bytes, c, d);
      if (d.size() != s.rows - s.columns[c].null_count) std::abort();
    }
  });
  // A chunk's summary from a prefix (a TOAST slice): never more than peek() tells, the same
  // filters when it succeeds, no crash on any cut.
  {
    chunk::ChunkSummary whole;
    bool ok = true;
    try {
      whole = chunk::peek(bytes);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kDataException) std::abort();
      ok = false;
    }
    for (size_t cut : {size_t{0}, bytes.size() / 3, bytes.size() / 2, bytes.size()}) {
      chunk::ChunkSummary part;
      if (chunk::peek_prefix(bytes.substr(0, cut), &part) && ok) {
        if (part.columns.size() != whole.columns.size() || part.rows != whole.rows) std::abort();
        for (size_t c = 0; c < part.columns.size(); ++c)
          if (part.columns[c].token_filter != whole.columns[c].token_filter) std::abort();
      }
    }
  }
  // The bytes as a stored token filter (every version; the version 2 and 3 headers forced
  // too): an answer or a clear error.
  std::string v2 = std::string("\x40", 1) + std::string(bytes);
  std::string v3 = std::string("\x20", 1) + std::string(bytes);
  for (std::string_view f : {bytes, std::string_view(v2), std::string_view(v3)})
    data_error_only([&] {
      for (std::string_view needle : {std::string_view("orders/100002"), std::string_view("6b14bb84.7007"),
                                       std::string_view("/x/"), std::string_view("GET"), bytes.substr(0, 24)}) {
        codec::token_filter_may_contain(f, needle);
        codec::token_filter_may_contain(f, needle, true);
      }
    });
  // The bytes as lines (split at newlines) into a version 3 filter, at a budget taken from the
  // first byte: no substring of a line is ever excluded.
  {
    std::vector<std::string_view> lines;
    for (size_t i = 0, j; i <= bytes.size(); i = j + 1) {
      j = bytes.find('\n', i);
      if (j == std::string_view::npos) j = bytes.size();
      lines.push_back(bytes.substr(i, j - i));
    }
    codec::TokenFilterOptions o;
    o.fold_case = !bytes.empty() && (bytes[0] & 1);
    o.min_bytes = !bytes.empty() && (bytes[0] & 2) ? 0 : 1024;
    codec::TokenFilterBuilder b(o);
    for (std::string_view l : lines) b.add(l);
    const size_t budget = bytes.empty() ? SIZE_MAX : static_cast<size_t>(static_cast<uint8_t>(bytes[0])) * 8;
    std::string f = b.finish(budget);
    for (std::string_view l : lines)
      for (size_t pos = 0; pos < l.size(); pos += 1 + l.size() / 8)
        for (size_t len : {size_t{3}, size_t{9}, size_t{17}, l.size()}) {
          std::string_view needle = l.substr(pos, len);
          if (!codec::token_filter_may_contain(f, needle)) std::abort();
        }
  }
  return 0;
}
