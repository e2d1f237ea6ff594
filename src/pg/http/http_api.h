// The HTTP API's endpoints: which handler serves a path, and the handlers themselves. A handler
// runs inside the request's transaction, as the request's role (http_txn.h); it fills the
// response or throws (observe::Error, or a PostgreSQL error through pg_guard), and the
// caller turns the error into the API's error answer.
#pragma once

#include <string>
#include <vector>

#include "core/common/matcher.h"

#include "pg/border/pg_headers.h"
#include "pg/http/http_request.h"

namespace observe::pg {

// How an API answers errors: Prometheus's JSON envelope, Loki's plain text, remote_write's
// plain text with retry semantics (5xx only for what a retry may fix).
enum class ApiKind { kPrometheus, kLoki, kPush };

using HttpHandler = void (*)(const HttpRequest& req, const std::string& path_param, HttpResponse& resp);

struct HttpRoute {
  ApiKind kind;
  bool transaction;  // false: answered without the database (health checks) nor authentication
  HttpHandler handler;
};

// The route of a method and path; nullptr when none (404). *path_param receives the <name> of
// /label/<name>/values.
const HttpRoute* find_http_route(const std::string& path, std::string* path_param);

// Prometheus API (prom_api.cpp).
void prom_query(const HttpRequest&, const std::string&, HttpResponse&);
void prom_query_range(const HttpRequest&, const std::string&, HttpResponse&);
void prom_series(const HttpRequest&, const std::string&, HttpResponse&);
void prom_labels(const HttpRequest&, const std::string&, HttpResponse&);
void prom_label_values(const HttpRequest&, const std::string&, HttpResponse&);
void prom_metadata(const HttpRequest&, const std::string&, HttpResponse&);
void prom_query_exemplars(const HttpRequest&, const std::string&, HttpResponse&);
void prom_format_query(const HttpRequest&, const std::string&, HttpResponse&);
void prom_parse_query(const HttpRequest&, const std::string&, HttpResponse&);
void prom_buildinfo(const HttpRequest&, const std::string&, HttpResponse&);
void prom_runtimeinfo(const HttpRequest&, const std::string&, HttpResponse&);
void prom_flags(const HttpRequest&, const std::string&, HttpResponse&);
void prom_config(const HttpRequest&, const std::string&, HttpResponse&);
void prom_rules(const HttpRequest&, const std::string&, HttpResponse&);
void prom_alerts(const HttpRequest&, const std::string&, HttpResponse&);
void prom_targets(const HttpRequest&, const std::string&, HttpResponse&);
void health_ok(const HttpRequest&, const std::string&, HttpResponse&);
void loki_ready(const HttpRequest&, const std::string&, HttpResponse&);

// remote_write receiver (remote_write_receiver.cpp).
void prom_remote_write(const HttpRequest&, const std::string&, HttpResponse&);

// Loki API (loki_api.cpp).
void loki_push(const HttpRequest&, const std::string&, HttpResponse&);
void loki_query(const HttpRequest&, const std::string&, HttpResponse&);
void loki_query_range(const HttpRequest&, const std::string&, HttpResponse&);
void loki_labels(const HttpRequest&, const std::string&, HttpResponse&);
void loki_label_values(const HttpRequest&, const std::string&, HttpResponse&);
void loki_series(const HttpRequest&, const std::string&, HttpResponse&);
void loki_index_stats(const HttpRequest&, const std::string&, HttpResponse&);
void loki_index_volume(const HttpRequest&, const std::string&, HttpResponse&);
// Loki's tail (/loki/api/v1/tail, a WebSocket: http_tail.cpp): the checks before it opens
// (status 101 when they pass), then each poll of an open tail (entries as one tail message in
// the body, where the next poll starts in header x-tail-next-start).
void loki_tail_check(const HttpRequest&, const std::string&, HttpResponse&);
void loki_tail_poll(const HttpRequest&, const std::string&, HttpResponse&);
extern const HttpRoute kLokiTailRoute;      // what find_http_route gives for the tail's path
extern const HttpRoute kLokiTailPollRoute;  // a poll, as a request of its own
void loki_index_volume_range(const HttpRequest&, const std::string&, HttpResponse&);
void loki_buildinfo(const HttpRequest&, const std::string&, HttpResponse&);
void loki_detected_labels(const HttpRequest&, const std::string&, HttpResponse&);
// /detected_fields (path_param empty) and /detected_field/<name>/values (path_param the name).
void loki_detected_fields(const HttpRequest&, const std::string&, HttpResponse&);

// A 200 in Prometheus's {"status":"success","data":...} envelope, with warnings/infos if any.
void prom_success(HttpResponse& resp, const std::string& data, const std::vector<std::string>& warnings = {},
                  const std::vector<std::string>& infos = {});

// The matchers of Prometheus's match[] parameters (series, labels, rules): bad_data unless each
// is a vector selector.
std::vector<Matchers> prom_match_params(const httpapi::Form& f);

// The tables the endpoints use (observe.http_metrics_table / observe.http_logs_table), looked
// up as the request's role.
Oid http_metrics_table();
Oid http_logs_table();

}  // namespace observe::pg
