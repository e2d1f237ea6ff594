// What the ingest decoders hand out: a visitor per payload kind, called stream by stream (logs)
// or series by series (samples), so a payload is never turned into one big decoded structure.
// Every view passed to a sink is valid only until that call returns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/labels.h"

namespace observe::ingest {

// One log line, in Loki's terms.
struct LogEntry {
  int64_t ts_ns = 0;                 // nanoseconds since the Unix epoch
  std::string_view line;             // exact bytes (valid UTF-8 unless the decoder was told not to check)
  const Labels* metadata = nullptr;  // structured metadata; null when the entry has none
};

// Receives the log streams of one payload in payload order: begin_stream, then the stream's
// entries in one or more batches (at most kLogBatch each), then end_stream. A stream may appear
// more than once in a payload (Loki allows it); the sink merges if it cares.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void begin_stream(const Labels& labels) = 0;
  virtual void entries(const LogEntry* entries, size_t n) = 0;
  virtual void end_stream() {}
};

inline constexpr size_t kLogBatch = 1024;

struct Sample {
  int64_t timestamp_ms = 0;
  double value = 0;  // NaN payloads (staleness markers) are kept bit for bit
};

// Metric metadata as remote_write and the exposition formats carry it.
struct MetricMetadata {
  std::string_view family;
  std::string_view type;  // Prometheus's names: counter, gauge, histogram, ..., unknown
  std::string_view help;
  std::string_view unit;
};

// Receives series of one payload: begin_series (labels include __name__), samples in one or
// more batches, end_series; metadata whenever the payload carries some.
class SampleSink {
 public:
  virtual ~SampleSink() = default;
  virtual void begin_series(const Labels& labels) = 0;
  virtual void samples(const Sample* samples, size_t n) = 0;
  virtual void end_series() {}
  virtual void metadata(const MetricMetadata&) {}
};

// What a decode saw. With skip_invalid (Loki's distributor: store the valid streams and
// entries, answer 400 naming the rest) the refused ones are counted and their errors kept.
struct DecodeStats {
  size_t streams = 0;          // streams (or series) handed to the sink
  size_t entries = 0;          // entries (or samples) handed to the sink
  size_t line_bytes = 0;       // bytes of the lines handed to the sink
  size_t skipped_streams = 0;  // refused streams or series (skip mode), empty ones not counted
  size_t skipped_entries = 0;  // entries or samples not handed over because of a refusal
  size_t skipped_histograms = 0;  // remote_write native histogram samples dropped (skip_histograms)
  size_t skipped_exemplars = 0;   // remote_write exemplars (always ignored)
  std::vector<std::string> errors;  // the first kMaxKeptErrors refusals, in payload order
};

inline constexpr size_t kMaxKeptErrors = 10;

}  // namespace observe::ingest
