// A TSBS-like "devops" data set for ingest and query benchmarks: every host has TSBS's ten host
// tags (region, datacenter, rack, os, arch, team, service, ...) and ten metrics (cpu, memory,
// disk, network), one sample per metric every --interval seconds. Rows come out time-major
// (every host's metrics for one timestamp, then the next timestamp), the order a fleet of
// scrapers delivers them in. Deterministic: the same flags give the same bytes.
//
//   gen_devops [--hosts=100] [--hours=24] [--interval=10] [--start=1795392000]
//              [--format=csv|insert|text] [--table=observe.metrics] [--rows-per-insert=1000]
//              [--max-rows=N]
//
// csv:    time,name,labels(jsonb),value rows for COPY ... (FORMAT csv)
// insert: INSERT INTO <table> VALUES (...),(...); statements of --rows-per-insert rows
// text:   Prometheus text format 0.0.4 lines `name{labels} value timestamp_ms`, what a scrape
//         of every host at one instant looks like (for observe.ingest_prometheus_text)
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

// splitmix64: tiny, fast and good enough for synthetic values.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  int pick(int n) { return static_cast<int>(next() % static_cast<uint64_t>(n)); }
};

const char* kRegions[] = {"us-east-1",      "us-west-1",      "us-west-2",
                          "eu-west-1",      "eu-central-1",   "ap-southeast-1",
                          "ap-southeast-2", "ap-northeast-1", "sa-east-1"};
const char* kOs[] = {"Ubuntu16.10", "Ubuntu16.04LTS", "Ubuntu15.10"};
const char* kArch[] = {"x64", "x86"};
const char* kTeam[] = {"SF", "NYC", "LON", "CHI"};
const char* kEnv[] = {"production", "staging", "test"};

enum class Kind { kPercent, kGaugeBytes, kCounterBytes };

struct MetricDef {
  const char* name;
  const char* extra_labels;  // JSON members appended to the host's tags
  Kind kind;
  double step;  // random walk step (percent points) or mean increment per interval (bytes)
};

const MetricDef kMetrics[] = {
    {"cpu_usage_user", R"("cpu": "cpu-total")", Kind::kPercent, 1.0},
    {"cpu_usage_system", R"("cpu": "cpu-total")", Kind::kPercent, 0.5},
    {"cpu_usage_iowait", R"("cpu": "cpu-total")", Kind::kPercent, 0.2},
    {"mem_used_bytes", nullptr, Kind::kGaugeBytes, 64.0 * 1024 * 1024},
    {"mem_available_percent", nullptr, Kind::kPercent, 0.3},
    {"disk_read_bytes_total", R"("device": "nvme0n1")", Kind::kCounterBytes, 2.0e6},
    {"disk_written_bytes_total", R"("device": "nvme0n1")", Kind::kCounterBytes, 5.0e6},
    {"disk_used_percent", R"("device": "nvme0n1p1", "fstype": "ext4", "path": "/")",
     Kind::kPercent, 0.01},
    {"net_bytes_recv_total", R"("interface": "eth0")", Kind::kCounterBytes, 1.0e6},
    {"net_bytes_sent_total", R"("interface": "eth0")", Kind::kCounterBytes, 8.0e5},
};
constexpr int kMetricCount = sizeof(kMetrics) / sizeof(kMetrics[0]);

struct Series {
  std::string labels_json;  // already escaped for its output format
  double value;
};

long long flag(int argc, char** argv, const char* name, long long def) {
  size_t n = strlen(name);
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=') return atoll(argv[i] + n + 1);
  return def;
}

std::string sflag(int argc, char** argv, const char* name, const char* def) {
  size_t n = strlen(name);
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], name, n) == 0 && argv[i][n] == '=') return argv[i] + n + 1;
  return def;
}

std::string host_tags(int h, Rng& rng) {
  const char* region = kRegions[rng.pick(9)];
  char buf[512];
  snprintf(buf, sizeof buf,
           R"("hostname": "host_%d", "region": "%s", "datacenter": "%s%c", "rack": "%d", )"
           R"("os": "%s", "arch": "%s", "team": "%s", "service": "%d", )"
           R"("service_version": "%d", "service_environment": "%s")",
           h, region, region, 'a' + rng.pick(3), rng.pick(100), kOs[rng.pick(3)],
           kArch[rng.pick(2)], kTeam[rng.pick(4)], rng.pick(20), rng.pick(2), kEnv[rng.pick(3)]);
  return buf;
}

double advance(const MetricDef& m, double v, Rng& rng) {
  switch (m.kind) {
    case Kind::kPercent:  // TSBS-style bounded random walk at full float precision
      v += (rng.uniform() * 2 - 1) * m.step;
      return v < 0 ? -v : (v > 100 ? 200 - v : v);
    case Kind::kGaugeBytes: {
      v += std::round((rng.uniform() * 2 - 1) * m.step);
      const double total = 64.0 * 1024 * 1024 * 1024;
      return v < 0 ? -v : (v > total ? 2 * total - v : v);
    }
    case Kind::kCounterBytes:  // whole bytes, bursty increments
      return v + std::round(rng.uniform() * rng.uniform() * 4 * m.step);
  }
  return v;
}

void append_time(std::string& out, int64_t secs) {
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[40];
  snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d+00", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  out += buf;
}

void append_value(std::string& out, double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.17g", v);
  out += buf;
}

}  // namespace

int main(int argc, char** argv) {
  const long long hosts = flag(argc, argv, "--hosts", 100);
  const long long hours = flag(argc, argv, "--hours", 24);
  const long long interval = flag(argc, argv, "--interval", 10);
  const long long start = flag(argc, argv, "--start", 1795392000);  // 2026-11-23 00:00:00Z
  const long long max_rows = flag(argc, argv, "--max-rows", -1);
  const long long per_insert = flag(argc, argv, "--rows-per-insert", 1000);
  const std::string format = sflag(argc, argv, "--format", "csv");
  const std::string table = sflag(argc, argv, "--table", "observe.metrics");
  const bool csv = format == "csv";
  const bool text = format == "text";
  if (!csv && !text && format != "insert") {
    fprintf(stderr, "gen_devops: --format must be csv, insert or text\n");
    return 2;
  }

  Rng rng{42};
  std::vector<Series> series;
  series.reserve(static_cast<size_t>(hosts) * kMetricCount);
  for (int h = 0; h < hosts; h++) {
    std::string tags = host_tags(h, rng);
    for (const MetricDef& m : kMetrics) {
      std::string json = "{" + tags + (m.extra_labels ? std::string(", ") + m.extra_labels : "") + "}";
      if (text) {  // {"k": "v", ...} -> {k="v",...}: the same label set in exposition syntax
        std::string labels;
        bool in_key = false;
        for (size_t c = 0; c < json.size(); c++) {
          if (json[c] == '"' && (c == 1 || json.compare(c - 2, 2, ", ") == 0)) { in_key = true; continue; }
          if (in_key && json[c] == '"') { in_key = false; labels += "=\""; c += 3; continue; }
          if (json[c] == ',' && json[c + 1] == ' ') { labels += ','; c++; continue; }
          labels += json[c];
        }
        json = labels;
      }
      // CSV doubles the quotes inside its quoted field; SQL literals are single-quoted.
      std::string escaped;
      for (char c : json) {
        if (csv && c == '"') escaped.push_back('"');
        escaped.push_back(c);
      }
      double v0 = m.kind == Kind::kPercent       ? 10 + rng.uniform() * 60
                  : m.kind == Kind::kGaugeBytes ? std::round(rng.uniform() * 32.0 * (1 << 30))
                                                 : std::round(rng.uniform() * 1e12);
      series.push_back({escaped, v0});
    }
  }

  std::string out;
  long long rows = 0, in_statement = 0;
  const long long steps = hours * 3600 / interval;
  for (long long s = 0; s < steps && (max_rows < 0 || rows < max_rows); s++) {
    const int64_t t = start + s * interval;
    for (size_t i = 0; i < series.size() && (max_rows < 0 || rows < max_rows); i++) {
      const MetricDef& m = kMetrics[i % kMetricCount];
      Series& x = series[i];
      x.value = advance(m, x.value, rng);
      if (text) {
        out += m.name;
        out += x.labels_json;
        out += ' ';
        append_value(out, x.value);
        out += ' ';
        out += std::to_string(t * 1000);
        out += '\n';
      } else if (csv) {
        append_time(out, t);
        out += ',';
        out += m.name;
        out += ",\"";
        out += x.labels_json;
        out += "\",";
        append_value(out, x.value);
        out += '\n';
      } else {
        out += in_statement == 0 ? "INSERT INTO " + table + " VALUES\n('" : ",\n('";
        append_time(out, t);
        out += "','";
        out += m.name;
        out += "','";
        out += x.labels_json;
        out += "',";
        append_value(out, x.value);
        out += ')';
        if (++in_statement == per_insert) {
          out += ";\n";
          in_statement = 0;
        }
      }
      rows++;
    }
    if (out.size() > (4 << 20)) {
      fwrite(out.data(), 1, out.size(), stdout);
      out.clear();
    }
  }
  if (!csv && in_statement) out += ";\n";
  fwrite(out.data(), 1, out.size(), stdout);
  fprintf(stderr, "gen_devops: %lld rows, %zu series\n", rows, series.size());
  return 0;
}
