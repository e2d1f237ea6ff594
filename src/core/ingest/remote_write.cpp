// remote_write: series walked one at a time, each parsed with the generated lite class
// (reused, so steady-state decoding allocates nothing per series beyond its Labels).
#include "core/ingest/remote_write.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/ingest/decompress.h"
#include "core/ingest/proto/remote_write.pb.h"
#include "core/ingest/proto_fields.h"
#include "core/ingest/stream_labels.h"

namespace observe::ingest {

namespace {

constexpr size_t kSampleBatch = 4096;

std::string_view type_name(int t) {
  static const char* const kNames[] = {"unknown", "counter", "gauge", "histogram", "gaugehistogram",
                                       "summary", "info", "stateset"};
  return t >= 0 && t < 8 ? kNames[t] : "unknown";
}

std::string describe(const std::vector<Label>& pairs) {
  std::string s = "{";
  for (size_t i = 0; i < pairs.size() && i < 20; i++) {
    if (i) s += ", ";
    s += quote_for_message(pairs[i].name, 64) + "=" + quote_for_message(pairs[i].value, 64);
  }
  if (pairs.size() > 20) s += ", ...";
  return s + "}";
}

// Most label values are ASCII: a word-at-a-time scan settles them before the full check.
bool ascii_or_valid_utf8(std::string_view s) {
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ull) return valid_utf8(s);
  }
  for (; i < s.size(); i++)
    if (static_cast<unsigned char>(s[i]) >= 0x80) return valid_utf8(s);
  return true;
}

// Prometheus's labels.IsValid with the legacy name rules of 2.x: the metric name, every label
// name, and every value valid UTF-8. Empty label values count as absent (Prometheus keeps them,
// but no query can tell the difference).
const char* invalid_reason(const std::vector<Label>& pairs) {
  for (const Label& l : pairs) {
    if (l.name == kMetricNameLabel) {
      if (!valid_metric_name(l.value)) return "invalid metric name";
    } else if (!valid_label_name(l.name)) {
      return "invalid label name";
    }
    if (!ascii_or_valid_utf8(l.value)) return "label value is not valid UTF-8";
  }
  return nullptr;
}

}  // namespace

DecodeStats decode_remote_write_proto(std::string_view proto, const RemoteWriteOptions& options, SampleSink& sink) {
  DecodeStats stats;
  prompb::TimeSeries ts;
  prompb::MetricMetadata md;
  std::vector<Label> pairs;
  std::vector<Sample> batch;
  batch.reserve(kSampleBatch);
  size_t series_index = 0;
  auto where = [&](size_t offset) {
    return "series " + std::to_string(series_index) + " (byte " + std::to_string(offset) + ")";
  };
  for_each_length_delimited(proto, "write request", [&](int field, std::string_view bytes, size_t offset) {
    if (field == 3) {
      if (!md.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
        throw Error(ErrorKind::kDataException, "malformed metric metadata at byte " + std::to_string(offset));
      if (!valid_utf8(md.metric_family_name()) || !valid_utf8(md.help()) || !valid_utf8(md.unit()))
        throw Error(ErrorKind::kDataException, "metric metadata at byte " + std::to_string(offset) + " is not valid UTF-8");
      sink.metadata(MetricMetadata{md.metric_family_name(), type_name(md.type()), md.help(), md.unit()});
      return;
    }
    if (field != 1) return;
    if (!ts.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      throw Error(ErrorKind::kDataException, where(offset) + ": malformed protobuf time series");
    pairs.clear();
    pairs.reserve(static_cast<size_t>(ts.labels_size()));
    for (const auto& l : ts.labels()) pairs.push_back({l.name(), l.value()});
    // The receiver sorts (labelProtosToLabels), so order does not matter; the TSDB refuses an
    // empty set and a name given twice.
    auto by_name = [](const Label& a, const Label& b) { return a.name < b.name; };
    if (!std::is_sorted(pairs.begin(), pairs.end(), by_name)) std::stable_sort(pairs.begin(), pairs.end(), by_name);
    stats.skipped_exemplars += static_cast<size_t>(ts.exemplars_size());
    const size_t nsamples = static_cast<size_t>(ts.samples_size());
    auto skip = [&](const std::string& why) {
      stats.skipped_streams++;
      stats.skipped_entries += nsamples;
      if (stats.errors.size() < kMaxKeptErrors) stats.errors.push_back(why);
    };
    if (const char* why = invalid_reason(pairs)) {
      std::string msg = where(offset) + ": " + why + " in " + describe(pairs);
      if (!options.skip_invalid_series) throw Error(ErrorKind::kDataException, msg);
      skip(msg);
      series_index++;
      return;
    }
    if (pairs.empty() || std::all_of(pairs.begin(), pairs.end(), [](const Label& l) { return l.value.empty(); }))
      throw Error(ErrorKind::kDataException, where(offset) + ": empty labelset: invalid sample");
    for (size_t i = 1; i < pairs.size(); i++)
      if (pairs[i].name == pairs[i - 1].name)
        throw Error(ErrorKind::kDataException,
                    where(offset) + ": label name " + quote_for_message(pairs[i].name, 64) + " is not unique: invalid sample");
    if (ts.histograms_size() > 0) {
      if (!options.skip_histograms)
        throw Error(ErrorKind::kFeatureNotSupported,
                    where(offset) + " " + describe(pairs) + ": native histogram samples are not supported");
      stats.skipped_histograms += static_cast<size_t>(ts.histograms_size());
    }
    series_index++;
    if (nsamples == 0) return;
    Labels labels(std::move(pairs));
    pairs = {};
    sink.begin_series(labels);
    stats.streams++;
    for (const auto& s : ts.samples()) {
      batch.push_back(Sample{s.timestamp(), s.value()});
      if (batch.size() == kSampleBatch) {
        sink.samples(batch.data(), batch.size());
        batch.clear();
      }
    }
    if (!batch.empty()) sink.samples(batch.data(), batch.size());
    batch.clear();
    stats.entries += nsamples;
    sink.end_series();
  });
  return stats;
}

DecodeStats decode_remote_write(std::string_view body, const RemoteWriteOptions& options, SampleSink& sink) {
  std::string raw;
  snappy_decode(body, options.max_body_bytes, &raw);
  return decode_remote_write_proto(raw, options, sink);
}

}  // namespace observe::ingest
