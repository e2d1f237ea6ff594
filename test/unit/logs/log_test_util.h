// Log lines of the shapes the log codec is built for (nginx combined, JSON,
// logfmt, tracebacks) plus the awkward ones (empty, special bytes, long digit
// runs, invalid UTF-8), for the log codec tests.
#pragma once

#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace observe::testing {

inline std::vector<std::string> sample_log_lines(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  static const char* paths[] = {"/", "/index.html", "/api/v1/orders/17", "/static/app.js", "/img/a0b1.png"};
  static const char* agents[] = {"curl/7.88.1", "Mozilla/5.0 (X11; Linux x86_64)", "ApacheBench/2.3"};
  std::vector<std::string> v;
  for (size_t i = 0; i < n; ++i) {
    std::string s;
    switch (rng() % 8) {
      case 0:
      case 1:
      case 2:
        s = "127.0." + std::to_string(rng() % 3) + "." + std::to_string(rng() % 250) + " - - [06/Dec/2026:01:" +
            std::to_string(10 + i / 60 % 50) + ":0" + std::to_string(i % 10) + " +0000] \"GET " +
            paths[rng() % 5] + " HTTP/1.1\" " + std::to_string(200 + 100 * (rng() % 3)) + " " +
            std::to_string(rng() % 100000) + " \"-\" \"" + agents[rng() % 3] + "\"";
        break;
      case 3:
        s = "{\"timestamp\":\"2026-12-06 01:42:44." + std::to_string(100 + i % 900) +
            " UTC\",\"pid\":" + std::to_string(30000 + rng() % 50) + ",\"line_num\":" + std::to_string(i) +
            ",\"message\":\"duration: 0.0" + std::to_string(rng() % 90 + 10) + " ms\"}";
        break;
      case 4:
        s = "ts=2026-12-06T01:42:44.537Z caller=scrape.go:1234 level=debug msg=\"Scrape failed\" err=\"EOF\"";
        break;
      case 5:
        s = "Traceback (most recent call last):\n  File \"/srv/worker.py\", line " + std::to_string(rng() % 300) +
            ", in run\nTimeoutError: timed out";
        break;
      case 6: s = ""; break;
      default: {
        // Special bytes, digit runs longer than an int64, digits glued to letters,
        // leading zeros, invalid UTF-8.
        s = std::string("\x00\x01\x02 zero", 9) + " 000123 0 00 12345678901234567890123 abc123def 0x1f \xff\xfe " +
            std::to_string(rng());
        break;
      }
    }
    v.push_back(s);
  }
  return v;
}

inline std::vector<std::string_view> as_views(const std::vector<std::string>& v) {
  return std::vector<std::string_view>(v.begin(), v.end());
}

}  // namespace observe::testing
