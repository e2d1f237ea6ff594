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
