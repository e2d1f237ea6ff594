// observe.push_loki(payload text, target regclass) and
// observe.push_loki(payload bytea, content_type text, content_encoding text, target regclass):
// a Loki push request (POST /loki/api/v1/push: JSON, or snappy-compressed protobuf, optionally
// gzip/deflate-encoded) stored into an observe_log table. The decoder (src/core/ingest) applies
// Loki's acceptance rules and names the stream and entry of a refusal; the whole push is one
// statement, so a refused payload stores nothing. A retried push never doubles lines: an entry
// whose (stream, time, line) the table already holds is dropped, as Loki drops it.
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/ingest/loki_push.h"
#include "pg/border/border.h"
#include "pg/border/write_check.h"
#include "pg/log/log_store.h"

extern "C" {
#include "access/table.h"
#include "utils/acl.h"
}

namespace {

using observe::Error;
using observe::ErrorKind;

// Collects one stream's entries (the decoder's views live only for a call) and appends them,
// a stream at a time or every kFlushBytes, so memory stays within the payload's size.
class AppendSink : public observe::ingest::LogSink {
 public:
  explicit AppendSink(Relation rel) : rel_(rel) {}

  void begin_stream(const observe::Labels& labels) override {
    stream_ = labels;
    clear();
  }
  void entries(const observe::ingest::LogEntry* e, size_t n) override {
    for (size_t i = 0; i < n; i++) {
      ts_.push_back(e[i].ts_ns);
      lines_.emplace_back(e[i].line);
      bytes_ += e[i].line.size();
      metadata_.push_back(e[i].metadata != nullptr ? *e[i].metadata : observe::Labels());
      has_metadata_.push_back(e[i].metadata != nullptr && !e[i].metadata->empty());
    }
    if (bytes_ >= kFlushBytes) flush();
  }
  void end_stream() override { flush(); }

  int64_t stored() const { return stored_; }

 private:
  static constexpr size_t kFlushBytes = 8u << 20;

  void flush() {
    if (ts_.empty()) return;
    std::vector<observe::pg::LogPushEntry> batch(ts_.size());
    for (size_t i = 0; i < ts_.size(); i++) {
      batch[i].ts_ns = ts_[i];
      batch[i].line = lines_[i];
      batch[i].metadata = has_metadata_[i] ? &metadata_[i] : nullptr;
    }
    stored_ += static_cast<int64_t>(observe::pg::log_append(rel_, stream_, batch.data(), batch.size(), true));
    clear();
  }
  void clear() {
    ts_.clear();
    lines_.clear();
    metadata_.clear();
    has_metadata_.clear();
    bytes_ = 0;
  }

  Relation rel_;
  observe::Labels stream_;
  std::vector<int64_t> ts_;
  std::vector<std::string> lines_;
  std::vector<observe::Labels> metadata_;
  std::vector<bool> has_metadata_;
  size_t bytes_ = 0;
  int64_t stored_ = 0;
};

int64_t push(std::string_view body, std::string_view content_type, std::string_view content_encoding, Oid target) {
  // What INSERT would check; row-level security's WITH CHECK policies the append path cannot
  // apply, so such a table is refused.
  Relation rel = observe::pg::open_for_writing(target, RowExclusiveLock, ACL_INSERT, "observe.push_loki");
  observe::pg::log_check_logs_shape(rel);
  AppendSink sink(rel);
  observe::ingest::LokiPushOptions options;  // Loki's defaults; the first refusal fails the push
  observe::ingest::decode_loki_push(body, content_type, content_encoding, options, sink);
  observe::pg::pg_guard([rel] { table_close(rel, NoLock); });  // the lock stays to commit
  return sink.stored();
}

std::string_view text_view(text* t) { return std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)); }

}  // namespace

// observe.push_loki(payload text, target regclass) RETURNS bigint: lines stored
OBSERVE_FUNCTION(observe_push_loki) {
  text* payload = observe::pg::pg_guard([&] { return PG_GETARG_TEXT_PP(0); });
  PG_RETURN_INT64(push(text_view(payload), "application/json", "", PG_GETARG_OID(1)));
}

// observe.push_loki(payload bytea, content_type text, content_encoding text, target regclass)
OBSERVE_FUNCTION(observe_push_loki_request) {
  bytea* payload = nullptr;
  text* type = nullptr;
  text* encoding = nullptr;
  observe::pg::pg_guard([&] {
    payload = PG_GETARG_BYTEA_PP(0);
    type = PG_GETARG_TEXT_PP(1);
    encoding = PG_GETARG_TEXT_PP(2);
  });
  PG_RETURN_INT64(push(text_view(payload), text_view(type), text_view(encoding), PG_GETARG_OID(3)));
}
