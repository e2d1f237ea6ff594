// Decode throughput of the push paths' core (src/core/ingest), one thread, CPU time:
//   - Loki push: the log recording (shared/data/log-recording/lines.jsonl.zst) cut into push
//     requests of about --push-kb of lines, each holding the streams of its lines as Promtail
//     batches them, as JSON, as JSON + gzip, and as protobuf + snappy; MB/s of raw line bytes.
//   - remote_write: the node recording (shared/data/node-recording/samples.om.zst) as
//     WriteRequests of --rw-samples samples (Prometheus's max_samples_per_send, 2000), one
//     sample per TimeSeries with its full label set as Prometheus's queue manager sends them,
//     snappy compressed; samples/s.
// The payloads are built first; only decoding (decompression included) is timed, --runs times,
// best run reported. Run from the repository root:
//   cmake --build build --target bench_ingest_decode && build/bench/ingest/bench_ingest_decode
#include <simdjson.h>
#include <snappy.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "../tools/recording_reader.h"
#include "core/exposition/parser.h"
#include "core/ingest/loki_push.h"
#include "core/ingest/proto/loki_push.pb.h"
#include "core/ingest/proto/remote_write.pb.h"
#include "core/ingest/remote_write.h"

using namespace observe;
using namespace observe::ingest;

namespace {

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

std::string gzip(std::string_view in) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = in.size();
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = out.size();
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct CountLogSink : LogSink {
  size_t n_bytes = 0, n_entries = 0;
  void begin_stream(const Labels&) override {}
  void entries(const LogEntry* e, size_t n) override {
    for (size_t i = 0; i < n; i++) n_bytes += e[i].line.size();
    n_entries += n;
  }
};

struct CountSampleSink : SampleSink {
  size_t n_series = 0, n_samples = 0;
  double sum = 0;
  void begin_series(const Labels& l) override { n_series += l.size() > 0; }
  void samples(const Sample* s, size_t n) override {
    for (size_t i = 0; i < n; i++) sum += s[i].timestamp_ms;
    n_samples += n;
  }
};

struct PushLine {
  std::string stream;  // JSON object text of the labels
  std::string ts;
  std::string line;
};

template <class F>
double best_of(int runs, F&& f) {
  double best = 1e99;
  for (int r = 0; r < runs; r++) {
    double t0 = cpu_seconds();
    f();
    best = std::min(best, cpu_seconds() - t0);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::string logs_path = "../shared/data/log-recording/lines.jsonl.zst";
  std::string node_path = "../shared/data/node-recording/samples.om.zst";
  size_t max_mb = 200, push_kb = 1024, rw_samples = 2000, max_samples = 2000000;
  int runs = 3;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto val = [&](const char* k) { return a.rfind(k, 0) == 0 ? a.c_str() + std::strlen(k) : nullptr; };
    if (const char* v = val("--logs=")) logs_path = v;
    else if (const char* v = val("--node=")) node_path = v;
    else if (const char* v = val("--max-mb=")) max_mb = std::strtoul(v, nullptr, 10);
    else if (const char* v = val("--push-kb=")) push_kb = std::strtoul(v, nullptr, 10);
    else if (const char* v = val("--rw-samples=")) rw_samples = std::strtoul(v, nullptr, 10);
    else if (const char* v = val("--max-samples=")) max_samples = std::strtoul(v, nullptr, 10);
    else if (const char* v = val("--runs=")) runs = std::atoi(v);
    else {
      std::fprintf(stderr, "usage: %s [--logs=PATH] [--node=PATH] [--max-mb=200] [--push-kb=1024] [--rw-samples=2000] "
                   "[--max-samples=2000000] [--runs=3]\n", argv[0]);
      return 2;
    }
  }

  // ---- Loki push payloads from the log recording.
  simdjson::dom::parser jp;
  std::vector<std::string> json_pushes, gzip_pushes, proto_pushes;
  size_t raw_bytes = 0, raw_lines = 0;
  {
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> batch;  // stream -> (ts, line)
    std::map<std::string, std::string> selector;  // stream JSON -> {a="b"} text
    size_t batch_bytes = 0;
    auto flush = [&] {
      if (batch.empty()) return;
      std::string j = "{\"streams\":[";
      logproto::PushRequest req;
      bool first = true;
      for (auto& [stream, entries] : batch) {
        if (!first) j += ",";
        first = false;
        j += "{\"stream\":" + stream + ",\"values\":[";
        auto* s = req.add_streams();
        s->set_labels(selector[stream]);
        for (size_t i = 0; i < entries.size(); i++) {
          if (i) j += ",";
          j += "[\"" + entries[i].first + "\"," + json_quote(entries[i].second) + "]";
          auto* e = s->add_entries();
          int64_t ns = std::strtoll(entries[i].first.c_str(), nullptr, 10);
          e->mutable_timestamp()->set_seconds(ns / 1000000000);
          e->mutable_timestamp()->set_nanos(static_cast<int32_t>(ns % 1000000000));
          e->set_line(entries[i].second);
        }
        j += "]}";
      }
      j += "]}";
      std::string pb = req.SerializeAsString(), sn;
      snappy::Compress(pb.data(), pb.size(), &sn);
      gzip_pushes.push_back(gzip(j));
      json_pushes.push_back(std::move(j));
      proto_pushes.push_back(std::move(sn));
      batch.clear();
      batch_bytes = 0;
    };
    bool done = false;
    bench::for_each_line(logs_path.c_str(), [&](std::string_view l) {
      if (done) return;
      simdjson::dom::element e;
      if (jp.parse(l.data(), l.size()).get(e)) {
        std::fprintf(stderr, "bad recording line\n");
        std::exit(1);
      }
      std::string stream = simdjson::minify(e["labels"]);
      if (!selector.count(stream)) {
        std::string sel = "{";
        bool f = true;
        for (auto kv : e["labels"].get_object()) {
          if (!f) sel += ", ";
          f = false;
          sel += std::string(kv.key) + "=" + json_quote(kv.value.get_string().value());
        }
        selector[stream] = sel + "}";
      }
      std::string_view line = e["line"].get_string().value();
      batch[stream].emplace_back(std::string(e["ts"].get_string().value()), std::string(line));
      raw_bytes += line.size();
      raw_lines++;
      batch_bytes += line.size();
      if (batch_bytes >= push_kb * 1024) flush();
      if (raw_bytes >= max_mb * 1000000) done = true;
    });
    flush();
  }
  size_t json_bytes = 0, gzip_bytes = 0, proto_bytes = 0;
  for (auto& p : json_pushes) json_bytes += p.size();
  for (auto& p : gzip_pushes) gzip_bytes += p.size();
  for (auto& p : proto_pushes) proto_bytes += p.size();
  std::printf("log recording: %zu lines, %.1f MB raw line bytes, %zu push requests of ~%zu kB of lines\n", raw_lines,
              raw_bytes / 1e6, json_pushes.size(), push_kb);

  LokiPushOptions lo;
  lo.max_body_bytes = 256u << 20;
  auto run_push = [&](const std::vector<std::string>& payloads, const char* ctype, const char* cenc) {
    CountLogSink c;
    double t = best_of(runs, [&] {
      c = CountLogSink();
      for (const auto& p : payloads) decode_loki_push(p, ctype, cenc, lo, c);
    });
    if (c.n_bytes != raw_bytes || c.n_entries != raw_lines) {
      std::fprintf(stderr, "decoded %zu lines / %zu bytes, expected %zu / %zu\n", c.n_entries, c.n_bytes, raw_lines, raw_bytes);
      std::exit(1);
    }
    return t;
  };
  double t_json = run_push(json_pushes, "application/json", "");
  double t_gzip = run_push(gzip_pushes, "application/json", "gzip");
  double t_proto = run_push(proto_pushes, "application/x-protobuf", "");
  std::printf("\n| Loki push decode (1 core) | body MB | raw line MB/s | lines/s |\n|---|---:|---:|---:|\n");
  auto row = [&](const char* name, size_t body, double t) {
    std::printf("| %s | %.1f | %.0f | %.2f M |\n", name, body / 1e6, raw_bytes / 1e6 / t, raw_lines / t / 1e6);
  };
  row("JSON", json_bytes, t_json);
  row("JSON + gzip", gzip_bytes, t_gzip);
  row("protobuf + snappy", proto_bytes, t_proto);

  // ---- remote_write requests from the node recording.
  std::vector<std::string> rw;
  size_t nsamples = 0;
  {
    // The recording is series-major; Prometheus sends what it scraped at one instant, so the
    // samples are put in time order (series interleaved) before they are cut into requests.
    struct Point {
      uint32_t series;
      int64_t ts;
      double value;
    };
    std::vector<std::vector<std::pair<std::string, std::string>>> series;
    std::map<std::string, uint32_t> series_ids;
    std::vector<Point> points;
    exposition::Entry e;
    bench::for_each_line(node_path.c_str(), [&](std::string_view l) {
      if (points.size() >= max_samples || l.empty() || l[0] == '#') return;
      size_t sp = l.rfind(' ');
      std::string_view head = l.substr(0, sp), ts = l.substr(sp + 1);
      exposition::Parser p(head, exposition::Format::kPrometheusText);
      if (!p.next(&e) || e.kind != exposition::EntryKind::kSample) return;
      auto [it, fresh] = series_ids.emplace(std::string(e.series), static_cast<uint32_t>(series.size()));
      if (fresh) {
        std::vector<std::pair<std::string, std::string>> ls{{"__name__", std::string(e.metric_name)}};
        for (auto& lv : e.labels) ls.emplace_back(std::string(lv.name), std::string(lv.value));
        std::sort(ls.begin(), ls.end());
        series.push_back(std::move(ls));
      }
      points.push_back({it->second, static_cast<int64_t>(std::strtod(std::string(ts).c_str(), nullptr) * 1000), e.value});
    });
    std::stable_sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.ts < b.ts; });
    prompb::WriteRequest req;
    auto cut = [&] {
      std::string pb = req.SerializeAsString(), sn;
      snappy::Compress(pb.data(), pb.size(), &sn);
      rw.push_back(std::move(sn));
      req.Clear();
    };
    for (const Point& pt : points) {
      auto* s = req.add_timeseries();
      for (auto& [a, b] : series[pt.series]) {
        auto* x = s->add_labels();
        x->set_name(a);
        x->set_value(b);
      }
      auto* smp = s->add_samples();
      smp->set_value(pt.value);
      smp->set_timestamp(pt.ts);
      nsamples++;
      if (req.timeseries_size() == static_cast<int>(rw_samples)) cut();
    }
    if (req.timeseries_size()) cut();
    std::printf("node recording: %zu samples of %zu series, time order\n", nsamples, series.size());
  }
  size_t rw_bytes = 0;
  for (auto& p : rw) rw_bytes += p.size();
  CountSampleSink cs;
  double t_rw = best_of(runs, [&] {
    cs = CountSampleSink();
    for (const auto& p : rw) decode_remote_write(p, {}, cs);
  });
  if (cs.n_samples != nsamples) {
    std::fprintf(stderr, "decoded %zu samples, expected %zu\n", cs.n_samples, nsamples);
    return 1;
  }
  std::printf("\n| remote_write decode (1 core) | requests | body MB (snappy) | samples/s |\n|---|---:|---:|---:|\n");
  std::printf("| %zu samples, %zu per request, 1 per series | %zu | %.1f | %.2f M |\n", nsamples, rw_samples, rw.size(),
              rw_bytes / 1e6, nsamples / t_rw / 1e6);
  return 0;
}
