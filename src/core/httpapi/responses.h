// Response bodies of Prometheus's HTTP API (web/api/v1: the envelope, query results, label and
// series lists, error types with their HTTP status) and of Loki's (streams results).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/labels.h"
#include "core/logql/engine.h"
#include "core/promql/value.h"

namespace observe::httpapi {

// Prometheus's errorType values.
enum class ErrorType { kBadData, kExecution, kTimeout, kCanceled, kInternal, kUnavailable, kNotFound, kForbidden };
const char* error_type_name(ErrorType t);
// The status Prometheus's API answers each with (respondError): bad_data 400, execution 422,
// canceled 499... timeout 503, internal 500, unavailable 503, not_found 404; forbidden 403.
int error_http_status(ErrorType t);

// {"status":"error","errorType":"...","error":"..."}
std::string prom_error_body(ErrorType t, std::string_view message);

// {"status":"success","data":<data>[,"warnings":[...]][,"infos":[...]]}; data is JSON text.
std::string prom_success_body(std::string_view data, const std::vector<std::string>& warnings = {},
                              const std::vector<std::string>& infos = {});

// A query result as /api/v1/query(_range) returns it in "data":
// {"resultType":"vector","result":[{"metric":{...},"value":[t,"v"]}]}, "matrix" with
// "values", "scalar"/"string" as [t,"v"].
void append_query_data(std::string& out, const promql::Value& v);

// ["a","b"] (label names, values).
void append_string_array(std::string& out, const std::vector<std::string>& items);
// [{...},{...}] (series).
void append_labels_array(std::string& out, const std::vector<Labels>& items);

// [{"stream":{...},"values":[["<ns>","line"],...]},...]
void append_loki_streams(std::string& out, const logql::LogResult& r);
// Loki's log query data: {"resultType":"streams","result":[{"stream":{...},"values":
// [["<ns>","line"],...]}],"stats":{}}; entries as the engine ordered them.
void append_loki_streams_data(std::string& out, const logql::LogResult& r);
// A message of Loki's tail WebSocket: {"streams":[...]} (dropped_entries left out, as Loki's
// v1 encoding omits it when empty; streams without entries are skipped).
std::string loki_tail_message(const logql::LogResult& r);
// Loki's envelope: {"status":"success","data":<data>}.
std::string loki_success_body(std::string_view data);

}  // namespace observe::httpapi
