// The observe_ts storage as the other glue uses it: the PromQL functions and the scrape worker
// append and select samples of tables shaped like observe.metrics (time timestamptz, name text,
// labels jsonb, value float8) without going through SQL text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/common/labels.h"
#include "core/common/matcher.h"
#include "core/promql/storage.h"
#include "pg/border/pg_headers.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

// Throws observe::Error (kInvalidParameter) unless rel is an observe_ts table shaped like
// observe.metrics: (time timestamptz, name text, labels jsonb, value float8).
void ts_check_metrics_shape(Relation rel);

// Appends metric samples to such a table through the same per-transaction buffer as INSERT; the
// fast path for the workers (no text parsing). t_ms: ms since the Unix epoch. labels include
// __name__ (it becomes `name`; the rest go to `labels` jsonb). The caller holds RowExclusiveLock.
void ts_append_samples(Relation rel, const Labels& series, const int64_t* t_ms, const double* v,
                       size_t n);

// Reads the series of such a table matching the matchers (a __name__ matcher applies to `name`),
// with their samples in [mint_ms, maxt_ms] ascending by time, as `snapshot` sees them; only the
// matching series' chunks overlapping the range are read. Series without samples in range are
// omitted. Rows with a NULL value are skipped. With sparse hints only the samples of their
// windows are returned.
std::vector<observe::promql::SeriesData> ts_select(Relation rel, const Matchers& matchers,
                                                   int64_t mint_ms, int64_t maxt_ms,
                                                   Snapshot snapshot,
                                                   const observe::promql::SelectHints& hints = {});

}  // namespace observe::pg
