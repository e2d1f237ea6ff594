// The range queries of a rule backfill (promtool tsdb create-blocks-from rules, 2.42); the
// values they produce are compared with promtool's own by test/integration/rules_backfill_vs_promtool.sh.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "core/rules/backfill.h"
#include "core/rules/evaluator.h"

using namespace observe;
using namespace observe::rules;

TEST(Backfill, BlockDurationIsTwoHoursOrACompatibleLargerRange) {
  const int64_t h = 3600 * 1000;
  EXPECT_EQ(backfill_block_duration_ms(0), 2 * h);
  EXPECT_EQ(backfill_block_duration_ms(2 * h), 2 * h);
  EXPECT_EQ(backfill_block_duration_ms(7 * h), 6 * h);    // 2h * 3
  EXPECT_EQ(backfill_block_duration_ms(18 * h), 18 * h);  // 2h * 9
  EXPECT_EQ(backfill_block_duration_ms(INT64_MAX / 4), 2 * h * 19683);  // the largest of ten
}

TEST(Backfill, OneQueryPerBlockFromTheGroupsSlot) {
  const int64_t interval = 30000, start_s = 1700000123, end_s = start_s + 5 * 3600;
  std::vector<BackfillQuery> qs = backfill_queries("g", "rules.yml", interval, start_s, end_s, 0);
  ASSERT_EQ(qs.size(), 3u);  // the blocks [16:00,18:00), [18:00,20:00), [20:00,22:00) UTC hold it
  int64_t block = 2 * 3600 * 1000;
  for (size_t i = 0; i < qs.size(); i++) {
    int64_t block_start = (start_s * 1000 / block + static_cast<int64_t>(i)) * block;
    // on the group's slot grid (ns, sent as float seconds: the API rounds it to ms), at or
    // after the block's (or the backfill's) start
    int64_t slot_ns = group_eval_timestamp_ns("g", "rules.yml", interval * 1000000, qs[i].start_ms * 1000000 + 999999);
    EXPECT_EQ((slot_ns + 500000) / 1000000, qs[i].start_ms) << i;
    EXPECT_GE(qs[i].start_ms, std::max(block_start, start_s * 1000)) << i;
    EXPECT_LT(qs[i].start_ms - interval, std::max(block_start, start_s * 1000)) << i;
    // ending at the block's last whole second, or the backfill's end
    EXPECT_EQ(qs[i].end_ms, std::min((block_start + block - 1) / 1000, end_s) * 1000) << i;
  }
  EXPECT_TRUE(backfill_queries("g", "rules.yml", interval, end_s, end_s - 10, 0).empty());
}

TEST(Backfill, SeriesTakeTheRuleLabelsAndName) {
  Labels l = backfill_series_labels(Labels{{"__name__", "up"}, {"job", "a"}, {"x", "1"}}, {{"job", "b"}, {"t", "v"}},
                                    "job:up:sum");
  EXPECT_EQ(l.to_string(), R"(job:up:sum{job="b", t="v", x="1"})");
}
