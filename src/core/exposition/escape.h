// Escapes and UTF-8 rules of the exposition formats.
#pragma once

#include <string>
#include <string_view>

namespace observe::exposition {

// True when s is well-formed UTF-8 (Go's utf8.Valid: no surrogates, no overlongs).
bool valid_utf8(std::string_view s);

// Label values (both formats) and OpenMetrics HELP: \\ -> \, \" -> ", \n -> newline; any
// other backslash stays as written, as Prometheus's strings.Replacer leaves it.
void unescape_label_value(std::string_view raw, std::string* out);

// Text-format HELP: only \\ and \n are escapes.
void unescape_text_help(std::string_view raw, std::string* out);

}  // namespace observe::exposition
