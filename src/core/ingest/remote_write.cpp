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
#include "core/ingest/proto/remote_write_v2.pb.h"
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

// One decoded series of either version: checked as Prometheus's receiver checks it, then its
// samples into the sink in batches. `where` names it in errors.
class SeriesWriter {
 public:
  SeriesWriter(const RemoteWriteOptions& options, SampleSink& sink, DecodeStats& stats)
      : options_(options), sink_(sink), stats_(stats) {
    batch_.reserve(kSampleBatch);
  }

  // pairs: the series' labels in any order (consumed). sample(i, &s) fills the i-th sample.
  // Returns the samples written (0 also when the series was skipped).
  template <class SampleAt>
  size_t write(std::vector<Label>& pairs, size_t nsamples, size_t nhistograms, size_t nexemplars,
               const std::string& where, SampleAt&& sample_at) {
    // The receiver sorts (labelProtosToLabels), so order does not matter; the TSDB refuses an
    // empty set and a name given twice.
    sort_labels_by_name(pairs);
    stats_.skipped_exemplars += nexemplars;
    if (const char* why = invalid_reason(pairs)) {
      std::string msg = where + ": " + why + " in " + describe(pairs);
      if (!options_.skip_invalid_series) throw Error(ErrorKind::kDataException, msg);
      stats_.skipped_streams++;
      stats_.skipped_entries += nsamples;
      if (stats_.errors.size() < kMaxKeptErrors) stats_.errors.push_back(msg);
      return 0;
    }
    if (pairs.empty() || std::all_of(pairs.begin(), pairs.end(), [](const Label& l) { return l.value.empty(); }))
      throw Error(ErrorKind::kDataException, where + ": empty labelset: invalid sample");
    for (size_t i = 1; i < pairs.size(); i++)
      if (pairs[i].name == pairs[i - 1].name)
        throw Error(ErrorKind::kDataException,
                    where + ": label name " + quote_for_message(pairs[i].name, 64) + " is not unique: invalid sample");
    if (nhistograms > 0) {
      if (!options_.skip_histograms)
        throw Error(ErrorKind::kFeatureNotSupported, where + " " + describe(pairs) + ": native histogram samples are not supported");
      stats_.skipped_histograms += nhistograms;
    }
    if (nsamples == 0) return 0;
    Labels labels(std::move(pairs));
    pairs = {};
    sink_.begin_series(labels);
    stats_.streams++;
    for (size_t i = 0; i < nsamples; i++) {
      batch_.push_back(sample_at(i));
      if (batch_.size() == kSampleBatch) {
        sink_.samples(batch_.data(), batch_.size());
        batch_.clear();
      }
    }
    if (!batch_.empty()) sink_.samples(batch_.data(), batch_.size());
    batch_.clear();
    stats_.entries += nsamples;
    sink_.end_series();
    return nsamples;
  }

 private:
  const RemoteWriteOptions& options_;
  SampleSink& sink_;
  DecodeStats& stats_;
  std::vector<Sample> batch_;
};

}  // namespace

DecodeStats decode_remote_write_proto(std::string_view proto, const RemoteWriteOptions& options, SampleSink& sink) {
  DecodeStats stats;
  SeriesWriter writer(options, sink, stats);
  prompb::TimeSeries ts;
  prompb::MetricMetadata md;
  std::vector<Label> pairs;
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
    writer.write(pairs, static_cast<size_t>(ts.samples_size()), static_cast<size_t>(ts.histograms_size()),
                 static_cast<size_t>(ts.exemplars_size()), where(offset), [&](size_t i) {
                   const auto& s = ts.samples(static_cast<int>(i));
                   return Sample{s.timestamp(), s.value()};
                 });
    series_index++;
  });
  return stats;
}

DecodeStats decode_remote_write_v2_proto(std::string_view proto, const RemoteWriteOptions& options, SampleSink& sink) {
  DecodeStats stats;
  SeriesWriter writer(options, sink, stats);
  // The symbols first, wherever they are in the message: series refer to them by index.
  std::vector<std::string_view> symbols;
  for_each_length_delimited(proto, "write request", [&](int field, std::string_view bytes, size_t) {
    if (field == 4) symbols.push_back(bytes);
  });
  if (!symbols.empty() && !symbols[0].empty())
    throw Error(ErrorKind::kDataException, "the first symbol must be the empty string");
  auto symbol = [&](uint32_t ref, const std::string& where) -> std::string_view {
    if (ref >= symbols.size())
      throw Error(ErrorKind::kDataException, where + ": symbol reference " + std::to_string(ref) + " out of range (" +
                                                 std::to_string(symbols.size()) + " symbols)");
    return symbols[ref];
  };
  writev2::TimeSeries ts;
  std::vector<Label> pairs;
  size_t series_index = 0;
  for_each_length_delimited(proto, "write request", [&](int field, std::string_view bytes, size_t offset) {
    if (field != 5) return;
    std::string where = "series " + std::to_string(series_index) + " (byte " + std::to_string(offset) + ")";
    if (!ts.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      throw Error(ErrorKind::kDataException, where + ": malformed protobuf time series");
    if (ts.labels_refs_size() % 2 != 0)
      throw Error(ErrorKind::kDataException, where + ": labels_refs holds an odd number of references");
    pairs.clear();
    pairs.reserve(static_cast<size_t>(ts.labels_refs_size() / 2));
    for (int i = 0; i < ts.labels_refs_size(); i += 2)
      pairs.push_back({std::string(symbol(ts.labels_refs(i), where)), std::string(symbol(ts.labels_refs(i + 1), where))});
    if (ts.has_metadata()) {
      const writev2::Metadata& m = ts.metadata();
      std::string_view help = symbol(m.help_ref(), where), unit = symbol(m.unit_ref(), where);
      if (!valid_utf8(help) || !valid_utf8(unit))
        throw Error(ErrorKind::kDataException, where + ": metadata is not valid UTF-8");
      for (const Label& l : pairs)
        if (l.name == kMetricNameLabel && (m.type() != 0 || !help.empty() || !unit.empty()))
          sink.metadata(MetricMetadata{l.value, type_name(m.type()), std::string(help), std::string(unit)});
    }
    if (ts.samples_size() == 0 && ts.histograms_size() == 0) {  // 2.0: a 400 for that series
      stats.skipped_streams++;
      if (stats.errors.size() < kMaxKeptErrors)
        stats.errors.push_back(where + ": TimeSeries must contain at least one sample or histogram for series " +
                               describe(pairs));
      series_index++;
      return;
    }
    writer.write(pairs, static_cast<size_t>(ts.samples_size()), static_cast<size_t>(ts.histograms_size()),
                 static_cast<size_t>(ts.exemplars_size()), where, [&](size_t i) {
                   const auto& s = ts.samples(static_cast<int>(i));
                   return Sample{s.timestamp(), s.value()};
                 });
    series_index++;
  });
  return stats;
}

DecodeStats decode_remote_write_v2(std::string_view body, const RemoteWriteOptions& options, SampleSink& sink) {
  std::string raw;
  snappy_decode(body, options.max_body_bytes, &raw);
  return decode_remote_write_v2_proto(raw, options, sink);
}

DecodeStats decode_remote_write(std::string_view body, const RemoteWriteOptions& options, SampleSink& sink) {
  std::string raw;
  snappy_decode(body, options.max_body_bytes, &raw);
  return decode_remote_write_proto(raw, options, sink);
}

}  // namespace observe::ingest
