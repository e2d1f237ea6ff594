// Reading the shared node recording (zstd-compressed OpenMetrics text) in the C++ benchmarks:
// its lines, and the sample value and timestamp fields as Prometheus reads them.
#pragma once

#include <zstd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace observe::bench {

// Calls fn(line) for every line of a zstd-compressed file (libzstd's streaming API).
template <typename F>
void for_each_line(const char* path, F&& fn) {
  FILE* f = std::fopen(path, "rb");
  if (!f) {
    std::perror(path);
    std::exit(1);
  }
  ZSTD_DStream* ds = ZSTD_createDStream();
  std::vector<char> in(ZSTD_DStreamInSize()), out(ZSTD_DStreamOutSize());
  std::string pending;
  size_t n;
  while ((n = std::fread(in.data(), 1, in.size(), f)) > 0) {
    ZSTD_inBuffer ib{in.data(), n, 0};
    while (ib.pos < ib.size) {
      ZSTD_outBuffer ob{out.data(), out.size(), 0};
      size_t r = ZSTD_decompressStream(ds, &ob, &ib);
      if (ZSTD_isError(r)) {
        std::fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(r));
        std::exit(1);
      }
      pending.append(out.data(), ob.pos);
      size_t start = 0, nl;
      while ((nl = pending.find('\n', start)) != std::string::npos) {
        fn(std::string_view(pending.data() + start, nl - start));
        start = nl + 1;
      }
      pending.erase(0, start);
    }
  }
  if (!pending.empty()) fn(pending);
  ZSTD_freeDStream(ds);
  std::fclose(f);
}

// A sample value; "NaN" becomes Prometheus's ordinary NaN 0x7ff8000000000001.
inline double parse_value(std::string_view s) {
  if (s == "NaN") {
    uint64_t b = 0x7ff8000000000001ULL;
    double d;
    std::memcpy(&d, &b, 8);
    return d;
  }
  return std::strtod(std::string(s).c_str(), nullptr);
}

// "1795544215.509" -> 1795544215509 without going through a double, as Prometheus reads
// OpenMetrics timestamps.
inline int64_t parse_ms(std::string_view s) {
  int64_t sec = 0, ms = 0;
  size_t i = 0;
  for (; i < s.size() && s[i] != '.'; ++i) sec = sec * 10 + (s[i] - '0');
  int digits = 0;
  if (i < s.size())
    for (++i; i < s.size() && digits < 3; ++i, ++digits) ms = ms * 10 + (s[i] - '0');
  while (digits++ < 3) ms *= 10;
  return sec * 1000 + ms;
}

}  // namespace observe::bench
