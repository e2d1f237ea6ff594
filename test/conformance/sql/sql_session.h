// The conformance runners' SQL modes (PromQL on observe_ts, LogQL on observe_log): one libpq
// session that loads rows and reads back the (time, metric, value) rows the query functions
// return, turned into the engine's Value shapes so the runners judge them as they judge the
// in-process engine.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/promql/value.h"

namespace observe::conformance {

// One row of observe.promql / promql_range / logql_instant / logql_range, read as
// (ms since the epoch int8, metric text, value float8, is_stale bool).
struct SqlRow {
  int64_t t;
  bool metric_null, value_null, stale;
  std::string metric;
  double value;
};

class SqlSession {
 public:
  // Connects and collects NOTICEs; throws std::runtime_error when the server is unreachable.
  explicit SqlSession(const std::string& conninfo);
  ~SqlSession();
  SqlSession(const SqlSession&) = delete;
  SqlSession& operator=(const SqlSession&) = delete;

  // Throws std::runtime_error with the statement's start and the server's primary message.
  void exec(const std::string& sql);
  std::string literal(const std::string& s);
  // `copy_sql` is a COPY ... FROM STDIN; data in its format.
  void copy_in(const std::string& copy_sql, const std::string& data);
  // Runs a query whose columns are those of SqlRow; errors are thrown with the primary message
  // only (the engine's what()), so a runner compares them as the in-process engine's.
  std::vector<SqlRow> rows(const char* sql, const std::vector<std::string>& params);
  // Primary texts of the NOTICEs the last rows() call raised.
  const std::vector<std::string>& notices() const { return notices_; }

 private:
  struct Conn;
  std::unique_ptr<Conn> conn_;
  std::vector<std::string> notices_;
};

std::string json_string(const std::string& s);
// A label set as a jsonb object's text, without __name__ when skip_name.
std::string labels_json(const Labels& ls, bool skip_name);
// COPY text-format escapes of one field.
std::string copy_field(const std::string& s);
// µs since the Unix epoch as a UTC timestamptz literal (exact).
std::string timestamp_text_us(int64_t us);
// float8 text that reads back to the same double (NaN, Infinity too).
std::string float_text(double v);

// Rows of one series per sample, ascending time -> a matrix sorted by labels; checks that the
// rows of one time follow label order, as the engine's sorted range results give them.
// parse_metric reads a row's metric text (PromQL's series notation by default; LogQL keeps
// labels with empty values, which that notation drops).
using MetricParser = std::function<Labels(const std::string&)>;
promql::Value rows_to_matrix(const std::vector<SqlRow>& rows, const MetricParser& parse_metric = nullptr);

}  // namespace observe::conformance
