// LogQL parser stages on the real log recording (issue 14's target: `| json` ≥ 300 MB/s of raw
// lines per core): each stage as the engine runs it (the query parsed, its pipeline compiled,
// every line through Pipeline::process with its stream's labels), over the lines it is written
// for: `| json` over the PostgreSQL jsonlog stream, `| logfmt` over node-exporter's and
// Prometheus's logfmt, `| pattern`/`| regexp` over nginx's access log. MB of raw line bytes per
// CPU-second of this thread, best of --repeat; the lines kept and the labels of the first line
// are printed so runs can be compared.
//
//   bench_parsers [lines.jsonl.zst] [--mb=0] [--repeat=3] [--case=N]   (--case: only the Nth stage, from 0)
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/logql/parser.h"
#include "core/logql/pipeline.h"
#include "recording_streams.h"

namespace {

using observe::bench::cpu_seconds;

struct Case {
  const char* stage;
  const char* stream_contains;  // lines of the streams whose key holds this
};

const Case kCases[] = {
    {"| json", "postgresql-15-app.json"},
    {"| json error_severity, message", "postgresql-15-app.json"},
    {"| json | error_severity=\"ERROR\"", "postgresql-15-app.json"},
    {"| logfmt", "prometheus"},
    {"| logfmt level, msg", "prometheus"},
    {"| pattern `<ip> - - [<_>] \"<method> <path> <_>\" <status> <size>`", "access.log"},
    {"| regexp `^(?P<ip>\\S+) .* \"(?P<method>\\w+) (?P<path>\\S+) [^\"]*\" (?P<status>\\d+)`", "access.log"},
};

observe::Labels labels_of(const std::string& key) {
  // key is the stream's labels as a JSON object text: {"job":"nginx",...}
  std::vector<observe::Label> pairs;
  size_t i = 0;
  while ((i = key.find('"', i)) != std::string::npos) {
    size_t e = key.find('"', i + 1);
    size_t v1 = key.find('"', e + 1), v2 = key.find('"', v1 + 1);
    if (e == std::string::npos || v1 == std::string::npos || v2 == std::string::npos) break;
    pairs.push_back({key.substr(i + 1, e - i - 1), key.substr(v1 + 1, v2 - v1 - 1)});
    i = v2 + 1;
  }
  return observe::Labels(std::move(pairs));
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = "../shared/data/log-recording/lines.jsonl.zst";
  size_t max_mb = 0;
  int repeat = 3, only = -1;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a.rfind("--mb=", 0) == 0) max_mb = std::strtoul(a.c_str() + 5, nullptr, 10);
    else if (a.rfind("--case=", 0) == 0) only = std::atoi(a.c_str() + 7);
    else if (a.rfind("--repeat=", 0) == 0) repeat = std::atoi(a.c_str() + 9);
    else path = argv[i];
  }
  size_t nlines = 0, raw = 0;
  std::vector<observe::bench::Stream> streams = observe::bench::load(path, &nlines, &raw);
  std::printf("| stage | over | lines | MB | lines kept | MB/s per CPU-s | labels of the first line |\n");
  std::printf("|---|---|---:|---:|---:|---:|---|\n");
  int index = -1;
  for (const Case& c : kCases) {
    if (++index != only && only >= 0) continue;
    observe::logql::Query q = observe::logql::parse_query(std::string("{job=~\".+\"} ") + c.stage);
    observe::logql::Pipeline pipeline(q.log.stages);
    std::vector<std::pair<const observe::bench::Stream*, observe::Labels>> picked;
    size_t lines = 0, bytes = 0;
    for (const auto& s : streams)
      if (s.key.find(c.stream_contains) != std::string::npos) {
        picked.emplace_back(&s, labels_of(s.key));
        for (size_t i = 0; i < s.ends.size() && (max_mb == 0 || bytes < max_mb * 1000000); i++) {
          lines++;
          bytes += s.line(i).size();
        }
      }
    observe::logql::LabelSet ls;
    std::string line, first_labels;
    size_t kept = 0;
    double best = 1e9;
    for (int r = 0; r < repeat; r++) {
      kept = 0;
      size_t done_bytes = 0;
      double t0 = cpu_seconds();
      for (const auto& [s, labels] : picked)
        for (size_t i = 0; i < s->ends.size() && (max_mb == 0 || done_bytes < max_mb * 1000000); i++) {
          std::string_view l = s->line(i);
          done_bytes += l.size();
          line.assign(l.data(), l.size());
          ls.reset(labels, observe::Labels());
          if (pipeline.process(s->times[i], &line, &ls)) {
            if (kept++ == 0 && r == 0) first_labels = ls.result().to_string();
          }
        }
      best = std::min(best, cpu_seconds() - t0);
    }
    if (first_labels.size() > 160) first_labels = first_labels.substr(0, 157) + "...";
    std::printf("| `%s` | %s | %zu | %.1f | %zu | %.0f | `%s` |\n", c.stage, c.stream_contains, lines, bytes / 1e6, kept,
                bytes / 1e6 / best, first_labels.c_str());
  }
  return 0;
}
