// Entry points that exercise log_store.h from SQL (sql/log_am.sql creates functions on them in
// a scratch schema; they are not extension objects), as the push/LogQL glue will call it.
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/logql/parser.h"
#include "pg/border/border.h"
#include "pg/engine/pg_engine_headers.h"
#include "pg/border/jsonb_labels.h"
#include "pg/log/log_store.h"
#include "pg/log/log_store_impl.h"
extern "C" {
#include "utils/json.h"
}

namespace {

using observe::Error;
using observe::ErrorKind;

Relation open_checked(Oid relid, LOCKMODE lock, AclMode mode) {
  return observe::pg::pg_guard([&] {
    Relation rel = table_open(relid, lock);
    if (pg_class_aclcheck(relid, GetUserId(), mode) != ACLCHECK_OK)
      aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, RelationGetRelationName(rel));
    return rel;
  });
}

std::vector<Datum> array_elems(Datum array, Oid type, std::vector<char>* nulls) {
  Datum* elems;
  bool* enulls;
  int n;
  observe::pg::pg_guard([&] {
    int16 typlen;
    bool byval;
    char align;
    get_typlenbyvalalign(type, &typlen, &byval, &align);
    deconstruct_array(DatumGetArrayTypeP(array), type, typlen, byval, align, &elems, &enulls, &n);
  });
  nulls->assign(enulls, enulls + n);
  return std::vector<Datum>(elems, elems + n);
}

// A JSON string as PostgreSQL writes one (the values are text: no NUL byte).
void json_string(std::string& out, std::string_view s) {
  std::string z(s);
  const char* zp = z.c_str();
  observe::pg::pg_guard([&] {
    StringInfoData buf;
    initStringInfo(&buf);
    escape_json(&buf, zp);
    out.append(buf.data, buf.len);
    pfree(buf.data);
  });
}

void json_labels(std::string& out, const observe::Labels& labels) {
  out.push_back('{');
  bool first = true;
  for (const auto& l : labels.items()) {
    if (!first) out.push_back(',');
    first = false;
    json_string(out, l.name);
    out.push_back(':');
    json_string(out, l.value);
  }
  out.push_back('}');
}

}  // namespace

// observe_log_selftest_append(rel regclass, labels jsonb, ts_ns int8[], lines text[],
//                             metadata jsonb[], drop_duplicates bool) RETURNS int8
OBSERVE_FUNCTION(observe_log_selftest_append) {
  using namespace observe::pg;
  for (int a = 0; a < 4; a++)
    if (PG_ARGISNULL(a)) throw Error(ErrorKind::kInvalidParameter, "arguments must not be null");
  Relation rel = open_checked(PG_GETARG_OID(0), RowExclusiveLock, ACL_INSERT);
  observe::Labels stream = jsonb_to_labels(PG_GETARG_DATUM(1));
  std::vector<char> tnulls, lnulls, mnulls;
  std::vector<Datum> ts = array_elems(PG_GETARG_DATUM(2), INT8OID, &tnulls);
  std::vector<Datum> lines = array_elems(PG_GETARG_DATUM(3), TEXTOID, &lnulls);
  std::vector<Datum> meta;
  if (!PG_ARGISNULL(4)) meta = array_elems(PG_GETARG_DATUM(4), JSONBOID, &mnulls);
  bool drop = PG_ARGISNULL(5) || PG_GETARG_BOOL(5);
  if (ts.size() != lines.size() || (!meta.empty() && meta.size() != ts.size()))
    throw Error(ErrorKind::kInvalidParameter, "ts_ns, lines and metadata must have the same length");
  std::vector<observe::Labels> metadata(ts.size());
  std::vector<LogPushEntry> entries(ts.size());
  for (size_t i = 0; i < ts.size(); i++) {
    if (tnulls[i] || lnulls[i]) throw Error(ErrorKind::kInvalidParameter, "null time or line");
    text* t = reinterpret_cast<text*>(pg_guard([&] { return PG_DETOAST_DATUM_PACKED(lines[i]); }));
    entries[i].ts_ns = DatumGetInt64(ts[i]);
    entries[i].line = std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    if (!meta.empty() && !mnulls[i]) {
      metadata[i] = jsonb_to_labels(meta[i], true);
      entries[i].metadata = &metadata[i];
    }
  }
  size_t n = log_append(rel, stream, entries.data(), entries.size(), drop);
  pg_guard([rel] { table_close(rel, NoLock); });
  PG_RETURN_INT64(static_cast<int64>(n));
}

// observe_log_selftest_scan(rel regclass, query text, from_ns int8, to_ns int8, backward bool)
// RETURNS jsonb: {"streams": [labels...], "entries": [[stream index, ts_ns, line, metadata],
// ...], "chunks_read": n, "chunks_skipped": n}. The query is a LogQL log query; its leading
// line filters are handed down, and `|=` filters are applied to the entries as LogQL would.
OBSERVE_FUNCTION(observe_log_selftest_scan) {
  using namespace observe::pg;
  for (int a = 0; a < 4; a++)
    if (PG_ARGISNULL(a)) throw Error(ErrorKind::kInvalidParameter, "arguments must not be null");
  std::string query = pg_guard([&] { return std::string(text_to_cstring(PG_GETARG_TEXT_PP(1))); });
  observe::logql::Query q = observe::logql::parse_query(query);
  if (!q.is_log) throw Error(ErrorKind::kInvalidParameter, "a log query is expected");
  std::vector<const observe::logql::LineFilter*> filters;
  for (const auto& st : q.log.stages) {
    if (st.kind != observe::logql::StageKind::kLineFilter) break;
    filters.push_back(&st.line_filter);
  }
  int64_t from = PG_GETARG_INT64(2), to = PG_GETARG_INT64(3);
  bool backward = !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
  Relation rel = open_checked(PG_GETARG_OID(0), AccessShareLock, ACL_SELECT);
  Snapshot snap = pg_guard([] { return GetActiveSnapshot(); });
  PgLogStore store(rel, snap);
  std::vector<observe::logql::StreamRef> streams = store.select(q.log.matchers, from, to);
  std::string out = "{\"streams\": [";
  for (size_t s = 0; s < streams.size(); s++) {
    if (s > 0) out += ", ";
    json_labels(out, streams[s].labels);
  }
  out += "], \"entries\": [";
  bool first = true;
  for (size_t s = 0; s < streams.size(); s++) {
    store.scan(streams[s], from, to, backward ? observe::logql::Direction::kBackward : observe::logql::Direction::kForward,
               filters, [&](const observe::logql::LogEntry& e) {
                 for (const auto* f : filters) {
                   if (f->op != observe::logql::LineFilterOp::kContains) continue;
                   bool any = false;
                   for (const auto& term : f->terms) any = any || e.line.find(term.value) != std::string_view::npos;
                   if (!any) return true;
                 }
                 if (!first) out += ", ";
                 first = false;
                 out += "[" + std::to_string(s) + ", " + std::to_string(e.ts_ns) + ", ";
                 json_string(out, e.line);
                 out += ", ";
                 if (e.metadata != nullptr)
                   json_labels(out, *e.metadata);
                 else
                   out += "null";
                 out += "]";
                 return true;
               });
  }
  out += "], \"chunks_read\": " + std::to_string(store.chunks_read()) +
         ", \"chunks_skipped\": " + std::to_string(store.chunks_skipped()) + "}";
  pg_guard([rel] { table_close(rel, NoLock); });
  const char* text = out.c_str();
  return pg_guard([text] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(text)); });
}
