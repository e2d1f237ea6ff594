// Writes remote_write 1.0 requests (snappy-compressed prometheus.WriteRequest) for
// bench/http/run.sh: --hosts x 10 metrics series, one sample every --interval seconds from
// --start (ms) for --minutes, one request per --per-request-minutes time slice of every series
// (time order, as a sender's queue delivers them). Deterministic values.
//
//   rw_payloads --out=DIR --start=MS [--hosts=100] [--minutes=120] [--interval=10] [--per-request-minutes=2]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <snappy.h>

#include "core/ingest/proto/remote_write.pb.h"

namespace {

long long flag(int argc, char** argv, const char* name, long long def) {
  std::string prefix = std::string("--") + name + "=";
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) return atoll(argv[i] + prefix.size());
  return def;
}

std::string sflag(int argc, char** argv, const char* name) {
  std::string prefix = std::string("--") + name + "=";
  for (int i = 1; i < argc; i++)
    if (strncmp(argv[i], prefix.c_str(), prefix.size()) == 0) return argv[i] + prefix.size();
  return "";
}

const char* kMetrics[] = {"cpu_usage_user", "cpu_usage_system", "mem_used_bytes", "mem_free_bytes", "disk_used_bytes",
                          "disk_io_ops_total", "net_bytes_recv_total", "net_bytes_sent_total", "net_errors_total",
                          "procs_running"};
const char* kRegions[] = {"us-east-1", "us-west-2", "eu-west-1", "ap-south-1"};

}  // namespace

int main(int argc, char** argv) {
  std::string out = sflag(argc, argv, "out");
  long long start = flag(argc, argv, "start", 0);
  long long hosts = flag(argc, argv, "hosts", 100);
  long long minutes = flag(argc, argv, "minutes", 120);
  long long interval = flag(argc, argv, "interval", 10);
  long long slice = flag(argc, argv, "per-request-minutes", 2);
  if (out.empty() || start <= 0) {
    fprintf(stderr, "usage: rw_payloads --out=DIR --start=MS [--hosts=N] [--minutes=N] [--interval=S]\n");
    return 2;
  }
  long long samples_total = 0, bytes_total = 0, requests = 0;
  for (long long m0 = 0; m0 < minutes; m0 += slice) {
    observe::ingest::prompb::WriteRequest req;
    for (long long h = 0; h < hosts; h++) {
      for (int k = 0; k < 10; k++) {
        auto* ts = req.add_timeseries();
        auto add = [&](const char* n, const std::string& v) {
          auto* l = ts->add_labels();
          l->set_name(n);
          l->set_value(v);
        };
        add("__name__", kMetrics[k]);
        add("host", "host_" + std::to_string(h));
        add("job", "devops");
        add("region", kRegions[h % 4]);
        bool counter = strstr(kMetrics[k], "_total") != nullptr;
        for (long long t = m0 * 60; t < (m0 + slice) * 60 && t < minutes * 60; t += interval) {
          auto* s = ts->add_samples();
          long long step = t / interval;
          s->set_timestamp(start + t * 1000);
          double v = counter ? static_cast<double>(step * (10 + h % 7 + k)) : 50 + 40 * std::sin(0.01 * step + h + k);
          s->set_value(v);
          samples_total++;
        }
      }
    }
    std::string raw, compressed;
    req.SerializeToString(&raw);
    snappy::Compress(raw.data(), raw.size(), &compressed);
    char name[64];
    snprintf(name, sizeof name, "/req_%05lld.bin", requests++);
    std::ofstream(out + name, std::ios::binary) << compressed;
    bytes_total += static_cast<long long>(compressed.size());
  }
  printf("%lld %lld %lld\n", requests, samples_total, bytes_total);
  return 0;
}
