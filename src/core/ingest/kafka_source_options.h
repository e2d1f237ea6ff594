// A Kafka source's format_options (observe.kafka_sources.format_options, a JSON object) read
// into the decoder's KafkaFormatOptions. Unknown keys and wrong types are errors
// (kInvalidParameter) naming the key, so a typo never silently changes what is stored.
#pragma once

#include <string_view>

#include "core/ingest/kafka_formats.h"

namespace observe::ingest {

// format: the source's format; json: the format_options object as text.
//   time_field, time_format ("auto", "rfc3339", "unix_s", ...), time_required, line_field,
//   label_fields {"label": "path"}, labels_object, metadata_fields {"name": "path"},
//   metadata_object, labels {"name": "constant" | "$topic" | "$partition" | "$key" |
//   "$header:NAME"}, max_line_bytes, truncate_long_lines, allow_structured_metadata,
//   openmetrics, skip_invalid_series, skip_histograms.
KafkaFormatOptions parse_kafka_format_options(KafkaFormat format, std::string_view json);

}  // namespace observe::ingest
