// Parser throughput on real payloads, one core:
//
//   bench_parser <node_exporter.txt> <samples.om.zst> [google benchmark flags]
//
// - node_exporter/text: a live /metrics payload of Debian's prometheus-node-exporter (text
//   format 0.0.4, about half of it HELP/TYPE lines), parsed over and over.
// - recording/openmetrics: the whole node recording (OpenMetrics, 4M samples), decompressed
//   into memory first, parsed in one pass per iteration.
// - scrape/node_exporter: the node exporter payload through the scrape logic (labels built,
//   cache, stale tracking), i.e. what the worker spends per scrape besides HTTP and storage.
// bytes_per_second is MB/s of payload; samples/s counts sample lines.
#include <benchmark/benchmark.h>
#include <zstd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "core/exposition/parser.h"
#include "core/scrape/target.h"

namespace {

using namespace observe;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string zstd_decompress(const std::string& compressed) {
  std::string out;
  ZSTD_DStream* ds = ZSTD_createDStream();
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  while (in.pos < in.size) {
    ZSTD_outBuffer ob{chunk.data(), chunk.size(), 0};
    size_t r = ZSTD_decompressStream(ds, &ob, &in);
    if (ZSTD_isError(r)) throw std::runtime_error(ZSTD_getErrorName(r));
    out.append(chunk.data(), ob.pos);
  }
  ZSTD_freeDStream(ds);
  return out;
}

size_t count_samples(const std::string& payload, exposition::Format format) {
  size_t n = 0;
  exposition::for_each_sample(payload, format, [&](const exposition::Entry&) { ++n; });
  return n;
}

void parse_payload(benchmark::State& state, const std::string* payload, exposition::Format format) {
  size_t samples = 0;
  for (auto _ : state) {
    exposition::Parser p(*payload, format);
    exposition::Entry e;
    double sum = 0;
    size_t n = 0;
    while (p.next(&e)) {
      if (e.kind != exposition::EntryKind::kSample) continue;
      sum += e.value + static_cast<double>(e.labels.size());
      ++n;
    }
    benchmark::DoNotOptimize(sum);
    samples += n;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * payload->size()));
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}

void scrape_target(benchmark::State& state, const std::string* payload) {
  scrape::TargetConfig config;
  config.labels = Labels{{"job", "node"}, {"instance", "127.0.0.1:9100"}};
  scrape::TargetState target(config);
  int64_t t = 1700000000000;
  size_t samples = 0;
  for (auto _ : state) {
    auto r = target.scrape_succeeded(*payload, exposition::Format::kPrometheusText, t, 0.01);
    if (!r.report.up) state.SkipWithError(r.error.c_str());
    samples += r.report.samples_scraped;
    t += 15000;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * payload->size()));
  state.counters["samples/s"] = benchmark::Counter(static_cast<double>(samples), benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc != 3) {
    std::fprintf(stderr, "usage: bench_parser <node_exporter.txt> <samples.om.zst> [benchmark flags]\n");
    return 2;
  }
  static const std::string node = read_file(argv[1]);
  static const std::string recording = zstd_decompress(read_file(argv[2]));
  std::printf("node exporter payload: %zu bytes, %zu samples\n", node.size(),
              count_samples(node, exposition::Format::kPrometheusText));
  std::printf("recording: %zu bytes, %zu samples\n", recording.size(),
              count_samples(recording, exposition::Format::kOpenMetrics));
  benchmark::RegisterBenchmark("parse/node_exporter/text", parse_payload, &node, exposition::Format::kPrometheusText)
      ->MinTime(2);
  benchmark::RegisterBenchmark("parse/recording/openmetrics", parse_payload, &recording, exposition::Format::kOpenMetrics)
      ->Unit(benchmark::kMillisecond)
      ->Iterations(3);
  benchmark::RegisterBenchmark("scrape/node_exporter", scrape_target, &node)->Unit(benchmark::kMicrosecond)->MinTime(2);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
