// Test sinks that record what a decoder handed out.
#pragma once

#include <string>
#include <vector>

#include "core/ingest/sinks.h"

namespace observe::ingest::testing {

struct CollectedEntry {
  int64_t ts_ns;
  std::string line;
  Labels metadata;
  bool has_metadata;
};

struct CollectedStream {
  Labels labels;
  std::vector<CollectedEntry> entries;
  size_t batches = 0;
};

class CollectLogs : public LogSink {
 public:
  std::vector<CollectedStream> streams;
  bool open = false;
  void begin_stream(const Labels& labels) override {
    if (open) throw std::logic_error("begin_stream inside a stream");
    open = true;
    streams.push_back({labels, {}, 0});
  }
  void entries(const LogEntry* e, size_t n) override {
    if (!open) throw std::logic_error("entries outside a stream");
    if (n == 0 || n > kLogBatch) throw std::logic_error("bad batch size");
    streams.back().batches++;
    for (size_t i = 0; i < n; i++)
      streams.back().entries.push_back(
          {e[i].ts_ns, std::string(e[i].line), e[i].metadata ? *e[i].metadata : Labels(), e[i].metadata != nullptr});
  }
  void end_stream() override {
    if (!open) throw std::logic_error("end_stream outside a stream");
    open = false;
  }
};

struct CollectedSeries {
  Labels labels;
  std::vector<Sample> samples;
};

class CollectSamples : public SampleSink {
 public:
  std::vector<CollectedSeries> series;
  std::vector<std::string> metadata_seen;  // "family type help unit"
  bool open = false;
  void begin_series(const Labels& labels) override {
    if (open) throw std::logic_error("begin_series inside a series");
    open = true;
    series.push_back({labels, {}});
  }
  void samples(const Sample* s, size_t n) override {
    if (!open) throw std::logic_error("samples outside a series");
    series.back().samples.insert(series.back().samples.end(), s, s + n);
  }
  void end_series() override {
    if (!open) throw std::logic_error("end_series outside a series");
    open = false;
  }
  void metadata(const MetricMetadata& m) override {
    metadata_seen.push_back(std::string(m.family) + " " + std::string(m.type) + " " + std::string(m.help) + " " +
                             std::string(m.unit));
  }
};

}  // namespace observe::ingest::testing
