#include "sql_logs.h"

#include <unistd.h>

#include <stdexcept>

#include "core/logql/parser.h"

namespace observe::logql::conformance {

using observe::conformance::copy_field;
using observe::conformance::labels_json;
using observe::conformance::timestamp_text_us;

namespace {

// A result's label set as the functions print it, `{a="b", c=""}`: read as a LogQL stream
// selector of equality matchers, which keeps the empty values LogQL results can have.
Labels parse_metric(const std::string& text) {
  if (text == "{}") return Labels();
  std::vector<Label> items;
  for (const LabelMatcher& m : parse_query(text).log.matchers) items.push_back({m.name(), m.value()});
  return Labels::with_empty_values(std::move(items));
}

}  // namespace

SqlLogs::SqlLogs(const std::string& conninfo, bool copy) : sql_(conninfo), copy_(copy) {
  schema_ = "logql_conformance_" + std::to_string(getpid());
  // The in-process runner's limits: none but PromQL's sample budget.
  sql_.exec("SET observe.logql_max_query_series = 2147483647");
  sql_.exec("SET extra_float_digits = 3");  // float8 text that reads back exactly
  sql_.exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  sql_.exec("CREATE SCHEMA " + schema_);
  clear();
}

SqlLogs::~SqlLogs() {
  try {
    sql_.exec("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
  } catch (const std::exception&) {
    // The connection is gone: nothing left to drop from here.
  }
}

void SqlLogs::clear() {
  pending_.clear();
  if (!table_.empty()) sql_.exec("DROP TABLE " + table_);
  table_ = schema_ + ".t" + std::to_string(++tables_);
  sql_.exec("CREATE TABLE " + table_ + " (time timestamptz, labels jsonb, line text, metadata jsonb) USING observe_log");
}

void SqlLogs::append(const Labels& stream, int64_t ts_ns, const std::string& line, const Labels& metadata) {
  // timestamptz holds µs; the scripts load at whole milliseconds.
  if (ts_ns % 1000 != 0) throw std::runtime_error("a line below microsecond precision cannot be stored exactly");
  pending_.push_back({labels_json(stream, false), metadata.empty() ? "" : labels_json(metadata, false), ts_ns / 1000,
                      line});
}

void SqlLogs::flush() {
  constexpr size_t kBatch = 1000;  // rows per INSERT statement
  std::string copy_data, insert;
  size_t batched = 0;
  for (const Pending& p : pending_) {
    std::string time = timestamp_text_us(p.ts_us);
    if (copy_) {
      copy_data += time + "\t" + copy_field(p.labels_json) + "\t" + copy_field(p.line) + "\t" +
                   (p.metadata_json.empty() ? "\\N" : copy_field(p.metadata_json)) + "\n";
      continue;
    }
    insert += batched == 0 ? "INSERT INTO " + table_ + " (time, labels, line, metadata) VALUES (" : ", (";
    insert += "'" + time + "', " + sql_.literal(p.labels_json) + ", " + sql_.literal(p.line) + ", " +
              (p.metadata_json.empty() ? "NULL" : sql_.literal(p.metadata_json)) + ")";
    if (++batched == kBatch) {
      sql_.exec(insert);
      insert.clear();
      batched = 0;
    }
  }
  if (batched > 0) sql_.exec(insert);
  if (!copy_data.empty()) sql_.copy_in("COPY " + table_ + " (time, labels, line, metadata) FROM STDIN", copy_data);
  pending_.clear();
}

promql::Value SqlLogs::instant(const std::string& query, int64_t t_ms) {
  flush();
  auto rows = sql_.rows(
      "SELECT (extract(epoch FROM time) * 1000)::int8, metric, value, false "
      "FROM observe.logql_instant($1, 'epoch'::timestamptz + $2::int8 * interval '1 ms', $3::regclass)",
      {query, std::to_string(t_ms), table_});
  promql::Value v;
  v.t = t_ms;
  // A scalar is one row without a metric; a vector a row per element (none when empty).
  if (rows.size() == 1 && rows[0].metric_null) {
    v.type = promql::ValueType::kScalar;
    v.scalar = rows[0].value;
    return v;
  }
  v.type = promql::ValueType::kVector;
  for (const auto& r : rows) {
    if (r.metric_null || r.value_null || r.t != t_ms) throw std::runtime_error("SQL: vector row shape");
    v.vector.push_back({parse_metric(r.metric), r.value, t_ms, false});
  }
  return v;
}

promql::Value SqlLogs::range(const std::string& query, int64_t start_ms, int64_t end_ms, int64_t step_ms) {
  flush();
  auto rows = sql_.rows(
      "SELECT (extract(epoch FROM time) * 1000)::int8, metric, value, false "
      "FROM observe.logql_range($1, 'epoch'::timestamptz + $2::int8 * interval '1 ms', "
      "'epoch'::timestamptz + $3::int8 * interval '1 ms', $4::int8 * interval '1 ms', $5::regclass)",
      {query, std::to_string(start_ms), std::to_string(end_ms), std::to_string(step_ms), table_});
  return observe::conformance::rows_to_matrix(rows, parse_metric);
}

}  // namespace observe::logql::conformance
