// Prometheus remote_write 1.0 receiver (POST /api/v1/write): the core decoder (protobuf +
// snappy, Prometheus 2.53's receiver rules) into an observe_ts table, in the request's
// transaction: the 204 is sent after the commit, so what a sender saw acknowledged is stored;
// a failed request stores nothing and a retry is safe.
#include <string>
#include <vector>

#include "core/ingest/remote_write.h"
#include "pg/border/border.h"
#include "pg/http/http_api.h"
#include "pg/ts/ts_store.h"

extern "C" {
#include "access/table.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/rel.h"
#include "utils/rls.h"
}

namespace observe::pg {

namespace {

Relation open_for_insert(Oid relid) {
  return pg_guard([relid] {
    PreventCommandIfReadOnly("remote_write");
    Relation rel = table_open(relid, RowExclusiveLock);
    if (pg_class_aclcheck(relid, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
      aclcheck_error(ACLCHECK_NO_PRIV, get_relkind_objtype(rel->rd_rel->relkind), RelationGetRelationName(rel));
    if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
      ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                      errmsg("remote_write cannot write table \"%s\": it has row-level security enabled",
                             RelationGetRelationName(rel))));
    return rel;
  });
}

class AppendSink : public ingest::SampleSink {
 public:
  explicit AppendSink(Relation rel) : rel_(rel) {}
  void begin_series(const Labels& labels) override {
    series_ = labels;
    t_.clear();
    v_.clear();
  }
  void samples(const ingest::Sample* s, size_t n) override {
    for (size_t i = 0; i < n; i++) {
      t_.push_back(s[i].timestamp_ms);
      v_.push_back(s[i].value);
    }
  }
  void end_series() override {
    if (t_.empty()) return;
    ts_append_samples(rel_, series_, t_.data(), v_.data(), t_.size());
  }

 private:
  Relation rel_;
  Labels series_;
  std::vector<int64_t> t_;
  std::vector<double> v_;
};

void plain(HttpResponse& resp, int status, const std::string& text) {
  resp.status = status;
  resp.content_type = "text/plain; charset=utf-8";
  resp.body = text;
}

}  // namespace

void prom_remote_write(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  if (req.method != "POST") return plain(resp, 405, "remote_write requires POST\n");
  // Remote-Write 2.0 (io.prometheus.write.v2.Request) is not received yet: 415 tells a 2.0
  // sender to fall back to 1.0, as Prometheus's own 1.0-only receiver does.
  if (req.content_type.find("io.prometheus.write.v2") != std::string::npos)
    return plain(resp, 415, "pg_observe receives remote_write 1.0 (prometheus.WriteRequest) only\n");
  if (!req.content_encoding.empty() && req.content_encoding != "snappy")
    return plain(resp, 415, "unsupported Content-Encoding: remote_write bodies are snappy-compressed\n");
  Relation rel = open_for_insert(http_metrics_table());
  ts_check_metrics_shape(rel);
  AppendSink sink(rel);
  ingest::RemoteWriteOptions options;
  (void)ingest::decode_remote_write(req.body, options, sink);
  pg_guard([rel] { table_close(rel, NoLock); });  // the lock stays to commit
  plain(resp, 204, "");
}

}  // namespace observe::pg
