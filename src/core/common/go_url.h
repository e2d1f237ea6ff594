// Go's net/url escaping, as Prometheus builds URLs with it: a target's scrape URL, the
// urlquery template function, an alert's generator URL.
#pragma once

#include <string>
#include <string_view>

namespace observe {

// url.QueryEscape: unreserved bytes stay, a space becomes '+', everything else %XX.
std::string go_query_escape(std::string_view s);

// escape(path, encodePath) of net/url: unreserved bytes and $&+,/:;=@ stay, the rest %XX.
std::string go_path_escape(std::string_view s);

}  // namespace observe
