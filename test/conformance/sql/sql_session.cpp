#include "sql_session.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <stdexcept>

#include "core/promql/parser.h"

namespace observe::conformance {

struct SqlSession::Conn {
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

}  // namespace

SqlSession::SqlSession(const std::string& conninfo) : conn_(new Conn) {
  conn_->pg = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn_->pg) != CONNECTION_OK) throw std::runtime_error("connection failed: " + error_of(conn_->pg, nullptr));
  PQsetNoticeReceiver(
      conn_->pg,
      [](void* self, const PGresult* res) {
        const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
        if (primary != nullptr) static_cast<SqlSession*>(self)->notices_.push_back(primary);
      },
      this);
}

SqlSession::~SqlSession() = default;

void SqlSession::exec(const std::string& sql) {
  PGresult* res = PQexec(conn_->pg, sql.c_str());
  ExecStatusType st = PQresultStatus(res);
  std::string err = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? "" : error_of(conn_->pg, res);
  PQclear(res);
  if (!err.empty()) throw std::runtime_error(sql.substr(0, 200) + ": " + err);
}

std::string SqlSession::literal(const std::string& s) {
  char* lit = PQescapeLiteral(conn_->pg, s.data(), s.size());
  if (lit == nullptr) throw std::runtime_error("PQescapeLiteral: " + error_of(conn_->pg, nullptr));
  std::string out = lit;
  PQfreemem(lit);
  return out;
}

void SqlSession::copy_in(const std::string& copy_sql, const std::string& data) {
  PGconn* pg = conn_->pg;
  PGresult* res = PQexec(pg, copy_sql.c_str());
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

std::vector<SqlRow> SqlSession::rows(const char* sql, const std::vector<std::string>& params) {
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
  std::vector<SqlRow> rows;
  for (int i = 0; i < PQntuples(res); i++) {
    SqlRow r;
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

std::string labels_json(const Labels& ls, bool skip_name) {
  std::string out = "{";
  for (const auto& l : ls.items()) {
    if (skip_name && l.name == kMetricNameLabel) continue;
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

std::string timestamp_text_us(int64_t us) {
  int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
  int frac = static_cast<int>(us - secs * 1000000);
  time_t tt = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", tm.tm_year + 1900, tm.tm_mon + 1,
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

promql::Value rows_to_matrix(const std::vector<SqlRow>& rows, const MetricParser& parse_metric) {
  std::map<std::string, promql::Series> by_metric;
  const promql::Series* prev = nullptr;
  for (const auto& r : rows) {
    if (r.metric_null || r.value_null) throw std::runtime_error("SQL: matrix row shape");
    promql::Series& s = by_metric[r.metric];
    if (s.samples.empty()) s.metric = parse_metric ? parse_metric(r.metric) : promql::parse_series(r.metric);
    // Within one time the rows follow the matrix's label order (what the engine's sorted
    // range results give): checked here since the series are rebuilt in label order below.
    if (prev != nullptr && prev->samples.back().t == r.t && !(prev->metric < s.metric))
      throw std::runtime_error("SQL: rows of one time not in label order: " + prev->metric.to_string() + ", " + r.metric);
    if (!s.samples.empty() && s.samples.back().t >= r.t) throw std::runtime_error("SQL: matrix rows not in time order");
    prev = &s;
    s.samples.push_back({r.t, r.value});
  }
  promql::Value v;
  v.type = promql::ValueType::kMatrix;
  for (auto& [_, s] : by_metric) v.matrix.push_back(std::move(s));
  std::sort(v.matrix.begin(), v.matrix.end(), [](const promql::Series& a, const promql::Series& b) { return a.metric < b.metric; });
  return v;
}

}  // namespace observe::conformance
