// The scrape series cache: entries found by their exposition texts, and what an ended entry
// takes along (issue 18's churn: every scrape ends some series).
#include "core/scrape/series_cache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace observe::scrape {
namespace {

TEST(SeriesCache, EndedEntriesTakeTheirTextsAlong) {
  SeriesCache c;
  SeriesCache::Entry* a = c.insert(Labels{{"__name__", "a"}});
  c.add_text(a, "a", 0);
  c.add_text(a, "a{}", 0);
  c.add_text(a, "a", 1);  // the same text in another family type: another key
  SeriesCache::Entry* b = c.insert(Labels{{"__name__", "b"}});
  c.add_text(b, "b", 0);
  EXPECT_EQ(c.insert(Labels{{"__name__", "a"}}), a);  // inserting a cached series finds it
  c.mark_seen(a);
  c.mark_seen(b);
  c.end_scrape(true);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.texts(), 4u);

  ASSERT_EQ(c.find_text("b", 0), b);
  c.mark_seen(b);
  c.end_scrape(true);  // a was not seen: it goes, with its three texts
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.texts(), 1u);
  EXPECT_EQ(c.find_text("a", 0), nullptr);
  EXPECT_EQ(c.find_text("a{}", 0), nullptr);
  EXPECT_EQ(c.find_text("a", 1), nullptr);
  EXPECT_EQ(c.find_text("b", 0), b);

  // A text that resolves to another entry now stays with that one when the first goes.
  SeriesCache::Entry* x = c.insert(Labels{{"__name__", "x"}});
  c.add_text(x, "t", 0);
  SeriesCache::Entry* y = c.insert(Labels{{"__name__", "y"}});
  c.add_text(y, "t", 0);
  c.mark_seen(b);
  c.mark_seen(y);
  c.end_scrape(true);  // x goes
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.find_text("t", 0), y);
  EXPECT_EQ(c.texts(), 2u);
}

TEST(SeriesCache, StaleSeriesInLabelOrder) {
  SeriesCache c;
  std::vector<Labels> sets;
  for (int i = 0; i < 30; i++)
    sets.push_back(Labels{{"__name__", i % 3 ? "m" : "n"}, {"gen", std::to_string(i % 7)}, {"s", std::to_string(i)}});
  for (const Labels& l : sets) {
    SeriesCache::Entry* e = c.insert(l);
    c.mark_seen(e);
    c.track(e);
  }
  c.end_scrape(true);
  // The next scrape has seen none of them yet: every series of the scrape before needs its marker.
  std::vector<SeriesPtr> stale = c.stale_series();
  ASSERT_EQ(stale.size(), sets.size());
  std::sort(sets.begin(), sets.end());
  for (size_t i = 0; i < sets.size(); i++) EXPECT_EQ(stale[i]->labels(), sets[i]) << i;
}

}  // namespace
}  // namespace observe::scrape
