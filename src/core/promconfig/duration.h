// Prometheus durations (model.Duration of prometheus/common 0.39): `1h30m`, `90s`, `0`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace observe::promconfig {

// model.ParseDuration: units y w d h m s ms in that order, each at most once, integers only;
// "0" alone is allowed. Milliseconds; throws observe::Error (kInvalidParameter) with
// Prometheus's message: `empty duration string`, `not a valid duration string: "x"`,
// `duration out of range`.
int64_t parse_duration(std::string_view s);

// model.Duration.String: `0s`, `1m`, `1h30m`, `2w`, `1d2h`, `1s500ms`.
std::string format_duration(int64_t ms);

}  // namespace observe::promconfig
