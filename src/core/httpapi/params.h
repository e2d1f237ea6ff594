// Request parameters of Prometheus's and Loki's HTTP APIs: the form (URL query string and an
// application/x-www-form-urlencoded POST body, as Go's Request.Form merges them) and the
// parsers for their timestamps and durations, with Prometheus's and Loki's error texts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace observe::httpapi {

class Form {
 public:
  // Adds every pair of an urlencoded string ("a=1&b=%20x+y"); throws Error(kInvalidParameter)
  // on a bad escape, as Go's url.ParseQuery refuses it.
  void parse_urlencoded(std::string_view body);
  void add(std::string name, std::string value) { pairs_.emplace_back(std::move(name), std::move(value)); }

  // The first value (Go's FormValue); nullopt when absent.
  std::optional<std::string> get(std::string_view name) const;
  // The value or "" (absent and empty are the same to FormValue).
  std::string value(std::string_view name) const { return get(name).value_or(std::string()); }
  std::vector<std::string> all(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// Prometheus's parseTime: float Unix seconds (rounded to ms) or RFC 3339 (nanosecond
// precision, truncated to ms). nullopt when neither.
std::optional<int64_t> parse_prom_time_ms(std::string_view s);
// Prometheus's parseDuration: float seconds or a Prometheus duration ("1h30m", "15s", "500ms").
std::optional<int64_t> parse_prom_duration_ms(std::string_view s);
// A Prometheus duration string only ("5m"); nullopt when malformed.
std::optional<int64_t> parse_model_duration_ms(std::string_view s);
// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False; nullopt otherwise.
std::optional<bool> parse_go_bool(std::string_view s);
// RFC 3339 with optional fraction and a Z or ±hh:mm zone, as ns since the epoch.
std::optional<int64_t> parse_rfc3339_ns(std::string_view s);
// Loki's timestamps: ns integers (≤ 10 digits: seconds), float seconds, RFC 3339; in ns.
std::optional<int64_t> parse_loki_time_ns(std::string_view s);

// Times a Prometheus parameter takes when absent (Prometheus's MinTime / MaxTime, in ms).
inline constexpr int64_t kPromMinTimeMs = -9223309901257974;  // year -292273086 as Go's min
inline constexpr int64_t kPromMaxTimeMs = 9223309901257974;

// Reads a time parameter: absent or empty -> def; malformed -> Error(kInvalidParameter)
// `invalid parameter "start": cannot parse "x" to a valid timestamp`.
int64_t prom_time_param(const Form& f, std::string_view name, int64_t def);

// The `timeout` parameter of /api/v1/query(_range): nullopt when absent; malformed ->
// `invalid parameter "timeout": cannot parse "x" to a valid duration`.
std::optional<int64_t> prom_timeout_param_ms(const Form& f);

struct PromRangeParams {
  int64_t start_ms, end_ms, step_ms;
};
// query_range's checks in Prometheus's order and words.
PromRangeParams prom_range_params(const Form& f);

}  // namespace observe::httpapi
