// Regex line filters (`|~ "..."`) on the real log recording, with the two engines issue 14 asks
// to measure: RE2 as the LogQL engine runs it today (RE2::PartialMatch per line, the parser's
// RE2::Quiet options) and Hyperscan (block mode, one hs_scan per line, stopping at the first
// match). Both must select the same lines: a difference is printed and fails the run. Speeds are
// MB of raw line bytes per CPU-second of this thread, best of --repeat.
//
//   bench_line_filters [lines.jsonl.zst] [--mb=0] [--repeat=3]     (--mb=0: every line)
//
// Hyperscan is compiled with HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH and without HS_FLAG_UCP: Go's
// (and RE2's) \d \w \s are ASCII classes, which is what Hyperscan gives without UCP.
#include <hs/hs.h>
#include <re2/re2.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "recording_streams.h"

namespace {

using observe::bench::cpu_seconds;

// What users put in `|~` on logs like these (nginx access/error, PostgreSQL JSON, logfmt).
const char* const kFilters[] = {
    "error|warn|fatal",
    "(?i)timeout",
    "\" 5\\d\\d ",
    "(GET|POST) /orders/\\d+",
    "HTTP/1\\.[01]\" [45]\\d\\d",
    "\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}",
    "connection (refused|reset)",
    "(?i)deadlock detected|could not serialize",
    "^\\{\"timestamp\"",
    "session_id\":\"6b14bb8[0-9a-f]\\.[0-9a-f]+\"",
    "level=(error|warn)",
};

int on_match(unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
  *static_cast<bool*>(ctx) = true;
  return 1;  // stop: one match decides the line
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = "../shared/data/log-recording/lines.jsonl.zst";
  size_t max_mb = 0;
  int repeat = 3;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a.rfind("--mb=", 0) == 0) max_mb = std::strtoul(a.c_str() + 5, nullptr, 10);
    else if (a.rfind("--repeat=", 0) == 0) repeat = std::atoi(a.c_str() + 9);
    else path = argv[i];
  }
  size_t nlines = 0, raw = 0;
  std::vector<observe::bench::Stream> streams = observe::bench::load(path, &nlines, &raw);
  // Lines in recording order of streams, up to --mb of raw bytes.
  std::vector<std::string_view> lines;
  size_t bytes = 0;
  for (const auto& s : streams)
    for (size_t i = 0; i < s.ends.size() && (max_mb == 0 || bytes < max_mb * 1000000); i++) {
      lines.push_back(s.line(i));
      bytes += lines.back().size();
    }
  std::printf("%zu lines, %.1f MB of raw line bytes (of %zu lines, %.1f MB in the recording)\n\n", lines.size(),
              bytes / 1e6, nlines, raw / 1e6);
  std::printf("| `|~` filter | lines matched | RE2 MB/s | Hyperscan MB/s | Hyperscan / RE2 | same lines |\n");
  std::printf("|---|---:|---:|---:|---:|---|\n");
  bool all_same = true;
  for (const char* expr : kFilters) {
    RE2 re(expr, RE2::Quiet);
    if (!re.ok()) {
      std::fprintf(stderr, "RE2 rejects %s\n", expr);
      return 2;
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    if (hs_compile(expr, HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH, HS_MODE_BLOCK, nullptr, &db, &err) != HS_SUCCESS) {
      std::printf("| `%s` | | | Hyperscan rejects it: %s | | |\n", expr, err->message);
      hs_free_compile_error(err);
      continue;
    }
    hs_scratch_t* scratch = nullptr;
    hs_alloc_scratch(db, &scratch);
    std::vector<char> re2_hit(lines.size()), hs_hit(lines.size());
    double best_re2 = 1e9, best_hs = 1e9;
    for (int r = 0; r < repeat; r++) {
      double t0 = cpu_seconds();
      for (size_t i = 0; i < lines.size(); i++) re2_hit[i] = RE2::PartialMatch(lines[i], re);
      double t1 = cpu_seconds();
      for (size_t i = 0; i < lines.size(); i++) {
        bool m = false;
        hs_scan(db, lines[i].data(), static_cast<unsigned>(lines[i].size()), 0, scratch, on_match, &m);
        hs_hit[i] = m;
      }
      double t2 = cpu_seconds();
      best_re2 = std::min(best_re2, t1 - t0);
      best_hs = std::min(best_hs, t2 - t1);
    }
    size_t matched = 0, differ = 0;
    for (size_t i = 0; i < lines.size(); i++) {
      matched += re2_hit[i];
      if (re2_hit[i] != hs_hit[i]) {
        if (differ++ < 3)
          std::fprintf(stderr, "%s: RE2 %d, Hyperscan %d on: %.*s\n", expr, re2_hit[i], hs_hit[i],
                       static_cast<int>(std::min<size_t>(lines[i].size(), 200)), lines[i].data());
      }
    }
    all_same &= differ == 0;
    double mb = bytes / 1e6;
    std::printf("| `%s` | %zu | %.0f | %.0f | %.2f | %s |\n", expr, matched, mb / best_re2, mb / best_hs,
                best_re2 / best_hs, differ == 0 ? "yes" : ("NO: " + std::to_string(differ) + " lines").c_str());
    hs_free_scratch(scratch);
    hs_free_database(db);
  }
  return all_same ? 0 : 1;
}
