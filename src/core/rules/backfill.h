// Backfilling recording rules as `promtool tsdb create-blocks-from rules` (Prometheus 2.42,
// cmd/promtool/rules.go) does: per rule, per block of the output (2 h, or a larger compatible
// size), one range query from the group's first evaluation slot at or after the block's start
// (or the backfill's start) to the block's end, step = the group's interval; each result series
// renamed to the rule and given the rule's labels. Pure: the glue runs the queries.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/common/labels.h"
#include "core/rules/rule_file.h"

namespace observe::rules {

struct BackfillQuery {
  int64_t start_ms;  // as the query API receives promtool's start (its float seconds, rounded to ms)
  int64_t end_ms;
};

// getCompatibleBlockDuration: 2 h, or the largest of 2 h * 3^i (i < 10) not above max_block_ms.
int64_t backfill_block_duration_ms(int64_t max_block_ms);

// The range queries promtool sends for one rule of a group (name, file: the hash that places
// its slots; interval_ms > 0) over [start_s, end_s] (whole seconds, as promtool truncates).
std::vector<BackfillQuery> backfill_queries(const std::string& group_name, const std::string& file,
                                            int64_t interval_ms, int64_t start_s, int64_t end_s,
                                            int64_t max_block_ms);

// A result series' labels as promtool writes them: the query's labels, the rule's labels
// over them, __name__ = the recorded name.
Labels backfill_series_labels(const Labels& result, const StringPairs& rule_labels, const std::string& record);

}  // namespace observe::rules
