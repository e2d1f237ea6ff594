// LogQL from SQL on an observe_log table (observe.logs by default):
//   observe.logql(query, start_time, end_time, max_lines, direction, source)
//       a log query -> (time timestamptz, labels text, line text)
//   observe.logql_range(query, start_time, end_time, step, source)
//   observe.logql_range_series(query, start_time, end_time, step, source)
//   observe.logql_instant(query, at, source)
//       metric queries, rows shaped as promql_range / promql_range_series / promql return them
// Metric queries are evaluated by the PromQL engine (src/core/logql/engine.h), so their rows
// come out through the same emitters as PromQL's.
#include <algorithm>
#include <climits>
#include <string>
#include <strings.h>
#include <vector>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/logql/engine.h"
#include "core/logql/parser.h"
#include "pg/border/border.h"
#include "pg/border/srf_rows.h"
#include "pg/border/time_convert.h"
#include "pg/logql/logql_source.h"
#include "pg/module/guc.h"
#include "pg/promql/promql_request.h"
#include "pg/promql/promql_rows.h"

extern "C" {
#include "funcapi.h"
#include "utils/tuplestore.h"
}

namespace {

constexpr int64_t kNsPerUs = 1000;

// A timestamptz as LogQL's ns since the Unix epoch, saturating: ns reach only the years
// 1677-2262, and -infinity/infinity mean "from the beginning"/"to the end".
int64_t timestamptz_to_ns(TimestampTz ts) {
  if (TIMESTAMP_IS_NOBEGIN(ts)) return INT64_MIN;
  if (TIMESTAMP_IS_NOEND(ts)) return INT64_MAX;
  int64_t us = observe::pg::timestamptz_to_us(ts);
  if (us > INT64_MAX / kNsPerUs) return INT64_MAX;
  if (us < INT64_MIN / kNsPerUs) return INT64_MIN;
  return us * kNsPerUs;
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

observe::logql::Direction parse_direction(const char* text) {
  if (strcasecmp(text, "backward") == 0) return observe::logql::Direction::kBackward;
  if (strcasecmp(text, "forward") == 0) return observe::logql::Direction::kForward;
  throw observe::Error(observe::ErrorKind::kInvalidParameter,
                       "invalid direction " + observe::quote_for_message(text, 64) +
                           ": use 'backward' (newest first) or 'forward'");
}

// Loki's checks of a log query's limit (pkg/loghttp and the query frontend's limits).
void check_max_lines(int max_lines) {
  if (max_lines <= 0)
    throw observe::Error(observe::ErrorKind::kInvalidParameter, "limit must be a positive value");
  if (max_lines > observe::pg::guc_logql_max_entries_limit)
    throw observe::Error(observe::ErrorKind::kInvalidParameter,
                         "max entries limit per query exceeded, limit > max_entries_limit (" +
                             std::to_string(max_lines) + " > " +
                             std::to_string(observe::pg::guc_logql_max_entries_limit) + ")");
}

// Under pg_guard: no object with a destructor lives in this frame.
void put_line(ReturnSetInfo* rsinfo, MemoryContext scratch, int64_t ts_ns, const std::string& labels,
              const std::string& line) {
  MemoryContext old = MemoryContextSwitchTo(scratch);
  Datum values[3] = {TimestampTzGetDatum(observe::pg::us_to_timestamptz(floor_div(ts_ns, kNsPerUs))),
                     PointerGetDatum(cstring_to_text_with_len(labels.data(), static_cast<int>(labels.size()))),
                     PointerGetDatum(cstring_to_text_with_len(line.data(), static_cast<int>(line.size())))};
  bool nulls[3] = {false, false, false};
  tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  MemoryContextSwitchTo(old);
  MemoryContextReset(scratch);
}

// A metric function given a log query: Loki's range API would return streams; SQL's row shape
// cannot, so say which function can.
observe::logql::Query parse_metric_query(const char* query) {
  observe::logql::Query q = observe::logql::parse_query(query);
  if (q.is_log)
    throw observe::Error(observe::ErrorKind::kInvalidParameter,
                         "a log query returns lines, not samples: use observe.logql");
  return q;
}

}  // namespace

// observe.logql(query text, start_time timestamptz, end_time timestamptz, max_lines int,
//               direction text, source regclass)
// Lines with start_time <= time < end_time, the max_lines newest (backward) or oldest
// (forward) across all streams, in that order.
OBSERVE_FUNCTION(observe_logql) {
  char* query = nullptr;
  char* direction = nullptr;
  observe::pg::pg_guard([&] {
    query = text_to_cstring(PG_GETARG_TEXT_PP(0));
    direction = text_to_cstring(PG_GETARG_TEXT_PP(4));
  });
  int64_t start_ns = timestamptz_to_ns(PG_GETARG_TIMESTAMPTZ(1));
  int64_t end_ns = timestamptz_to_ns(PG_GETARG_TIMESTAMPTZ(2));
  int max_lines = PG_GETARG_INT32(3);
  Oid source = PG_GETARG_OID(5);
  observe::pg::set_error_query(query);
  observe::logql::Query q = observe::logql::parse_query(query);
  observe::pg::set_error_query(nullptr);
  if (!q.is_log)
    throw observe::Error(observe::ErrorKind::kInvalidParameter,
                         "a metric query returns samples: use observe.logql_range or observe.logql_instant");
  observe::logql::Direction dir = parse_direction(direction);
  check_max_lines(max_lines);
  if (end_ns < start_ns)
    throw observe::Error(observe::ErrorKind::kInvalidParameter, "end timestamp must not be before start time");

  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  MemoryContext scratch = observe::pg::pg_guard([fcinfo] {
    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    return AllocSetContextCreate(CurrentMemoryContext, "logql row", ALLOCSET_DEFAULT_SIZES);
  });
  observe::pg::LogSource source_table(source);
  observe::logql::LogResult r = observe::logql::log_query(source_table.store(), q, start_ns, end_ns,
                                                          static_cast<size_t>(max_lines), dir,
                                                          observe::pg::logql_engine_options());
  // Rows in query order across streams, as Loki's API interleaves them for Grafana. The engine
  // answers stream by stream, each in query order: a stable sort by time restores the order
  // across them (equal times: the stream found first, then its own order).
  std::vector<std::string> labels;
  labels.reserve(r.streams.size());
  std::vector<std::pair<size_t, size_t>> order;  // (stream, entry)
  for (size_t i = 0; i < r.streams.size(); i++) {
    labels.push_back(r.streams[i].labels.to_string());
    for (size_t k = 0; k < r.streams[i].entries.size(); k++) order.emplace_back(i, k);
  }
  auto ts = [&](const std::pair<size_t, size_t>& p) { return r.streams[p.first].entries[p.second].first; };
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return dir == observe::logql::Direction::kForward ? ts(a) < ts(b) : ts(a) > ts(b);
  });
  for (const auto& [stream, entry] : order) {
    const auto& e = r.streams[stream].entries[entry];
    // A line a template cut apart (substr, trunc) may end mid-character: Loki's JSON writes the
    // stray bytes as U+FFFD, and a text datum must be valid in the database encoding.
    std::string line = observe::valid_utf8(e.second) ? e.second : observe::to_valid_utf8(e.second);
    const std::string& labels_text = labels[stream];
    observe::pg::pg_guard([&] { put_line(rsinfo, scratch, e.first, labels_text, line); });
  }
  return (Datum)0;
}

// observe.logql_range(query text, start_time timestamptz, end_time timestamptz, step interval,
//                     source regclass)
OBSERVE_FUNCTION(observe_logql_range) {
  observe::pg::PromqlRangeRequest req = observe::pg::promql_range_request(fcinfo);
  observe::pg::set_error_query(req.query);
  observe::pg::SrfRows rows(fcinfo);
  observe::logql::Query q = parse_metric_query(req.query);
  observe::pg::LogSource source(req.source);
  observe::promql::Result r = observe::logql::range_query(source.store(), q, req.start_ms, req.end_ms, req.step_ms,
                                                          observe::pg::logql_engine_options());
  observe::pg::emit_promql_rows(rows, r, req.step_ms);
  return (Datum)0;
}

// observe.logql_range_series(query text, start_time timestamptz, end_time timestamptz,
//                            step interval, source regclass)
OBSERVE_FUNCTION(observe_logql_range_series) {
  observe::pg::PromqlRangeRequest req = observe::pg::promql_range_request(fcinfo);
  observe::pg::set_error_query(req.query);
  observe::logql::Query q = parse_metric_query(req.query);
  observe::pg::LogSource source(req.source);
  observe::promql::Result r = observe::logql::range_query(source.store(), q, req.start_ms, req.end_ms, req.step_ms,
                                                          observe::pg::logql_engine_options());
  observe::pg::emit_promql_series_rows(fcinfo, r, req.start_ms, req.step_ms);
  return (Datum)0;
}

// observe.logql_instant(query text, at timestamptz, source regclass)
OBSERVE_FUNCTION(observe_logql_instant) {
  char* query = nullptr;
  observe::pg::pg_guard([&] { query = text_to_cstring(PG_GETARG_TEXT_PP(0)); });
  int64_t at_ms = observe::pg::timestamptz_to_ms(PG_GETARG_TIMESTAMPTZ(1));
  Oid source_oid = PG_GETARG_OID(2);
  observe::pg::set_error_query(query);
  observe::pg::SrfRows rows(fcinfo);
  observe::pg::LogSource source(source_oid);
  observe::promql::Result r =
      observe::logql::instant_query(source.store(), query, at_ms, observe::pg::logql_engine_options());
  observe::pg::emit_promql_rows(rows, r, 0);
  return (Datum)0;
}
