#include "pg/http/http_guc.h"

#include <climits>

#include "pg/border/pg_headers.h"

extern "C" {
#include "utils/guc.h"
}

namespace observe::pg {

int guc_http_port = 0;
char* guc_http_listen_address = nullptr;
int guc_http_workers = 2;
int guc_http_max_connections = 64;
int guc_http_idle_timeout_s = 60;
int guc_http_max_body_kb = 64 * 1024;
int guc_http_timeout_ms = 120000;
char* guc_http_anonymous_role = nullptr;
char* guc_http_tls_cert_file = nullptr;
char* guc_http_tls_key_file = nullptr;
char* guc_http_metrics_table = nullptr;
char* guc_http_logs_table = nullptr;

void define_http_gucs() {
  DefineCustomIntVariable("observe.http_port",
                          "TCP port of pg_observe's HTTP API (Prometheus and Loki endpoints); 0 turns it off.",
                          "Takes effect when the library is in shared_preload_libraries.", &guc_http_port, 0, 0,
                          65535, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
  DefineCustomStringVariable("observe.http_listen_address", "Address the HTTP API listens on.", nullptr,
                             &guc_http_listen_address, "127.0.0.1", PGC_POSTMASTER, 0, nullptr, nullptr,
                             nullptr);
  DefineCustomIntVariable("observe.http_workers",
                          "Background workers serving the HTTP API, each one request at a time with its own "
                          "database connection.",
                          nullptr, &guc_http_workers, 2, 1, 64, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.http_max_connections", "Open HTTP connections each HTTP worker accepts.",
                          nullptr, &guc_http_max_connections, 64, 1, 10000, PGC_POSTMASTER, 0, nullptr, nullptr,
                          nullptr);
  DefineCustomIntVariable("observe.http_idle_timeout", "An idle HTTP connection is closed after this.", nullptr,
                          &guc_http_idle_timeout_s, 60, 1, 3600, PGC_POSTMASTER, GUC_UNIT_S, nullptr, nullptr,
                          nullptr);
  DefineCustomIntVariable("observe.http_max_request_size", "Largest HTTP request body accepted (413 past it).",
                          nullptr, &guc_http_max_body_kb, 64 * 1024, 1, 1024 * 1024, PGC_SIGHUP, GUC_UNIT_KB,
                          nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.http_request_timeout",
                          "statement_timeout of one HTTP request (Prometheus answers 503 \"timeout\").", nullptr,
                          &guc_http_timeout_ms, 120000, 1, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS, nullptr, nullptr,
                          nullptr);
  DefineCustomStringVariable("observe.http_anonymous_role",
                             "Role of HTTP requests without credentials; empty: they get 401.", nullptr,
                             &guc_http_anonymous_role, "", PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomStringVariable("observe.http_tls_cert_file",
                             "PEM certificate of the HTTP API; with observe.http_tls_key_file it serves HTTPS.",
                             nullptr, &guc_http_tls_cert_file, "", PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
  DefineCustomStringVariable("observe.http_tls_key_file", "PEM private key of the HTTP API.", nullptr,
                             &guc_http_tls_key_file, "", PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
  DefineCustomStringVariable("observe.http_metrics_table",
                             "observe_ts table the Prometheus endpoints read and remote_write writes.", nullptr,
                             &guc_http_metrics_table, "observe.metrics", PGC_SIGHUP, 0, nullptr, nullptr,
                             nullptr);
  DefineCustomStringVariable("observe.http_logs_table",
                             "observe_log table the Loki endpoints read and push writes.", nullptr,
                             &guc_http_logs_table, "observe.logs", PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
}

}  // namespace observe::pg
