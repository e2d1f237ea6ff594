// Prometheus remote_write receiver (POST /api/v1/write), 1.0 and 2.0 by Content-Type: the core
// decoder (protobuf + snappy, Prometheus's receiver rules) into an observe_ts table, in the request's
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

// The message a Content-Type names (`application/x-protobuf;proto=...`): 1 (prometheus.WriteRequest,
// also when no proto is named), 2 (io.prometheus.write.v2.Request), 0 for anything else.
int remote_write_version(const std::string& content_type) {
  size_t p = content_type.find("proto=");
  if (p == std::string::npos) return 1;
  std::string proto = content_type.substr(p + 6);
  proto = proto.substr(0, proto.find_first_of("; "));
  if (proto == "prometheus.WriteRequest") return 1;
  if (proto == "io.prometheus.write.v2.Request") return 2;
  return 0;
}

}  // namespace

void prom_remote_write(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  if (req.method != "POST") return plain(resp, 405, "remote_write requires POST\n");
  int version = remote_write_version(req.content_type);
  if (version == 0)
    return plain(resp, 415, "unsupported remote_write message: " + req.content_type +
                                " (pg_observe receives prometheus.WriteRequest and io.prometheus.write.v2.Request)\n");
  if (!req.content_encoding.empty() && req.content_encoding != "snappy")
    return plain(resp, 415, "unsupported Content-Encoding: remote_write bodies are snappy-compressed\n");
  Relation rel = open_for_insert(http_metrics_table());
  ts_check_metrics_shape(rel);
  AppendSink sink(rel);
  ingest::RemoteWriteOptions options;
  ingest::DecodeStats stats = version == 1 ? ingest::decode_remote_write(req.body, options, sink)
                                            : ingest::decode_remote_write_v2(req.body, options, sink);
  pg_guard([rel] { table_close(rel, NoLock); });  // the lock stays to commit
  if (version == 1) return plain(resp, 204, "");
  // 2.0: what was written is reported; series refused are a 400 after the others are stored
  // (committed with this transaction), as Prometheus's 2.0 receiver does.
  resp.headers.emplace_back("X-Prometheus-Remote-Write-Samples-Written", std::to_string(stats.entries));
  resp.headers.emplace_back("X-Prometheus-Remote-Write-Histograms-Written", "0");
  resp.headers.emplace_back("X-Prometheus-Remote-Write-Exemplars-Written", "0");
  if (stats.skipped_streams == 0) return plain(resp, 204, "");
  std::string msg;
  for (const std::string& e : stats.errors) msg += e + "\n";
  if (stats.skipped_streams > stats.errors.size())
    msg += "... " + std::to_string(stats.skipped_streams - stats.errors.size()) + " more series refused\n";
  plain(resp, 400, msg);
}

}  // namespace observe::pg
