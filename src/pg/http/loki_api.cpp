// Loki's HTTP API (Loki 2.9/3.x pkg/loghttp) on an observe_log table: push through
// observe.push_loki's decoder and storage path, LogQL through the core engine as observe.logql
// runs it, answers in Loki's JSON.
#include <algorithm>
#include <chrono>
#include <climits>
#include <map>
#include <set>
#include <string>
#include <strings.h>
#include <vector>

#include "core/common/error.h"
#include "core/httpapi/json.h"
#include "core/httpapi/loki_detected.h"
#include "core/httpapi/responses.h"
#include "core/httpapi/stream.h"
#include "core/logql/engine.h"
#include "core/logql/parser.h"
#include "pg/border/border.h"
#include "pg/http/http_api.h"
#include "pg/http/http_tail.h"
#include "pg/logql/logql_source.h"
#include "pg/module/guc.h"

extern "C" {
#include "utils/builtins.h"
Datum observe_push_loki_request(PG_FUNCTION_ARGS);
}

namespace observe::pg {

namespace {

using httpapi::Form;
constexpr int64_t kNsPerMs = 1000000;
constexpr int64_t kNsPerS = 1000000000;

void success(HttpResponse& resp, const std::string& data) {
  resp.status = 200;
  resp.content_type = "application/json; charset=utf-8";
  resp.body = httpapi::loki_success_body(data);
}

int64_t time_param(const Form& f, const char* name, int64_t def_ns) {
  std::string v = f.value(name);
  if (v.empty()) return def_ns;
  auto t = httpapi::parse_loki_time_ns(v);
  if (!t) throw observe::Error(ErrorKind::kInvalidParameter, "invalid " + std::string(name) + " parameter: cannot parse " + quote_for_message(v, 64));
  return *t;
}

// Loki's parseSecondsOrDuration: float seconds or a Prometheus duration; in ms.
std::optional<int64_t> seconds_or_duration_ms(const std::string& v) {
  return httpapi::parse_prom_duration_ms(v);
}

struct Range {
  int64_t start_ns, end_ns;
};

// start/end/since as Loki reads them: end defaults to now, start to end - since (default
// `default_since`).
Range range_params(const HttpRequest& req, int64_t default_since_ns) {
  int64_t now_ns = req.now_ms * kNsPerMs;
  Range r;
  r.end_ns = time_param(req.form, "end", now_ns);
  int64_t since = default_since_ns;
  std::string s = req.form.value("since");
  if (!s.empty()) {
    auto d = httpapi::parse_model_duration_ms(s);
    if (!d) throw observe::Error(ErrorKind::kInvalidParameter, "invalid since parameter: " + quote_for_message(s, 64));
    if (__builtin_mul_overflow(*d, kNsPerMs, &since))
      throw observe::Error(ErrorKind::kInvalidParameter, "invalid since parameter: " + quote_for_message(s, 64));
  }
  int64_t def_start;
  if (__builtin_sub_overflow(r.end_ns, since, &def_start)) def_start = INT64_MIN;
  r.start_ns = time_param(req.form, "start", def_start);
  if (r.end_ns < r.start_ns)
    throw observe::Error(ErrorKind::kInvalidParameter, "end timestamp must not be before or equal to start time");
  int64_t span;
  if (__builtin_sub_overflow(r.end_ns, r.start_ns, &span))
    throw observe::Error(ErrorKind::kInvalidParameter, "the time range is too large");
  return r;
}

// A positive count parameter (Loki's parseInt then its range check), capped by
// observe.logql_max_entries_limit where it counts lines.
size_t count_param(const Form& f, const char* name, long long def, bool entries) {
  std::string v = f.value(name);
  long long n = def;
  if (!v.empty()) {
    char* end = nullptr;
    n = strtoll(v.c_str(), &end, 10);
    if (end == v.c_str() || *end != '\0')
      throw observe::Error(ErrorKind::kInvalidParameter, "invalid " + std::string(name) + " parameter: " + quote_for_message(v, 64));
  }
  if (n <= 0) throw observe::Error(ErrorKind::kInvalidParameter, "limit must be a positive value");
  if (entries && n > guc_logql_max_entries_limit)
    throw observe::Error(ErrorKind::kInvalidParameter,
                         "max entries limit per query exceeded, limit > max_entries_limit (" + std::to_string(n) +
                             " > " + std::to_string(guc_logql_max_entries_limit) + ")");
  return static_cast<size_t>(n);
}

size_t limit_param(const Form& f) { return count_param(f, "limit", 100, true); }

logql::Direction direction_param(const Form& f) {
  std::string v = f.value("direction");
  if (v.empty() || strcasecmp(v.c_str(), "backward") == 0) return logql::Direction::kBackward;
  if (strcasecmp(v.c_str(), "forward") == 0) return logql::Direction::kForward;
  throw observe::Error(ErrorKind::kInvalidParameter, "invalid direction " + quote_for_message(v, 64));
}

// A metric result with Loki's "stats" beside the result, written while it is sent.
void stream_metric(HttpResponse& resp, promql::Value v) {
  resp.status = 200;
  resp.content_type = "application/json; charset=utf-8";
  resp.stream = std::make_unique<httpapi::QueryResultStream>(std::move(v), ",\"stats\":{}", false);
}

std::vector<Matchers> selector_params(const Form& f, const char* name) {
  std::vector<Matchers> out;
  for (const std::string& text : f.all(name)) {
    if (text.empty()) continue;
    logql::Query q = logql::parse_query(text);
    if (!q.is_log) throw observe::Error(ErrorKind::kInvalidParameter, "only stream selectors are accepted: " + quote_for_message(text, 128));
    out.push_back(q.log.matchers);
  }
  return out;
}

std::vector<Labels> streams_matching(LogSource& source, const std::vector<Matchers>& sets, const Range& r) {
  std::set<Labels> seen;
  if (sets.empty()) {
    for (auto& s : source.store().select({}, r.start_ns, r.end_ns)) seen.insert(s.labels);
  } else {
    for (const Matchers& m : sets)
      for (auto& s : source.store().select(m, r.start_ns, r.end_ns)) seen.insert(s.labels);
  }
  return std::vector<Labels>(seen.begin(), seen.end());
}

constexpr int64_t kSixHoursNs = 6LL * 3600 * kNsPerS;
constexpr int64_t kOneHourNs = 3600LL * kNsPerS;

}  // namespace

void loki_push(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  if (req.method != "POST") {
    resp.status = 405;
    resp.content_type = "text/plain; charset=utf-8";
    resp.body = "push requires POST\n";
    return;
  }
  Oid table = http_logs_table();
  const std::string& body = req.body;
  const std::string& type = req.content_type;
  const std::string& encoding = req.content_encoding;
  pg_guard([&] {
    bytea* payload = static_cast<bytea*>(palloc(VARHDRSZ + body.size()));
    SET_VARSIZE(payload, VARHDRSZ + body.size());
    memcpy(VARDATA(payload), body.data(), body.size());
    (void)DirectFunctionCall4(observe_push_loki_request, PointerGetDatum(payload),
                              PointerGetDatum(cstring_to_text_with_len(type.data(), static_cast<int>(type.size()))),
                              PointerGetDatum(cstring_to_text_with_len(encoding.data(), static_cast<int>(encoding.size()))),
                              ObjectIdGetDatum(table));
  });
  resp.status = 204;
  resp.content_type = "text/plain; charset=utf-8";
  resp.body.clear();
}

void loki_query(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  std::string query = req.form.value("query");
  int64_t t_ns = time_param(req.form, "time", req.now_ms * kNsPerMs);
  logql::Query q = logql::parse_query(query);
  if (q.is_log)
    throw observe::Error(ErrorKind::kInvalidParameter,
                         "log queries are not supported as an instant query type, please change your query to a "
                         "range query type");
  LogSource source(http_logs_table());
  promql::Value v = logql::instant_query(source.store(), q, t_ns / kNsPerMs, logql_engine_options());
  stream_metric(resp, std::move(v));
}

void loki_query_range(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  std::string query = req.form.value("query");
  Range r = range_params(req, kOneHourNs);
  size_t limit = limit_param(req.form);
  logql::Direction dir = direction_param(req.form);
  logql::Query q = logql::parse_query(query);
  LogSource source(http_logs_table());
  if (q.is_log) {
    logql::LogResult lr = logql::log_query(source.store(), q, r.start_ns, r.end_ns, limit, dir, logql_engine_options());
    std::string data;
    httpapi::append_loki_streams_data(data, lr);
    success(resp, data);
    return;
  }
  int64_t step_ms;
  std::string step = req.form.value("step");
  if (step.empty()) {
    step_ms = std::max<int64_t>((r.end_ns - r.start_ns) / kNsPerS / 250, 1) * 1000;
  } else {
    auto d = seconds_or_duration_ms(step);
    if (!d) throw observe::Error(ErrorKind::kInvalidParameter, "invalid step parameter: " + quote_for_message(step, 64));
    step_ms = *d;
  }
  if (step_ms <= 0)
    throw observe::Error(ErrorKind::kInvalidParameter,
                         "zero or negative query resolution step widths are not accepted. Try a positive integer");
  int64_t start_ms = r.start_ns / kNsPerMs, end_ms = r.end_ns / kNsPerMs;
  if ((end_ms - start_ms) / step_ms > 11000)
    throw observe::Error(ErrorKind::kInvalidParameter,
                         "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                         "resolution (?step=XX)");
  promql::Value v = logql::range_query(source.store(), q, start_ms, end_ms, step_ms, logql_engine_options());
  stream_metric(resp, std::move(v));
}

void loki_labels(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  Range r = range_params(req, kSixHoursNs);
  std::vector<Matchers> sets = selector_params(req.form, "query");
  LogSource source(http_logs_table());
  std::set<std::string> names;
  for (const Labels& l : streams_matching(source, sets, r))
    for (const Label& x : l.items()) names.insert(x.name);
  std::string data;
  httpapi::append_string_array(data, std::vector<std::string>(names.begin(), names.end()));
  success(resp, data);
}

void loki_label_values(const HttpRequest& req, const std::string& name, HttpResponse& resp) {
  Range r = range_params(req, kSixHoursNs);
  std::vector<Matchers> sets = selector_params(req.form, "query");
  LogSource source(http_logs_table());
  std::set<std::string> values;
  for (const Labels& l : streams_matching(source, sets, r)) {
    if (l.has(name)) values.emplace(l.get(name));
  }
  std::string data;
  httpapi::append_string_array(data, std::vector<std::string>(values.begin(), values.end()));
  success(resp, data);
}

void loki_series(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  Range r = range_params(req, kSixHoursNs);
  std::vector<Matchers> sets = selector_params(req.form, "match[]");
  std::vector<Matchers> more = selector_params(req.form, "match");
  sets.insert(sets.end(), more.begin(), more.end());
  if (sets.empty()) throw observe::Error(ErrorKind::kInvalidParameter, "0 matcher groups supplied");
  LogSource source(http_logs_table());
  std::string data;
  httpapi::append_labels_array(data, streams_matching(source, sets, r));
  success(resp, data);
}

// Loki's index statistics of a selector over a range: streams, chunks, bytes and entries. The
// entries and bytes are counted by reading the lines (pg_observe has no per-chunk index stats
// yet); chunks is reported as 0.
void loki_index_stats(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  Range r = range_params(req, kOneHourNs);
  std::vector<Matchers> sets = selector_params(req.form, "query");
  LogSource source(http_logs_table());
  int64_t streams = 0, entries = 0, bytes = 0;
  std::set<uint64_t> done;
  std::vector<Matchers> all = sets.empty() ? std::vector<Matchers>{Matchers{}} : sets;
  for (const Matchers& m : all) {
    for (const logql::StreamRef& s : source.store().select(m, r.start_ns, r.end_ns)) {
      if (!done.insert(s.id).second) continue;
      int64_t before = entries;
      source.store().scan(s, r.start_ns, r.end_ns, logql::Direction::kForward, {}, [&](const logql::LogEntry& e) {
        entries++;
        bytes += static_cast<int64_t>(e.line.size());
        if ((entries & 4095) == 0 && interrupt_pending())
          throw observe::Error(ErrorKind::kCanceled, "canceled");
        return true;
      });
      if (entries > before) streams++;
    }
  }
  success(resp, "");
  resp.body = "{\"streams\":" + std::to_string(streams) + ",\"chunks\":0,\"bytes\":" + std::to_string(bytes) +
              ",\"entries\":" + std::to_string(entries) + "}";
}

namespace {

// The labels a volume is aggregated by: targetLabels when given, else the selector's own
// matcher labels (Loki's aggregateBy=series).
std::vector<std::string> volume_labels(const Form& f, const Matchers& selector) {
  std::vector<std::string> out;
  std::string target = f.value("targetLabels");
  if (!target.empty()) {
    size_t pos = 0;
    while (pos <= target.size()) {
      size_t comma = target.find(',', pos);
      std::string name = target.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      if (!name.empty()) out.push_back(name);
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  } else {
    for (const LabelMatcher& m : selector) out.push_back(m.name());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Bytes of log lines per aggregated label set, per step bucket (one bucket when step_ns = 0).
std::map<Labels, std::map<int64_t, int64_t>> volumes(const HttpRequest& req, const Range& r, int64_t step_ns) {
  std::vector<Matchers> sets = selector_params(req.form, "query");
  if (sets.size() != 1) throw observe::Error(ErrorKind::kInvalidParameter, "volume needs one stream selector in query");
  std::vector<std::string> by = volume_labels(req.form, sets[0]);
  LogSource source(http_logs_table());
  std::map<Labels, std::map<int64_t, int64_t>> out;
  int64_t n = 0;
  for (const logql::StreamRef& s : source.store().select(sets[0], r.start_ns, r.end_ns)) {
    std::vector<Label> kept;
    for (const std::string& name : by)
      if (s.labels.has(name)) kept.push_back({name, std::string(s.labels.get(name))});
    Labels key(std::move(kept));
    source.store().scan(s, r.start_ns, r.end_ns, logql::Direction::kForward, {}, [&](const logql::LogEntry& e) {
      int64_t bucket = step_ns > 0 ? r.start_ns + (e.ts_ns - r.start_ns) / step_ns * step_ns : r.end_ns;
      out[key][bucket] += static_cast<int64_t>(e.line.size());
      if ((++n & 4095) == 0 && interrupt_pending()) throw observe::Error(ErrorKind::kCanceled, "canceled");
      return true;
    });
  }
  return out;
}

}  // namespace

// Loki's index/volume: bytes per label set over the range, largest first, at most `limit`.
void loki_index_volume(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  Range r = range_params(req, kOneHourNs);
  size_t limit = limit_param(req.form);
  auto v = volumes(req, r, 0);
  std::vector<std::pair<int64_t, const Labels*>> order;
  for (const auto& [labels, buckets] : v) order.emplace_back(buckets.begin()->second, &labels);
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  if (order.size() > limit) order.resize(limit);
  promql::Value val;
  val.type = promql::ValueType::kVector;
  for (const auto& [bytes, labels] : order)
    val.vector.push_back({*labels, static_cast<double>(bytes), r.end_ns / kNsPerMs, false});
  std::string data;
  httpapi::append_query_data(data, val);
  success(resp, data);
}

// Loki's index/volume_range: the same per step.
void loki_index_volume_range(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  Range r = range_params(req, kOneHourNs);
  std::string step = req.form.value("step");
  int64_t step_ms = std::max<int64_t>((r.end_ns - r.start_ns) / kNsPerS / 250, 1) * 1000;
  if (!step.empty()) {
    auto d = seconds_or_duration_ms(step);
    if (!d || *d <= 0 || *d > INT64_MAX / kNsPerMs)
      throw observe::Error(ErrorKind::kInvalidParameter, "invalid step parameter: " + quote_for_message(step, 64));
    step_ms = *d;
  }
  if ((r.end_ns - r.start_ns) / (step_ms * kNsPerMs) > 11000)
    throw observe::Error(ErrorKind::kInvalidParameter,
                         "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
                         "resolution (?step=XX)");
  auto v = volumes(req, r, step_ms * kNsPerMs);
  promql::Value val;
  val.type = promql::ValueType::kMatrix;
  for (const auto& [labels, buckets] : v) {
    promql::Series s;
    s.metric = labels;
    for (const auto& [t, bytes] : buckets) s.samples.push_back({t / kNsPerMs, static_cast<double>(bytes)});
    val.matrix.push_back(std::move(s));
  }
  std::string data;
  httpapi::append_query_data(data, val);
  success(resp, data);
}

// Loki 3's detected_labels: the stream labels worth offering, with their cardinality; no
// {status, data} envelope (Loki writes the response message as is).
void loki_detected_labels(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  Range r = range_params(req, kOneHourNs);
  std::vector<Matchers> sets = selector_params(req.form, "query");
  LogSource source(http_logs_table());
  resp.status = 200;
  resp.content_type = "application/json; charset=utf-8";
  resp.body = httpapi::loki_detected_labels_json(streams_matching(source, sets, r)) + "\n";
}

// detected_fields (name empty) and detected_field/<name>/values: the newest line_limit lines of
// the query (a log query: a selector, with filters), their fields as Loki detects them.
void loki_detected_fields(const HttpRequest& req, const std::string& name, HttpResponse& resp) {
  Range r = range_params(req, kOneHourNs);
  size_t line_limit = count_param(req.form, "line_limit", 100, true);
  const char* limit_name = req.form.get("limit") ? "limit" : "field_limit";
  size_t field_limit = count_param(req.form, limit_name, 1000, false);
  std::string query = req.form.value("query");
  logql::Query q = logql::parse_query(query);
  if (!q.is_log) throw observe::Error(ErrorKind::kInvalidParameter, "only log queries are accepted: " + quote_for_message(query, 128));
  LogSource source(http_logs_table());
  logql::LogResult lr = logql::log_query(source.store(), q, r.start_ns, r.end_ns, line_limit, logql::Direction::kBackward,
                                         logql_engine_options());
  httpapi::DetectedFields fields(field_limit);
  for (const logql::LogStreamResult& s : lr.streams)
    for (const auto& [ts, line] : s.entries) fields.add(s.labels, line, Labels());
  resp.status = 200;
  resp.content_type = "application/json; charset=utf-8";
  resp.body = (name.empty() ? fields.fields_json() : fields.values_json(name)) + "\n";
}

void loki_buildinfo(const HttpRequest&, const std::string&, HttpResponse& resp) {
  resp.status = 200;
  resp.content_type = "application/json; charset=utf-8";
  resp.body = "{\"version\":\"2.9.9\",\"revision\":\"pg_observe-" OBSERVE_VERSION
              "\",\"branch\":\"\",\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"\"}";
}

// /loki/api/v1/tail (pkg/loghttp ParseTailQuery and the querier's checks): a log query, start
// (default an hour ago), limit, delay_for in whole seconds up to 5.
namespace {

struct TailParams {
  logql::Query query;
  int64_t start_ns;
  int64_t delay_ns;
  size_t limit;
};

TailParams tail_params(const HttpRequest& req) {
  constexpr int64_t kMaxDelayForS = 5;
  TailParams p{logql::parse_query(req.form.value("query")), 0, 0, limit_param(req.form)};
  if (!p.query.is_log)
    throw observe::Error(ErrorKind::kInvalidParameter, "tail supports log queries only, not metric queries");
  p.start_ns = time_param(req.form, "start", req.now_ms * kNsPerMs - 3600 * kNsPerS);
  std::string d = req.form.value("delay_for");
  long long delay = 0;
  if (!d.empty()) {
    char* end = nullptr;
    delay = strtoll(d.c_str(), &end, 10);
    if (end == d.c_str() || *end != '\0' || delay < 0)
      throw observe::Error(ErrorKind::kInvalidParameter, "invalid delay_for parameter: " + quote_for_message(d, 64));
  }
  if (delay > kMaxDelayForS)
    throw observe::Error(ErrorKind::kInvalidParameter,
                         "delay_for can't be greater than " + std::to_string(kMaxDelayForS));
  p.delay_ns = delay * kNsPerS;
  return p;
}

}  // namespace

void loki_tail_check(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  tail_params(req);
  LogSource source(http_logs_table());  // the role must be able to read it
  resp.status = 101;
  resp.body.clear();
  resp.headers.emplace_back("Sec-WebSocket-Accept", websocket_accept(req.websocket_key));
}

void loki_tail_poll(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  TailParams p = tail_params(req);
  int64_t end_ns = req.now_ms * kNsPerMs - p.delay_ns;
  logql::Direction dir = direction_param(req.form);
  resp.status = 200;
  resp.body.clear();
  int64_t next = std::max(p.start_ns, end_ns);
  if (end_ns > p.start_ns) {
    LogSource source(http_logs_table());
    logql::LogResult lr = logql::log_query(source.store(), p.query, p.start_ns, end_ns, p.limit, dir,
                                           logql_engine_options());
    size_t n = 0;
    int64_t newest = INT64_MIN;
    for (const auto& s : lr.streams) {
      n += s.entries.size();
      for (const auto& e : s.entries) newest = std::max(newest, e.first);
    }
    if (n > 0) resp.body = httpapi::loki_tail_message(lr);
    // Forward and cut by the limit: go on right after the newest sent. Otherwise everything
    // before end was sent (backward: the history's newest `limit`, as Loki's tail starts).
    if (dir == logql::Direction::kForward && n >= p.limit) next = newest + 1;
  }
  resp.headers.emplace_back("x-tail-next-start", std::to_string(next));
}

}  // namespace observe::pg
