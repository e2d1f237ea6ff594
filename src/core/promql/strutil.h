// Small string helpers with Go's behaviour, for error texts that must match Prometheus.
#pragma once

#include <string>

namespace observe::promql {

// Prometheus 3.x (UTF-8 names): any non-empty valid UTF-8 string is a valid label name.
bool is_valid_label_name(const std::string& s);

// Go's strconv.Quote / %q: double-quoted, invalid UTF-8 bytes as \xNN.
std::string go_quote(const std::string& s);

// Go's strconv.FormatFloat(v, 'g', -1, 64) (also what %g prints): shortest round-trip
// digits, exponent form when the decimal exponent is < -4 or >= 6 (1e+06, 123456).
std::string go_format_g(double v);

// labels.FormatOpenMetricsFloat: go_format_g plus ".0" when there is neither '.' nor 'e'.
std::string openmetrics_float(double v);

}  // namespace observe::promql
