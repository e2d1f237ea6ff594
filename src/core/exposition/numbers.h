// Numbers as Go's strconv parses them, which is what Prometheus accepts in a payload.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace observe::exposition {

enum class NumberStatus { kOk, kSyntax, kRange };

// strconv.ParseFloat(s, 64) minus what Prometheus refuses (hex floats, '_' separators):
// [+-]digits[.digits][e[+-]digits], NaN, [+-]Inf, [+-]Infinity, any case. Correctly rounded;
// overflow is kRange, underflow gives ±0 as in Go. NaN comes back as Go's NaN bits.
NumberStatus parse_go_float(std::string_view s, double* out);

// strconv.ParseInt(s, 10, 64) for an unsigned run of digits.
NumberStatus parse_decimal_int64(std::string_view digits, int64_t* out);

// Go's strconv.FormatFloat(v, 'g', -1, 64) followed by Prometheus's ".0" rule
// (labels.FormatOpenMetricsFloat): 1 -> "1.0", 1e6 -> "1e+06", +Inf -> "+Inf".
std::string format_openmetrics_float(double v);

// Go's strconv.FormatFloat(v, 'f', -1, 64): shortest fixed notation, "10", "0.5".
std::string format_go_fixed(double v);

}  // namespace observe::exposition
