// Prometheus's query API (web/api/v1 of Prometheus 2.53/3.x) on an observe_ts table: the core
// PromQL engine as observe.promql runs it, answers in Prometheus's JSON.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/httpapi/json.h"
#include "core/httpapi/promql_ast_json.h"
#include "core/httpapi/responses.h"
#include "core/httpapi/stream.h"
#include "core/promql/engine.h"
#include "core/promql/parser.h"
#include "core/promql/printer.h"
#include "pg/border/border.h"
#include "pg/http/http_api.h"
#include "pg/http/http_txn.h"
#include "pg/http/http_guc.h"
#include "pg/module/guc.h"
#include "pg/promql/promql_request.h"
#include "pg/promql/promql_storage.h"

extern "C" {
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "utils/regproc.h"
}

namespace observe::pg {

namespace {

using httpapi::Form;

Oid table_by_name(const char* qualified) {
  return pg_guard([qualified] {
    List* names = stringToQualifiedNameList(qualified);
    return RangeVarGetRelid(makeRangeVarFromNameList(names), NoLock, false);
  });
}

}  // namespace

void prom_success(HttpResponse& resp, const std::string& data, const std::vector<std::string>& warnings,
                  const std::vector<std::string>& infos) {
  resp.status = 200;
  resp.content_type = "application/json";
  resp.body = httpapi::prom_success_body(data, warnings, infos);
}

namespace {

// The answer is written from the result while it is sent (core/httpapi/stream.h).
void stream_result(HttpResponse& resp, promql::Result r) {
  resp.status = 200;
  resp.content_type = "application/json";
  resp.stream = std::make_unique<httpapi::QueryResultStream>(std::move(r), "", true);
}

std::string required_query(const Form& f) {
  // An absent query is an empty one: the parser's "no expression found in input".
  return f.value("query");
}

// Every series matching one of the selectors with a sample in [start, end]; without selectors
// (labels, label values) every series.
std::vector<Labels> matching_series(const Form& f, bool require_match) {
  std::vector<Matchers> sets = prom_match_params(f);
  if (sets.empty()) {
    if (require_match) throw observe::Error(ErrorKind::kInvalidParameter, "no match[] parameter provided");
    sets.push_back({LabelMatcher(MatchOp::kRegexMatch, std::string(kMetricNameLabel), ".+")});
  }
  int64_t start = httpapi::prom_time_param(f, "start", httpapi::kPromMinTimeMs);
  int64_t end = httpapi::prom_time_param(f, "end", httpapi::kPromMaxTimeMs);
  if (end < start)
    throw observe::Error(ErrorKind::kInvalidParameter, "invalid parameter \"end\": end timestamp must not be before start time");
  TsQueryable storage(http_metrics_table());
  std::set<Labels> seen;
  for (const Matchers& m : sets)
    for (promql::SeriesData& s : storage.select(m, start, end))
      if (!s.samples.empty()) seen.insert(std::move(s.labels));
  return std::vector<Labels>(seen.begin(), seen.end());
}

// A parse error as Prometheus words it: `invalid parameter "query": 1:5: parse error: ...`.
template <typename F>
auto with_query_errors(const std::string& query, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const observe::Error& e) {
    if (e.kind() != ErrorKind::kSyntax) throw;
    int pos = std::max(0, std::min<int>(e.position(), static_cast<int>(query.size())));
    int line = 1, col = 1;
    for (int i = 0; i < pos; i++) {
      if (query[i] == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    throw observe::Error(ErrorKind::kSyntax, "invalid parameter \"query\": " + std::to_string(line) + ":" +
                                                 std::to_string(col) + ": parse error: " + e.what());
  }
}

// Prometheus's parseLimitParam: absent is no limit; otherwise a positive integer.
size_t limit_param(const Form& f) {
  std::optional<std::string> text = f.get("limit");
  if (!text || text->empty()) return SIZE_MAX;
  char* end = nullptr;
  errno = 0;
  long long v = strtoll(text->c_str(), &end, 10);
  if (end == text->c_str() || *end != '\0' || errno == ERANGE || isspace(static_cast<unsigned char>((*text)[0])))
    throw observe::Error(ErrorKind::kInvalidParameter,
                         "invalid parameter \"limit\": strconv.Atoi: parsing " + quote_for_message(*text, 64) + ": invalid syntax");
  if (v <= 0) throw observe::Error(ErrorKind::kInvalidParameter, "invalid parameter \"limit\": limit must be positive");
  return static_cast<size_t>(v);
}

// Cuts a result to the limit, with Prometheus's warning when it did.
template <typename T>
std::vector<std::string> apply_limit(std::vector<T>& items, size_t limit) {
  if (items.size() <= limit) return {};
  items.resize(limit);
  return {"results truncated due to limit"};
}

bool valid_label_name(const std::string& name) {
  // Prometheus 3 accepts any UTF-8 name; 2.x the legacy charset. Valid UTF-8 and non-empty.
  return !name.empty() && valid_utf8(name);
}

}  // namespace

// The matchers of match[] selectors (Prometheus's parseMatchersParam); anything but a vector
// selector is refused.
std::vector<Matchers> prom_match_params(const httpapi::Form& f) {
  std::vector<Matchers> out;
  for (const std::string& text : f.all("match[]")) {
    promql::NodePtr n;
    try {
      n = promql::parse_expr(text);
    } catch (const observe::Error& e) {
      throw observe::Error(ErrorKind::kInvalidParameter, std::string("invalid parameter \"match[]\": ") + e.what());
    }
    if (n->kind != promql::NodeKind::kVectorSelector)
      throw observe::Error(ErrorKind::kInvalidParameter,
                           "invalid parameter \"match[]\": invalid parameter \"match[]\": expected vector selector");
    out.push_back(n->matchers);
  }
  return out;
}

Oid http_metrics_table() { return table_by_name(guc_http_metrics_table); }
Oid http_logs_table() { return table_by_name(guc_http_logs_table); }

void prom_query(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  std::string query = required_query(req.form);
  int64_t t = httpapi::prom_time_param(req.form, "time", req.now_ms);
  if (auto timeout = httpapi::prom_timeout_param_ms(req.form)) shorten_request_timeout(*timeout);
  TsQueryable storage(http_metrics_table());
  promql::Result r =
      with_query_errors(query, [&] { return promql::instant_query(storage, query, t, promql_engine_options()); });
  stream_result(resp, std::move(r));
}

void prom_query_range(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  std::string query = required_query(req.form);
  httpapi::PromRangeParams p = httpapi::prom_range_params(req.form);
  if (auto timeout = httpapi::prom_timeout_param_ms(req.form)) shorten_request_timeout(*timeout);
  TsQueryable storage(http_metrics_table());
  promql::Result r = with_query_errors(query, [&] {
    return promql::range_query(storage, query, p.start_ms, p.end_ms, p.step_ms, promql_engine_options());
  });
  stream_result(resp, std::move(r));
}

void prom_series(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  size_t limit = limit_param(req.form);
  std::vector<Labels> series = matching_series(req.form, true);
  std::vector<std::string> warnings = apply_limit(series, limit);
  std::string data;
  httpapi::append_labels_array(data, series);
  prom_success(resp, data, warnings);
}

void prom_labels(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  size_t limit = limit_param(req.form);
  std::set<std::string> names;
  for (const Labels& l : matching_series(req.form, false))
    for (const Label& x : l.items()) names.insert(x.name);
  std::vector<std::string> list(names.begin(), names.end());
  std::vector<std::string> warnings = apply_limit(list, limit);
  std::string data;
  httpapi::append_string_array(data, list);
  prom_success(resp, data, warnings);
}

void prom_label_values(const HttpRequest& req, const std::string& name, HttpResponse& resp) {
  if (!valid_label_name(name))
    throw observe::Error(ErrorKind::kInvalidParameter, "invalid label name: " + quote_for_message(name, 128));
  size_t limit = limit_param(req.form);
  std::set<std::string> values;
  for (const Labels& l : matching_series(req.form, false)) {
    std::string_view v = l.get(name);
    if (!v.empty()) values.emplace(v);
  }
  std::vector<std::string> list(values.begin(), values.end());
  std::vector<std::string> warnings = apply_limit(list, limit);
  std::string data;
  httpapi::append_string_array(data, list);
  prom_success(resp, data, warnings);
}

// pg_observe keeps no metric metadata (TYPE/HELP) yet: Prometheus's answer for none.
void prom_metadata(const HttpRequest&, const std::string&, HttpResponse& resp) { prom_success(resp, "{}"); }

// Exemplars are not stored: the empty list Prometheus gives when it has none.
void prom_query_exemplars(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  std::string query = required_query(req.form);
  (void)with_query_errors(query, [&] { return promql::parse_expr(query); });  // a bad query is still bad_data
  prom_success(resp, "[]");
}

void prom_format_query(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  std::string query = required_query(req.form);
  promql::NodePtr n = with_query_errors(query, [&] { return promql::parse_expr(query); });
  std::string data;
  httpapi::append_json_string(data, promql::to_string(*n));
  prom_success(resp, data);
}

// The syntax tree as Prometheus's UI reads it (web/api/v1/translate_ast.go).
void prom_parse_query(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  std::string query = required_query(req.form);
  promql::NodePtr n = with_query_errors(query, [&] { return promql::parse_expr(query); });
  prom_success(resp, httpapi::promql_ast_json(*n));
}

// The API level pg_observe answers as; "application" tells clients what they talk to.
void prom_buildinfo(const HttpRequest&, const std::string&, HttpResponse& resp) {
  prom_success(resp, "{\"version\":\"2.53.0\",\"revision\":\"pg_observe-" OBSERVE_VERSION
                "\",\"branch\":\"\",\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"\","
                "\"application\":\"pg_observe " OBSERVE_VERSION "\"}");
}

void prom_runtimeinfo(const HttpRequest&, const std::string&, HttpResponse& resp) {
  prom_success(resp, "{\"startTime\":\"1970-01-01T00:00:00Z\",\"CWD\":\"\",\"reloadConfigSuccess\":true,"
                "\"lastConfigTime\":\"1970-01-01T00:00:00Z\",\"corruptionCount\":0,\"goroutineCount\":0,"
                "\"GOMAXPROCS\":1,\"GOMEMLIMIT\":0,\"GOGC\":\"\",\"GODEBUG\":\"\",\"storageRetention\":\"\"}");
}

void prom_flags(const HttpRequest&, const std::string&, HttpResponse& resp) {
  std::string data = "{\"query.lookback-delta\":";
  httpapi::append_json_string(data, promql::format_duration(guc_promql_lookback_ms));
  data += ",\"query.max-samples\":";
  httpapi::append_json_string(data, std::to_string(guc_promql_max_samples));
  data += ",\"query.timeout\":";
  httpapi::append_json_string(data, promql::format_duration(guc_http_timeout_ms));
  data += "}";
  prom_success(resp, data);
}

void health_ok(const HttpRequest&, const std::string&, HttpResponse& resp) {
  resp.content_type = "text/plain; charset=utf-8";
  resp.body = "pg_observe is Healthy.\n";
}

void loki_ready(const HttpRequest&, const std::string&, HttpResponse& resp) {
  resp.content_type = "text/plain; charset=utf-8";
  resp.body = "ready\n";
}

}  // namespace observe::pg
