// Small string helpers with Go's behaviour, for error texts that must match Prometheus.
#pragma once

#include <string>

namespace observe::promql {

// Prometheus 3.x (UTF-8 names): any non-empty valid UTF-8 string is a valid label name.
bool is_valid_label_name(const std::string& s);

// Go's strconv.Quote / %q: double-quoted, invalid UTF-8 bytes as \xNN.
std::string go_quote(const std::string& s);

}  // namespace observe::promql
