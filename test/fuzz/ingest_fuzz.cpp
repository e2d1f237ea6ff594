// libFuzzer target for the ingest decoders (src/core/ingest). The first byte picks a decoder,
// the rest is its payload: Loki push JSON, Loki push protobuf, remote_write protobuf (1.0, 2.0), a
// compressed body (gzip/deflate/snappy under a small limit), and the Kafka formats json_lines,
// logfmt, prometheus_json, prometheus_text. Each either hands well-formed calls to its sink —
// streams with valid labels, lines and metadata of valid UTF-8, counts matching DecodeStats —
// or throws observe::Error with a valid UTF-8 message; nothing else, and nothing past the
// decompression limit. Run: test/fuzz/run.sh (FUZZ_TARGETS=ingest_fuzz).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/ingest/decompress.h"
#include "core/ingest/kafka_formats.h"
#include "core/ingest/loki_push.h"
#include "core/ingest/remote_write.h"
#include "core/ingest/stream_labels.h"

using namespace observe;
using namespace observe::ingest;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void check_labels(const Labels& l, bool allow_name) {
  check(!l.empty());
  for (size_t i = 0; i < l.items().size(); i++) {
    const Label& x = l.items()[i];
    check(valid_label_name(x.name) || (allow_name && x.name == "__name__"));
    check(!x.value.empty() && valid_utf8(x.value));
    if (i) check(l.items()[i - 1].name < x.name);
  }
}

struct LogCheck : LogSink {
  bool open = false;
  size_t n_streams = 0, n_entries = 0, n_bytes = 0;
  void begin_stream(const Labels& l) override {
    check(!open);
    open = true;
    n_streams++;
    check_labels(l, true);
  }
  void entries(const LogEntry* e, size_t n) override {
    check(open && n > 0 && n <= kLogBatch);
    for (size_t i = 0; i < n; i++) {
      check(valid_utf8(e[i].line));
      if (e[i].metadata) {
        check(!e[i].metadata->empty());
        for (const Label& m : e[i].metadata->items()) check(valid_utf8(m.name) && valid_utf8(m.value));
      }
      n_bytes += e[i].line.size();
    }
    n_entries += n;
  }
  void end_stream() override {
    check(open);
    open = false;
  }
};

struct SampleCheck : SampleSink {
  bool open = false;
  size_t n_series = 0, n_samples = 0;
  void begin_series(const Labels& l) override {
    check(!open);
    open = true;
    n_series++;
    check(valid_metric_name(l.metric_name()) || l.metric_name().empty());
    for (const Label& x : l.items()) check(valid_utf8(x.value));
  }
  void samples(const Sample*, size_t n) override {
    check(open && n > 0);
    n_samples += n;
  }
  void end_series() override {
    check(open);
    open = false;
  }
  void metadata(const MetricMetadata& m) override { check(valid_utf8(m.family) && valid_utf8(m.help)); }
};

template <class F>
void expect_error_or_ok(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    check(valid_utf8(e.what()));
    check(escape_message(e.what()) == e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size == 0) return 0;
  const uint8_t selector = bytes[0];
  std::string_view data(reinterpret_cast<const char*>(bytes + 1), size - 1);
  LokiPushOptions lo;
  lo.max_body_bytes = 1 << 20;
  lo.skip_invalid = selector & 0x80;
  switch (selector % 9) {
    case 0:
    case 1: {
      LogCheck c;
      expect_error_or_ok([&] {
        DecodeStats s = selector % 9 == 0 ? decode_loki_push_json(data, lo, c) : decode_loki_push_proto(data, lo, c);
        check(!c.open && s.streams == c.n_streams && s.entries == c.n_entries && s.line_bytes == c.n_bytes);
        check(s.errors.size() <= kMaxKeptErrors);
        if (!lo.skip_invalid) check(s.skipped_entries == 0 && s.skipped_streams == 0);
      });
      break;
    }
    case 2: {
      SampleCheck c;
      RemoteWriteOptions ro;
      ro.skip_histograms = selector & 0x80;
      expect_error_or_ok([&] {
        // bit 0x40: Remote-Write 2.0 (symbols and references)
        DecodeStats s = selector & 0x40 ? decode_remote_write_v2_proto(data, ro, c) : decode_remote_write_proto(data, ro, c);
        check(!c.open && s.streams == c.n_series && s.entries == c.n_samples);
        check(s.errors.size() <= kMaxKeptErrors);
      });
      break;
    }
    case 3: {
      static const ContentEncoding kEnc[] = {ContentEncoding::kGzip, ContentEncoding::kDeflate, ContentEncoding::kSnappy};
      std::string out;
      const size_t limit = 1 << 16;
      expect_error_or_ok([&] { decompress(data, kEnc[(selector >> 4) % 3], limit, &out); });
      check(out.size() <= limit);
      break;
    }
    case 4:
    case 5:
    case 6:
    case 7: {
      KafkaFormatOptions o;
      static const KafkaFormat kFormats[] = {KafkaFormat::kJsonLines, KafkaFormat::kLogfmt, KafkaFormat::kPrometheusJson,
                                             KafkaFormat::kPrometheusText};
      o.format = kFormats[selector % 9 - 4];
      o.labels = {{MessageLabel::Source::kTopic, "topic", ""}};
      o.time_field = selector & 0x40 ? "ts" : "t.s";
      o.line_field = selector & 0x20 ? "msg" : "";
      o.label_fields = {{"level", "level"}, {"app", "k.app"}};
      o.labels_object = "tags";
      o.metadata_fields = {{"trace", "trace"}};
      o.openmetrics = selector & 0x10;
      KafkaDecoder d(o);
      KafkaMessage m;
      m.topic = "t";
      m.timestamp_ms = selector & 0x08 ? -1 : 1700000000000;
      m.value = data;
      if (kafka_format_is_logs(o.format)) {
        LogCheck c;
        expect_error_or_ok([&] {
          DecodeStats s = d.decode_logs(m, c);
          check(!c.open && s.entries == c.n_entries);
        });
      } else {
        SampleCheck c;
        expect_error_or_ok([&] {
          DecodeStats s = d.decode_samples(m, c);
          check(!c.open && s.entries == c.n_samples);
        });
      }
      break;
    }
    case 8: {
      LogCheck c;
      expect_error_or_ok([&] {
        decode_loki_push(data, selector & 0x10 ? "application/json" : "", selector & 0x20 ? "gzip" : "", lo, c);
      });
      break;
    }
  }
  return 0;
}
