// Go's time.Format in UTC, for the layout elements Prometheus's and Loki's answers and
// templates use (2006 01 02 15 04 05, month and day names, .000/.999999999 fractions, zones).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace observe {

// Go's time.RFC3339Nano: "2006-01-02T15:04:05.999999999Z07:00" (trailing fraction zeros cut),
// how encoding/json writes a time.Time.
inline constexpr std::string_view kGoRFC3339Nano = "2006-01-02T15:04:05.999999999Z07:00";

// ns since the Unix epoch formatted with a Go layout, in UTC.
std::string go_format_time(int64_t ns, std::string_view layout);

}  // namespace observe
