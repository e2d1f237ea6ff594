#include "core/common/interned_labels.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

using observe::InternedLabels;
using observe::Labels;

TEST(InternedLabels, RoundTripsAndCompares) {
  Labels l{{"__name__", "http_requests_total"}, {"job", "api"}, {"instance", "h:1"}};
  InternedLabels i(l);
  EXPECT_EQ(i.size(), 3u);
  EXPECT_EQ(i.labels(), l);
  EXPECT_TRUE(i == l);
  EXPECT_EQ(i.name(0), "__name__");
  EXPECT_EQ(i.value(2), "api");
  EXPECT_FALSE(i == (Labels{{"__name__", "http_requests_total"}, {"job", "api"}}));
  EXPECT_FALSE(i == (Labels{{"__name__", "http_requests_total"}, {"job", "api"}, {"instance", "h:2"}}));
  InternedLabels empty{Labels{}};
  EXPECT_TRUE(empty.labels().empty());
  EXPECT_TRUE(empty == Labels{});
}

TEST(InternedLabels, SharesStringsAndReleasesThem) {
  const size_t before = InternedLabels::pool_size();
  {
    // 1,000 series of one target: the names, job, instance and metric name are stored once.
    std::vector<std::unique_ptr<InternedLabels>> sets;
    for (int s = 0; s < 1000; s++)
      sets.push_back(std::make_unique<InternedLabels>(
          Labels{{"__name__", "bench_requests_total"}, {"job", "bench"}, {"instance", "127.0.0.1:9"},
                 {"path", "/p" + std::to_string(s)}}));
    // __name__, bench_requests_total, job, bench, instance, 127.0.0.1:9, path + 1,000 paths
    EXPECT_EQ(InternedLabels::pool_size() - before, 7u + 1000u);
    EXPECT_EQ(sets[17]->value(3), "/p17");  // sorted: __name__, instance, job, path
    EXPECT_EQ(sets[17]->labels().get("path"), "/p17");
    sets.resize(500);  // half the series leave: their own strings leave with them
    EXPECT_EQ(InternedLabels::pool_size() - before, 7u + 500u);
  }
  EXPECT_EQ(InternedLabels::pool_size(), before);
}

TEST(InternedLabels, OrdersAsLabelSetsDo) {
  // Every pair of these sets compares as the Labels they were made from: name before value,
  // a prefix first, bytes unsigned (the stale markers of a scrape are sorted by it).
  std::vector<Labels> sets = {
      Labels{},
      Labels{{"__name__", "a"}},
      Labels{{"__name__", "a"}, {"gen", "1"}},
      Labels{{"__name__", "a"}, {"gen", "10"}},
      Labels{{"__name__", "a"}, {"gen", "2"}},
      Labels{{"__name__", "a"}, {"gen", "2"}, {"job", "x"}},
      Labels{{"__name__", "a"}, {"gen", "\xc3\xa9"}},
      Labels{{"__name__", "a"}, {"gem", "9"}},
      Labels{{"__name__", "a"}, {"zz", ""}, {"job", "y"}},
      Labels{{"__name__", "b"}},
      Labels{{"__name__", "ab"}},
      Labels{{"a", "b"}},
  };
  std::vector<std::unique_ptr<InternedLabels>> interned;
  for (const Labels& l : sets) interned.push_back(std::make_unique<InternedLabels>(l));
  for (size_t i = 0; i < sets.size(); i++)
    for (size_t j = 0; j < sets.size(); j++)
      EXPECT_EQ(*interned[i] < *interned[j], sets[i] < sets[j]) << sets[i].to_string() << " vs " << sets[j].to_string();
}
