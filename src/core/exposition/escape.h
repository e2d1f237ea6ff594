// Escapes and UTF-8 rules of the exposition formats.
#pragma once

#include <string>
#include <string_view>

#include "core/common/utf8.h"

namespace observe::exposition {

// valid_utf8 (Go's utf8.Valid) is observe::valid_utf8 from core/common/utf8.h.
using observe::valid_utf8;

// Label values (both formats) and OpenMetrics HELP: \\ -> \, \" -> ", \n -> newline; any
// other backslash stays as written, as Prometheus's strings.Replacer leaves it.
void unescape_label_value(std::string_view raw, std::string* out);

// Text-format HELP: only \\ and \n are escapes.
void unescape_text_help(std::string_view raw, std::string* out);

}  // namespace observe::exposition
