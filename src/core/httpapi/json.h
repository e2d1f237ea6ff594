// JSON text as Prometheus's and Loki's HTTP APIs write it (json-iterator configured as Go's
// encoding/json): strings with HTML-safe escapes, sample values as quoted shortest round-trip
// decimals ("NaN", "+Inf", "-Inf"), timestamps as seconds with millisecond decimals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/common/labels.h"

namespace observe::httpapi {

// Appends s as a JSON string literal: ", \, \n, \r, \t escaped; other control bytes, <, >, &,
// U+2028 and U+2029 as \u00XX / \u2028 / \u2029; invalid UTF-8 as U+FFFD (Go's encoder).
void append_json_string(std::string& out, std::string_view s);

// Prometheus's jsonutil.MarshalFloat, without the quotes: strconv 'f' format shortest
// round-trip, 'e' below 1e-6 or from 1e21 on ("1e-07", "1e+21"), "NaN", "+Inf", "-Inf".
void append_prom_float(std::string& out, double v);
// The same text written to buf (at least kPromFloatMax bytes, no terminating NUL); its length.
constexpr size_t kPromFloatMax = 400;  // fixed notation of a double below 1e21: ~330 at most
size_t format_prom_float(char* buf, double v);

// Go's strconv.FormatFloat(v, 'e', -1, 64), how Prometheus writes an alert's value: "2.7e+01",
// "1e+00", "NaN", "+Inf", "-Inf".
void append_go_float_e(std::string& out, double v);

// A Go time.Time as encoding/json writes it (RFC 3339, nanoseconds, UTC), quoted; NULL
// (nullopt) as Go's zero time "0001-01-01T00:00:00Z".
void append_go_time(std::string& out, std::optional<int64_t> unix_ns);

// Prometheus's jsonutil.MarshalTimestamp: ms as seconds, the fraction as three digits when
// non-zero ("1.500", "-0.250", "12").
void append_prom_timestamp(std::string& out, int64_t t_ms);

// A sample as Prometheus's API writes it: [<timestamp>,"<value>"].
void append_prom_point(std::string& out, int64_t t_ms, double v);

// {"name":"value",...} in label order.
void append_labels_object(std::string& out, const Labels& labels);

}  // namespace observe::httpapi
