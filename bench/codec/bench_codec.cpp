// Measures the chunk format on a real recording: bytes per sample (encoded
// chunk + a per-chunk heap-row overhead) and encode/decode throughput, for
// several chunk sizes. Every decoded chunk is checked bit-exact against the
// input.
//
//   bench_codec [samples.om.zst] [--overhead=40] [--repeat=3] [--rows=120,1000,8000,series]
//               [--us] [--breakdown]
//
// Throughput is samples per CPU-second of encode_samples / decode_samples on
// one thread, best of --repeat passes over all chunks.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "core/chunk/chunk.h"
#include "core/chunk/column_codec.h"
#include "core/chunk/header.h"
#include "core/codec/byte_io.h"
#include "../tools/recording_reader.h"

namespace {

using observe::bench::for_each_line;
using observe::bench::parse_ms;
using observe::bench::parse_value;

using Clock = std::chrono::steady_clock;

// CPU time of this thread: the machine is shared, and CPU seconds are what
// a backend would spend.
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Series {
  std::string key;
  std::vector<int64_t> times;
  std::vector<double> values;
};



std::vector<Series> load(const char* path, size_t* samples) {
  std::vector<Series> series;
  *samples = 0;
  for_each_line(path, [&](std::string_view line) {
    if (line.empty() || line[0] == '#') return;
    size_t ts_sp = line.rfind(' ');
    size_t val_sp = line.rfind(' ', ts_sp - 1);
    std::string_view key = line.substr(0, val_sp);
    if (series.empty() || series.back().key != key) series.push_back(Series{std::string(key), {}, {}});
    series.back().values.push_back(parse_value(line.substr(val_sp + 1, ts_sp - val_sp - 1)));
    series.back().times.push_back(parse_ms(line.substr(ts_sp + 1)));
    ++*samples;
  });
  return series;
}

uint64_t bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}

std::string family(const std::string& key) { return key.substr(0, key.find('{')); }

}  // namespace

int main(int argc, char** argv) {
  const char* path = "/work/shared/data/node-recording/samples.om.zst";
  size_t overhead = 40;
  bool breakdown = false;
  int repeat = 3;
  bool micros = false;
  std::vector<size_t> sizes = {120, 1000, 8000, 0};  // rows per chunk; 0 = whole series  // timestamps in µs (PostgreSQL's unit) instead of ms
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--overhead=", 0) == 0)
      overhead = std::stoul(a.substr(11));
    else if (a.rfind("--repeat=", 0) == 0)
      repeat = std::max(1, std::stoi(a.substr(9)));
    else if (a.rfind("--rows=", 0) == 0) {
      sizes.clear();
      for (size_t p = 7; p < a.size();) {
        size_t q = a.find(',', p);
        if (q == std::string::npos) q = a.size();
        std::string tok = a.substr(p, q - p);
        sizes.push_back(tok == "series" ? 0 : std::stoul(tok));
        p = q + 1;
      }
    } else if (a == "--us")
      micros = true;
    else if (a == "--breakdown")
      breakdown = true;
    else
      path = argv[i];
  }
  size_t total = 0;
  auto t0 = Clock::now();
  std::vector<Series> series = load(path, &total);
  double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (micros)
    for (Series& s : series)
      for (int64_t& t : s.times) t *= 1000;
  std::printf("%s: %zu samples, %zu series (loaded in %.2f s)\n", path, total, series.size(), load_s);
  std::printf("per-chunk overhead counted: %zu bytes\n\n", overhead);
  std::printf("%-12s %8s %12s %10s %10s %14s %14s\n", "rows/chunk", "chunks", "bytes", "B/sample",
              "payload", "encode Ms/s", "decode Ms/s");

  for (size_t rows : sizes) {
    // The chunks' inputs, cut from each series in time order.
    struct Input {
      const Series* s;
      size_t off, m;
      std::vector<int64_t> t;
      std::vector<double> v;
    };
    std::vector<Input> inputs;
    for (const Series& s : series) {
      size_t n = s.times.size();
      size_t step = rows ? rows : n;
      for (size_t off = 0; off < n; off += step) {
        size_t m = std::min(step, n - off);
        inputs.push_back(Input{&s, off, m,
                               std::vector<int64_t>(s.times.begin() + off, s.times.begin() + off + m),
                               std::vector<double>(s.values.begin() + off, s.values.begin() + off + m)});
      }
    }
    // Best of `repeat` passes: the machine is shared, the minimum is the cost.
    std::vector<std::string> encoded(inputs.size());
    double enc_s = 1e30, dec_s = 1e30;
    std::vector<int64_t> dt;
    std::vector<double> dv;
    for (int r = 0; r < repeat; ++r) {
      double a = cpu_seconds();
      for (size_t i = 0; i < inputs.size(); ++i)
        encoded[i] = observe::chunk::encode_samples(inputs[i].t, inputs[i].v);
      double b = cpu_seconds();
      for (size_t i = 0; i < inputs.size(); ++i) observe::chunk::decode_samples(encoded[i], dt, dv);
      double c = cpu_seconds();
      enc_s = std::min(enc_s, b - a);
      dec_s = std::min(dec_s, c - b);
    }
    size_t bytes = 0, header_bytes = 0, time_bytes = 0;
    std::map<std::string, size_t> codec_use;
    std::map<std::string, std::pair<size_t, size_t>> fam_bytes;  // bytes, samples
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Input& in = inputs[i];
      observe::chunk::decode_samples(encoded[i], dt, dv);
      if (dt != in.t || dv.size() != in.m) {
        std::fprintf(stderr, "MISMATCH in %s\n", in.s->key.c_str());
        return 1;
      }
      for (size_t j = 0; j < in.m; ++j)
        if (bits(dv[j]) != bits(in.v[j])) {
          std::fprintf(stderr, "VALUE MISMATCH in %s at %zu\n", in.s->key.c_str(), in.off + j);
          return 1;
        }
      bytes += encoded[i].size();
      {
        observe::chunk::detail::Header h = observe::chunk::detail::parse_header(encoded[i]);
        header_bytes += static_cast<size_t>(h.time_payload.data() - encoded[i].data());
        time_bytes += h.time_payload.size();
      }
      auto& fb = fam_bytes[family(in.s->key)];
      fb.first += encoded[i].size() + overhead;
      fb.second += in.m;
      if (breakdown) {
        // Re-encode the values alone to name the codec that won.
        std::string payload;
        std::vector<uint64_t> vb(in.m);
        std::memcpy(vb.data(), in.v.data(), in.m * 8);
        observe::chunk::detail::encode_float_bits(vb.data(), in.m, payload);
        codec_use[observe::chunk::detail::codec_name(static_cast<uint8_t>(payload[0]))] += in.m;
      }
    }
    const size_t chunks = inputs.size();
    double bps = static_cast<double>(bytes + chunks * overhead) / static_cast<double>(total);
    char label[32];
    std::snprintf(label, sizeof label, "%s", rows ? std::to_string(rows).c_str() : "series");
    std::printf("%-12s %8zu %12zu %10.3f %10.3f %14.1f %14.1f\n", label, chunks,
                bytes + chunks * overhead, bps, static_cast<double>(bytes) / total,
                total / enc_s / 1e6, total / dec_s / 1e6);
    if (breakdown) {
      std::printf("  per chunk: header %.1f B, times %.1f B, values %.1f B\n",
                  static_cast<double>(header_bytes) / chunks, static_cast<double>(time_bytes) / chunks,
                  static_cast<double>(bytes - header_bytes - time_bytes) / chunks);
      std::printf("  value codecs (samples):");
      for (auto& [k, c] : codec_use) std::printf(" %s=%zu", k.c_str(), c);
      std::printf("\n  costliest families (bytes, samples, B/sample):\n");
      std::vector<std::pair<std::string, std::pair<size_t, size_t>>> fams(fam_bytes.begin(), fam_bytes.end());
      std::sort(fams.begin(), fams.end(),
                [](auto& a, auto& b) { return a.second.first > b.second.first; });
      for (size_t i = 0; i < std::min<size_t>(12, fams.size()); ++i)
        std::printf("    %-55s %9zu %8zu %6.2f\n", fams[i].first.c_str(), fams[i].second.first,
                    fams[i].second.second,
                    static_cast<double>(fams[i].second.first) / fams[i].second.second);
    }
  }
  return 0;
}
