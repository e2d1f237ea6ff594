// Prometheus remote_write 1.0 (prometheus.WriteRequest) and 2.0 (io.prometheus.write.v2.Request),
// snappy block compressed, decoded series
// by series into a SampleSink, with the receiver's rules of Prometheus 2.53
// (storage/remote/write_handler.go and the TSDB appender). See README.md.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/ingest/sinks.h"

namespace observe::ingest {

struct RemoteWriteOptions {
  size_t max_body_bytes = 64u << 20;  // decompressed limit (kLimitExceeded past it)
  // Prometheus skips a series whose metric name, label names or values are invalid (a warning
  // and a counter, 204 to the sender). false: such a series is an error naming it.
  bool skip_invalid_series = true;
  // Native histograms are not stored by pg_observe. false (default): a series carrying any is
  // an error (kFeatureNotSupported) so nothing is dropped silently; true: they are counted in
  // DecodeStats::skipped_histograms and the float samples kept.
  bool skip_histograms = false;
};

// body: the snappy-compressed request (Content-Encoding: snappy, as every sender sends it).
DecodeStats decode_remote_write(std::string_view body, const RemoteWriteOptions& options, SampleSink& sink);
// The same, already decompressed.
DecodeStats decode_remote_write_proto(std::string_view proto, const RemoteWriteOptions& options, SampleSink& sink);

// Remote-Write 2.0 (io.prometheus.write.v2.Request): labels, help and unit as references into the
// request's symbols (the first symbol must be ""); the same checks per series as 1.0, and
// errors for references out of range or an odd number of label references. Per-series metadata
// goes to the sink's metadata().
DecodeStats decode_remote_write_v2(std::string_view body, const RemoteWriteOptions& options, SampleSink& sink);
DecodeStats decode_remote_write_v2_proto(std::string_view proto, const RemoteWriteOptions& options, SampleSink& sink);

}  // namespace observe::ingest
