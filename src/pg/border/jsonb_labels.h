// Label sets to and from jsonb objects ({"name": "value", ...}), the shape of observe.metrics.labels.
#pragma once

#include "core/common/labels.h"
#include "pg/border/pg_headers.h"

namespace observe::pg {

// Builds a jsonb object of every label (the metric name too, when include_name).
// PostgreSQL calls run under pg_guard: safe to call from C++.
Datum labels_to_jsonb(const Labels& labels, bool include_name);

// A jsonb object of string values as a label set; throws kInvalidParameter for anything
// else (a non-object, a non-string value). PostgreSQL calls run under pg_guard.
// A label with an empty value is no label (Prometheus), unless keep_empty_values (Loki's
// structured metadata, where {name=""} differs from {}).
Labels jsonb_to_labels(Datum jsonb, bool keep_empty_values = false);

}  // namespace observe::pg
