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
#include <string_view>

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
  // The bytes as a stored token filter (either version): an answer or a clear error.
  data_error_only([&] {
    for (std::string_view needle : {std::string_view("orders/100002"), std::string_view("6b14bb84.7007"),
                                     std::string_view("/x/"), std::string_view("GET"), bytes.substr(0, 24)}) {
      codec::token_filter_may_contain(bytes, needle);
      codec::token_filter_may_contain(bytes, needle, true);
    }
  });
  return 0;
}
