#include "sql_backend.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <stdexcept>

#include "core/promql/engine.h"
#include "core/promql/parser.h"
#include "core/promql/printer.h"

namespace observe::promql::conformance {

struct SqlBackend::Conn {
  PGconn* pg = nullptr;
  ~Conn() {
    if (pg != nullptr) PQfinish(pg);
  }
};

namespace {

// The message primary text only: the engine's what(), without DETAIL/position decoration.
std::string error_of(PGconn* pg, PGresult* res) {
  const char* primary = res != nullptr ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = primary != nullptr ? primary : PQerrorMessage(pg);
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  return msg;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// jsonb text of every label but __name__ (the `name` column holds that).
std::string labels_json(const Labels& ls) {
  std::string out = "{";
  for (const auto& l : ls.items()) {
    if (l.name == kMetricNameLabel) continue;
    if (out.size() > 1) out += ", ";
    out += json_string(l.name) + ": " + json_string(l.value);
  }
  return out + "}";
}

// COPY text format escapes.
std::string copy_field(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out;
}

// ms since the epoch as a UTC timestamptz literal; the corpus loads from t=0 on.
std::string timestamp_text(int64_t ms) {
  int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  int frac = static_cast<int>(ms - secs * 1000);
  time_t tt = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d+00", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

std::string float_text(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

SqlBackend::SqlBackend(const std::string& conninfo, bool copy) : conn_(new Conn), copy_(copy) {
  conn_->pg = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn_->pg) != CONNECTION_OK) throw std::runtime_error("connection failed: " + error_of(conn_->pg, nullptr));
  schema_ = "promql_conformance_" + std::to_string(getpid());
  PQsetNoticeReceiver(
      conn_->pg,
      [](void* self, const PGresult* res) {
        const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        if (primary != nullptr) static_cast<SqlBackend*>(self)->notices_.push_back(primary);
      },
      this);
  exec("SET client_min_messages = notice");  // annotations come as NOTICEs
  exec("SET extra_float_digits = 3");        // float8 text that reads back exactly
  exec("SET observe.promql_max_samples = 10000");  // what the upstream test engine uses
  exec("SET observe.promql_lookback_delta = 300000");
  exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  exec("CREATE SCHEMA " + schema_);
  clear();
}

SqlBackend::~SqlBackend() {
  try {
    exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  } catch (const std::exception&) {
    // The connection is gone: nothing left to drop from here.
  }
}

void SqlBackend::exec(const std::string& sql) {
  PGresult* res = PQexec(conn_->pg, sql.c_str());
  ExecStatusType st = PQresultStatus(res);
  std::string err = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? "" : error_of(conn_->pg, res);
  PQclear(res);
  if (!err.empty()) throw std::runtime_error(sql.substr(0, 200) + ": " + err);
}

void SqlBackend::clear() {
  pending_.clear();
  if (!table_.empty()) exec("DROP TABLE " + table_);
  table_ = schema_ + ".t" + std::to_string(++tables_);
  exec("CREATE TABLE " + table_ + " (time timestamptz, name text, labels jsonb, value float8) USING observe_ts");
}

void SqlBackend::add(const Labels& series, int64_t t_ms, double v) { pending_.push_back({series, t_ms, v}); }

std::string SqlBackend::literal(const std::string& s) {
  char* lit = PQescapeLiteral(conn_->pg, s.data(), s.size());
  if (lit == nullptr) throw std::runtime_error("PQescapeLiteral: " + error_of(conn_->pg, nullptr));
  std::string out = lit;
  PQfreemem(lit);
  return out;
}

void SqlBackend::copy_rows(const std::string& data) {
  PGconn* pg = conn_->pg;
  PGresult* res = PQexec(pg, ("COPY " + table_ + " (time, name, labels, value) FROM STDIN").c_str());
  bool ok = PQresultStatus(res) == PGRES_COPY_IN;
  std::string err = ok ? "" : error_of(pg, res);
  PQclear(res);
  if (!ok) throw std::runtime_error("COPY: " + err);
  if (PQputCopyData(pg, data.data(), static_cast<int>(data.size())) != 1 || PQputCopyEnd(pg, nullptr) != 1)
    throw std::runtime_error("COPY: " + error_of(pg, nullptr));
  while ((res = PQgetResult(pg)) != nullptr) {
    if (PQresultStatus(res) != PGRES_COMMAND_OK) err = error_of(pg, res);
    PQclear(res);
  }
  if (!err.empty()) throw std::runtime_error("COPY: " + err);
}

void SqlBackend::flush() {
  constexpr size_t kBatch = 2000;  // rows per INSERT statement
  std::string copy_data, insert;
  size_t batched = 0;
  auto send_insert = [&] {
    if (batched > 0) exec(insert);
    insert.clear();
    batched = 0;
  };
  for (const Pending& p : pending_) {
    // A series without __name__ has a NULL name.
    bool named = p.series.has(kMetricNameLabel);
    std::string name(p.series.metric_name());
    std::string json = labels_json(p.series);
    if (copy_ && !is_stale_nan(p.v)) {
      copy_data += timestamp_text(p.t) + "\t" + (named ? copy_field(name) : "\\N") + "\t" + copy_field(json) + "\t" +
                   float_text(p.v) + "\n";
      continue;
    }
    // Staleness markers are a NaN payload the float8 text form loses: observe.stale_marker().
    insert += batched == 0 ? "INSERT INTO " + table_ + " (time, name, labels, value) VALUES (" : ", (";
    insert += "'" + timestamp_text(p.t) + "', " + (named ? literal(name) : "NULL") + ", " + literal(json) + ", " +
              (is_stale_nan(p.v) ? "observe.stale_marker()" : "'" + float_text(p.v) + "'::float8") + ")";
    if (++batched == kBatch) send_insert();
  }
  send_insert();
  if (!copy_data.empty()) copy_rows(copy_data);
  pending_.clear();
}

std::vector<SqlBackend::Row> SqlBackend::query(const char* sql, const std::vector<std::string>& params) {
  flush();
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  notices_.clear();
  PGresult* res = PQexecParams(conn_->pg, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                               nullptr, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    std::string err = error_of(conn_->pg, res);
    PQclear(res);
    throw std::runtime_error(err);
  }
  std::vector<Row> rows;
  for (int i = 0; i < PQntuples(res); i++) {
    Row r;
    r.t = std::strtoll(PQgetvalue(res, i, 0), nullptr, 10);
    r.metric_null = PQgetisnull(res, i, 1);
    r.metric = PQgetvalue(res, i, 1);
    r.value_null = PQgetisnull(res, i, 2);
    r.value = r.value_null ? 0 : std::strtod(PQgetvalue(res, i, 2), nullptr);  // NaN, Infinity too
    r.stale = !PQgetisnull(res, i, 3) && PQgetvalue(res, i, 3)[0] == 't';
    if (r.stale) r.value = stale_nan();
    rows.push_back(std::move(r));
  }
  PQclear(res);
  return rows;
}

void SqlBackend::take_annotations(Value* v) {
  static const std::string kWarning = "PromQL warning: ", kInfo = "PromQL info: ";
  for (const std::string& n : notices_) {
    if (n.compare(0, kWarning.size(), kWarning) == 0) v->warnings.push_back(n);
    else if (n.compare(0, kInfo.size(), kInfo) == 0) v->infos.push_back(n);
  }
}

namespace {

// Rows of one series per sample, ascending time -> a matrix sorted by labels (the rows do not
// carry the engine's series order; the engine sorts range results by labels anyway).
Value to_matrix(const std::vector<SqlBackend::Row>& rows);

}  // namespace

Value SqlBackend::instant(const std::string* text, const NodePtr& expr, int64_t t_ms) {
  std::string q = text != nullptr ? *text : to_string(*expr);
  auto rows = query(
      "SELECT (extract(epoch FROM time) * 1000)::int8, metric, value, observe.is_stale(value) "
      "FROM observe.promql($1, 'epoch'::timestamptz + $2::int8 * interval '1 ms', $3::regclass)",
      {q, std::to_string(t_ms), table_});
  // The rows alone do not tell an empty vector from an empty matrix: the query's type does.
  ValueType type = parse_expr(q)->type();
  Value v;
  v.type = type;
  v.t = t_ms;
  switch (type) {
    case ValueType::kScalar:
    case ValueType::kString:
      if (rows.size() != 1) throw std::runtime_error("SQL: " + std::to_string(rows.size()) + " rows for a scalar/string");
      if (type == ValueType::kScalar) {
        if (!rows[0].metric_null || rows[0].value_null) throw std::runtime_error("SQL: scalar row shape");
        v.scalar = rows[0].value;
      } else {
        if (rows[0].metric_null || !rows[0].value_null) throw std::runtime_error("SQL: string row shape");
        v.str = rows[0].metric;
      }
      break;
    case ValueType::kVector:
      for (const auto& r : rows) {
        if (r.metric_null || r.value_null || r.t != t_ms) throw std::runtime_error("SQL: vector row shape");
        v.vector.push_back({parse_series(r.metric), r.value, t_ms, false});
      }
      break;
    case ValueType::kMatrix:
      v = to_matrix(rows);
      break;
    case ValueType::kNone:
      break;
  }
  take_annotations(&v);
  return v;
}

Value SqlBackend::range(const std::string* text, const NodePtr& expr, int64_t start_ms, int64_t end_ms,
                        int64_t step_ms) {
  std::string q = text != nullptr ? *text : to_string(*expr);
  auto rows = query(
      "SELECT (extract(epoch FROM time) * 1000)::int8, metric, value, observe.is_stale(value) "
      "FROM observe.promql_range($1, 'epoch'::timestamptz + $2::int8 * interval '1 ms', "
      "'epoch'::timestamptz + $3::int8 * interval '1 ms', $4::int8 * interval '1 ms', $5::regclass)",
      {q, std::to_string(start_ms), std::to_string(end_ms), std::to_string(step_ms), table_});
  Value v = to_matrix(rows);
  take_annotations(&v);
  return v;
}

namespace {

Value to_matrix(const std::vector<SqlBackend::Row>& rows) {
  std::map<std::string, Series> by_metric;
  const Series* prev = nullptr;
  for (const auto& r : rows) {
    if (r.metric_null || r.value_null) throw std::runtime_error("SQL: matrix row shape");
    Series& s = by_metric[r.metric];
    if (s.samples.empty()) s.metric = parse_series(r.metric);
    // Within one time the rows follow the matrix's label order (what the engine's sorted
    // range results give): checked here since the series are rebuilt in label order below.
    if (prev != nullptr && prev->samples.back().t == r.t && !(prev->metric < s.metric))
      throw std::runtime_error("SQL: rows of one time not in label order: " + prev->metric.to_string() + ", " + r.metric);
    if (!s.samples.empty() && s.samples.back().t >= r.t) throw std::runtime_error("SQL: matrix rows not in time order");
    prev = &s;
    s.samples.push_back({r.t, r.value});
  }
  Value v;
  v.type = ValueType::kMatrix;
  for (auto& [_, s] : by_metric) v.matrix.push_back(std::move(s));
  std::sort(v.matrix.begin(), v.matrix.end(), [](const Series& a, const Series& b) { return a.metric < b.metric; });
  return v;
}

}  // namespace

}  // namespace observe::promql::conformance
