// The HTTP request a scrape makes, header for header what Prometheus 2.42 sends, so targets
// answer the worker as they answer Prometheus.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace observe::scrape {

// OpenMetrics first, then the text format 0.0.4, then anything.
inline constexpr std::string_view kAcceptHeader =
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
inline constexpr std::string_view kAcceptEncodingHeader = "gzip";
inline constexpr std::string_view kTimeoutHeaderName = "X-Prometheus-Scrape-Timeout-Seconds";

// The timeout as Prometheus writes it (Go's FormatFloat 'f', -1): 10 -> "10", 0.5 -> "0.5".
std::string scrape_timeout_header_value(double timeout_seconds);

// "pg_observe/<version>": the product/version form of Prometheus's "Prometheus/<version>".
std::string user_agent(std::string_view version);

// All request headers as (name, value) pairs, in the order Prometheus sets them.
std::vector<std::pair<std::string, std::string>> request_headers(double timeout_seconds,
                                                                 std::string_view version);

// The `instance` label Prometheus gives a target: the URL's host[:port], without scheme,
// user info, path or query. "http://user@h:9100/metrics" -> "h:9100".
std::string instance_from_url(std::string_view url);

}  // namespace observe::scrape
