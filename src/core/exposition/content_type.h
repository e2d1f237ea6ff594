// Which grammar a scrape response is in, from its Content-Type header.
#pragma once

#include <string_view>

#include "core/exposition/types.h"

namespace observe::exposition {

// application/openmetrics-text (any parameters, any case) is OpenMetrics; everything else,
// including a missing header, is the text format 0.0.4, as Prometheus 2.x falls back.
Format format_from_content_type(std::string_view content_type);

}  // namespace observe::exposition
