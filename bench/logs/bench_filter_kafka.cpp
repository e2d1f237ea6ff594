// The line column's token filter built over the Kafka benchmark's log lines (bench/kafka/run.sh,
// format json_lines_200: the `msg` field the worker stores, made exactly as
// test/kafka/mock_broker.cpp makes it), in chunks of one batch's lines (20,000 by default, the
// worker's batch), as a transient chunk builds it (case-folded, version 4, 5.7 % of ~raw/22).
// Prints lines and raw MB per CPU-second (best of --repeat) and a digest of every filter's bytes:
// equal digests from two builds = the same filters.
//
//   bench_filter_kafka [--lines=1000000] [--chunk-lines=20000] [--size=200] [--repeat=5]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "core/codec/token_filter.h"
#include "recording_streams.h"

namespace {

constexpr int64_t kBaseMs = 1704067200000;  // as mock_broker.cpp

// The `msg` of mock_broker.cpp's payload("json_lines_200" / "json_lines_1000", i).
std::string kafka_line(int64_t i, size_t size) {
  const int64_t ms = kBaseMs + i;
  const std::string n = std::to_string(i);
  const std::string head = "{\"ts\": " + std::to_string(ms) + ", \"level\": \"info\", \"app\": \"checkout\", \"msg\": \"";
  std::string msg = "request " + n + " served GET /api/v1/cart status=200 bytes=5120 duration=";
  while (head.size() + msg.size() + 2 < size) msg += static_cast<char>('a' + (msg.size() * 7 + i) % 26);
  return msg;
}

}  // namespace

int main(int argc, char** argv) {
  size_t lines = 1000000, chunk_lines = 20000, size = 200, repeat = 5;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--lines=", 0) == 0) lines = std::stoul(a.substr(8));
    else if (a.rfind("--chunk-lines=", 0) == 0) chunk_lines = std::stoul(a.substr(14));
    else if (a.rfind("--size=", 0) == 0) size = std::stoul(a.substr(7));
    else if (a.rfind("--repeat=", 0) == 0) repeat = std::stoul(a.substr(9));
    else {
      std::fprintf(stderr, "usage: bench_filter_kafka [--lines=N] [--chunk-lines=N] [--size=200] [--repeat=N]\n");
      return 2;
    }
  }
  std::string data;
  std::vector<size_t> ends;
  for (size_t i = 0; i < lines; ++i) {
    data += kafka_line(static_cast<int64_t>(i), size);
    ends.push_back(data.size());
  }
  double best = 1e30;
  uint64_t digest = 0;
  size_t filter_bytes = 0;
  for (size_t r = 0; r < repeat; ++r) {
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t fb_total = 0;
    const double t0 = observe::bench::cpu_seconds();
    for (size_t first = 0; first < lines; first += chunk_lines) {
      const size_t last = std::min(lines, first + chunk_lines);
      observe::codec::TokenFilterOptions fo;
      fo.fold_case = true;
      observe::codec::TokenFilterBuilder fb(fo);
      size_t raw_c = 0;
      for (size_t i = first; i < last; ++i) {
        const size_t b = i ? ends[i - 1] : 0;
        fb.add(std::string_view(data.data() + b, ends[i] - b));
        raw_c += ends[i] - b;
      }
      const std::string f = fb.finish(static_cast<size_t>(0.057 * static_cast<double>(raw_c) / 22));
      for (char ch : f) h = (h ^ static_cast<uint8_t>(ch)) * 0x100000001b3ULL;
      fb_total += f.size();
    }
    best = std::min(best, observe::bench::cpu_seconds() - t0);
    digest = h;
    filter_bytes = fb_total;
  }
  std::printf("token filter build, Kafka bench lines (%zu lines of %zu raw MB, %zu a chunk): %.0f lines/s, %.1f MB/s "
              "of raw lines per CPU-second (best of %zu), %zu filter B, digest %016llx\n",
              lines, data.size() / 1000000, chunk_lines, static_cast<double>(lines) / best,
              static_cast<double>(data.size()) / 1e6 / best, repeat, filter_bytes,
              static_cast<unsigned long long>(digest));
  return 0;
}
