#include "sql_backend.h"

#include <unistd.h>

#include <stdexcept>

#include "core/promql/engine.h"
#include "core/promql/parser.h"
#include "core/promql/printer.h"

namespace observe::promql::conformance {

using observe::conformance::copy_field;
using observe::conformance::float_text;
using observe::conformance::labels_json;
using observe::conformance::SqlRow;
using observe::conformance::timestamp_text_us;

namespace {

// ms since the epoch as a UTC timestamptz literal; the corpus loads from t=0 on.
std::string timestamp_text(int64_t ms) { return timestamp_text_us(ms * 1000); }

}  // namespace

SqlBackend::SqlBackend(const std::string& conninfo, bool copy) : sql_(conninfo), copy_(copy) {
  schema_ = "promql_conformance_" + std::to_string(getpid());
  sql_.exec("SET client_min_messages = notice");  // annotations come as NOTICEs
  sql_.exec("SET extra_float_digits = 3");        // float8 text that reads back exactly
  sql_.exec("SET observe.promql_max_samples = 10000");  // what the upstream test engine uses
  sql_.exec("SET observe.promql_lookback_delta = 300000");
  sql_.exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  sql_.exec("CREATE SCHEMA " + schema_);
  clear();
}

SqlBackend::~SqlBackend() {
  try {
    sql_.exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  } catch (const std::exception&) {
    // The connection is gone: nothing left to drop from here.
  }
}

void SqlBackend::clear() {
  pending_.clear();
  if (!table_.empty()) sql_.exec("DROP TABLE " + table_);
  table_ = schema_ + ".t" + std::to_string(++tables_);
  sql_.exec("CREATE TABLE " + table_ + " (time timestamptz, name text, labels jsonb, value float8) USING observe_ts");
}

void SqlBackend::add(const Labels& series, int64_t t_ms, double v) { pending_.push_back({series, t_ms, v}); }

void SqlBackend::flush() {
  constexpr size_t kBatch = 2000;  // rows per INSERT statement
  std::string copy_data, insert;
  size_t batched = 0;
  auto send_insert = [&] {
    if (batched > 0) sql_.exec(insert);
    insert.clear();
    batched = 0;
  };
  for (const Pending& p : pending_) {
    // A series without __name__ has a NULL name.
    bool named = p.series.has(kMetricNameLabel);
    std::string name(p.series.metric_name());
    std::string json = labels_json(p.series, true);
    if (copy_ && !is_stale_nan(p.v)) {
      copy_data += timestamp_text(p.t) + "\t" + (named ? copy_field(name) : "\\N") + "\t" + copy_field(json) + "\t" +
                   float_text(p.v) + "\n";
      continue;
    }
    // Staleness markers are a NaN payload the float8 text form loses: observe.stale_marker().
    insert += batched == 0 ? "INSERT INTO " + table_ + " (time, name, labels, value) VALUES (" : ", (";
    insert += "'" + timestamp_text(p.t) + "', " + (named ? sql_.literal(name) : "NULL") + ", " + sql_.literal(json) + ", " +
              (is_stale_nan(p.v) ? "observe.stale_marker()" : "'" + float_text(p.v) + "'::float8") + ")";
    if (++batched == kBatch) send_insert();
  }
  send_insert();
  if (!copy_data.empty()) sql_.copy_in("COPY " + table_ + " (time, name, labels, value) FROM STDIN", copy_data);
  pending_.clear();
}

std::vector<SqlRow> SqlBackend::query(const char* sql, const std::vector<std::string>& params) {
  flush();
  return sql_.rows(sql, params);
}

void SqlBackend::take_annotations(Value* v) {
  static const std::string kWarning = "PromQL warning: ", kInfo = "PromQL info: ";
  for (const std::string& n : sql_.notices()) {
    if (n.compare(0, kWarning.size(), kWarning) == 0) v->warnings.push_back(n);
    else if (n.compare(0, kInfo.size(), kInfo) == 0) v->infos.push_back(n);
  }
}

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
      v = observe::conformance::rows_to_matrix(rows);
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
  Value v = observe::conformance::rows_to_matrix(rows);
  take_annotations(&v);
  return v;
}

}  // namespace observe::promql::conformance
