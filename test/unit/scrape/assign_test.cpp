#include "core/scrape/assign.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using observe::scrape::worker_for_target;

TEST(ScrapeAssign, OneWorkerTakesEverything) {
  EXPECT_EQ(worker_for_target("node", "http://127.0.0.1:9100/metrics", 1), 0);
  EXPECT_EQ(worker_for_target("node", "http://127.0.0.1:9100/metrics", 0), 0);
}

TEST(ScrapeAssign, StableAndInRange) {
  for (int workers : {2, 3, 8}) {
    for (int i = 0; i < 200; i++) {
      std::string url = "http://127.0.0.1:9100/t/" + std::to_string(i);
      int w = worker_for_target("bench", url, workers);
      EXPECT_GE(w, 0);
      EXPECT_LT(w, workers);
      EXPECT_EQ(w, worker_for_target("bench", url, workers));  // the same every time
    }
  }
  // Fixed across processes and builds: the hash is not std::hash.
  EXPECT_EQ(worker_for_target("bench", "http://127.0.0.1:9100/t/0", 2),
            worker_for_target(std::string("bench"), std::string("http://127.0.0.1:9100/t/0"), 2));
}

TEST(ScrapeAssign, JobAndUrlBothCount) {
  // "a" + "bc" and "ab" + "c" are different targets: the separator keeps them apart.
  int differ = 0;
  for (int i = 0; i < 64; i++) {
    std::string s = std::to_string(i);
    differ += worker_for_target("a" + s, "bc", 16) != worker_for_target("a", s + "bc", 16);
  }
  EXPECT_GT(differ, 32);
}

TEST(ScrapeAssign, SpreadsEvenly) {
  // 1,000 targets of one fixture over 2 and 4 workers: each gets its share within 15 %.
  for (int workers : {2, 4}) {
    std::vector<int> count(workers);
    for (int i = 0; i < 1000; i++)
      count[worker_for_target("bench", "http://127.0.0.1:19100/t/" + std::to_string(i), workers)]++;
    for (int c : count) {
      EXPECT_GT(c, 1000 / workers * 85 / 100);
      EXPECT_LT(c, 1000 / workers * 115 / 100);
    }
  }
}
