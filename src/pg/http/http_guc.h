// The HTTP API's configuration parameters (observe.http_*), defined at library load.
#pragma once

namespace observe::pg {

extern int guc_http_port;               // observe.http_port: 0 = no HTTP API (postmaster)
extern char* guc_http_listen_address;   // observe.http_listen_address (postmaster)
extern int guc_http_workers;            // observe.http_workers: processes serving the port (postmaster)
extern int guc_http_max_connections;    // observe.http_max_connections: per worker (postmaster)
extern int guc_http_idle_timeout_s;     // observe.http_idle_timeout: idle connection closed after (postmaster)
extern int guc_http_max_body_kb;        // observe.http_max_request_size (sighup)
extern int guc_http_timeout_ms;         // observe.http_request_timeout: a request's statement_timeout (sighup)
extern char* guc_http_anonymous_role;   // observe.http_anonymous_role: role of requests without credentials (sighup)
extern char* guc_http_tls_cert_file;    // observe.http_tls_cert_file (postmaster)
extern char* guc_http_tls_key_file;     // observe.http_tls_key_file (postmaster)
extern char* guc_http_metrics_table;    // observe.http_metrics_table (sighup)
extern char* guc_http_logs_table;       // observe.http_logs_table (sighup)

void define_http_gucs();

}  // namespace observe::pg
