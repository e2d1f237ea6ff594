// Loki's protobuf push (logproto.PushRequest): streams walked one at a time, each parsed with
// the generated lite class, reused from stream to stream and from request to request: parsing
// into a used message keeps its entries and their strings, where a fresh one allocated three
// blocks an entry (a tenth of a push's CPU).
#include <climits>
#include <vector>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/ingest/log_emitter.h"
#include "core/ingest/loki_push.h"
#include "core/ingest/proto/loki_push.pb.h"
#include "core/ingest/proto_fields.h"

namespace observe::ingest {

namespace {

constexpr int64_t kNsPerSecond = 1000000000;
// A stream message larger than this is let go after its request rather than kept.
constexpr size_t kKeptStreamBytes = 16u << 20;

}  // namespace

DecodeStats decode_loki_push_proto(std::string_view proto, const LokiPushOptions& options, LogSink& sink) {
  DecodeStats stats;
  size_t stream_offset = static_cast<size_t>(-1);
  LogEmitter em(options, sink, stats, /*utf8_checked=*/false, [&]() { return stream_offset; });
  static thread_local logproto::StreamAdapter stream;
  struct ReleaseIfLarge {
    bool large = false;
    ~ReleaseIfLarge() {
      if (large) logproto::StreamAdapter().Swap(&stream);
    }
  } release_if_large;
  std::vector<Label> metadata;
  for_each_length_delimited(proto, "push request", [&](int field, std::string_view bytes, size_t offset) {
    if (field != 1) return;  // PushRequest has streams only; unknown fields are skipped
    stream_offset = offset;
    em.next_stream();  // counts the stream before anything can fail, so messages name it
    if (bytes.size() > kKeptStreamBytes) release_if_large.large = true;
    if (!stream.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      throw Error(ErrorKind::kDataException, em.where() + ": malformed protobuf stream message");
    if (stream.entries_size() == 0) return;  // Loki skips empty streams before looking at their labels
    const std::string& text = stream.labels();
    std::vector<Label> pairs;
    try {
      if (!valid_utf8(text)) throw Error(ErrorKind::kDataException, "stream labels are not valid UTF-8: " + quote_for_message(text, 256));
      pairs = parse_stream_selector(text);
    } catch (const Error& e) {
      // Refused like any other label error: thrown, or the stream skipped in skip mode.
      if (!options.skip_invalid) throw Error(ErrorKind::kDataException, em.where() + ": " + e.what());
      stats.skipped_streams++;
      stats.skipped_entries += static_cast<size_t>(stream.entries_size());
      if (stats.errors.size() < kMaxKeptErrors) stats.errors.push_back(em.where() + ": " + e.what());
      return;
    }
    em.set_labels(std::move(pairs), text);
    for (const auto& e : stream.entries()) {
      const auto& ts = e.timestamp();
      // gogoproto's StdTimeUnmarshal refuses these: the whole request fails, skip mode or not.
      if (ts.nanos() < 0 || ts.nanos() >= kNsPerSecond)
        throw Error(ErrorKind::kDataException,
                    em.where_entry() + ": timestamp nanos " + std::to_string(ts.nanos()) + " not in [0, 1e9)");
      if (ts.seconds() > (INT64_MAX - ts.nanos()) / kNsPerSecond || ts.seconds() < INT64_MIN / kNsPerSecond)
        throw Error(ErrorKind::kDataException, em.where_entry() + ": timestamp " + std::to_string(ts.seconds()) +
                                                   "s is outside the int64 nanosecond range");
      int64_t ts_ns = ts.seconds() * kNsPerSecond + ts.nanos();
      metadata.clear();
      for (const auto& m : e.structuredmetadata()) metadata.push_back({m.name(), m.value()});
      em.add(ts_ns, e.line(), e.structuredmetadata_size() ? &metadata : nullptr);
    }
    em.end();
  });
  em.end();
  return stats;
}

}  // namespace observe::ingest
