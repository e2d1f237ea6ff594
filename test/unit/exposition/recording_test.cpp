// The whole node recording (shared/data/node-recording/samples.om.zst, OpenMetrics) parses,
// and the parser finds exactly the samples, series and time span its STATS file states.
#include <gtest/gtest.h>
#include <zstd.h>

#include <ctime>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <unordered_set>

#include "core/exposition/parser.h"

namespace observe::exposition {
namespace {

const std::string kDir = std::string(OBSERVE_SHARED_DIR) + "/data/node-recording";

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "key value" line of STATS.
std::string stat(const std::string& stats, const std::string& key) {
  std::istringstream in(stats);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + " ", 0) == 0) {
      std::string v = line.substr(key.size());
      return v.substr(v.find_first_not_of(' '));
    }
  return "";
}

// "2026-11-24 18:16:55.509Z" -> Unix milliseconds.
int64_t parse_utc_ms(const std::string& s) {
  std::tm tm{};
  int ms = 0;
  std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
              &tm.tm_min, &tm.tm_sec, &ms);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + ms;
}

TEST(Recording, ParsesWithTheCountsOfItsStats) {
  std::ifstream probe(kDir + "/samples.om.zst");
  if (!probe) GTEST_SKIP() << "shared data not found at " << kDir << ": skipping the recording check";
  const std::string stats = read(kDir + "/STATS");
  const std::string compressed = read(kDir + "/samples.om.zst");
  std::string payload;
  ZSTD_DStream* ds = ZSTD_createDStream();
  ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  while (in.pos < in.size) {
    ZSTD_outBuffer out{chunk.data(), chunk.size(), 0};
    size_t r = ZSTD_decompressStream(ds, &out, &in);
    ASSERT_FALSE(ZSTD_isError(r)) << ZSTD_getErrorName(r);
    payload.append(chunk.data(), out.pos);
  }
  ZSTD_freeDStream(ds);

  size_t samples = 0;
  std::unordered_set<std::string_view> series, names;
  int64_t first = std::numeric_limits<int64_t>::max(), last = std::numeric_limits<int64_t>::min();
  for_each_sample(payload, Format::kOpenMetrics, [&](const Entry& e) {
    ++samples;
    series.insert(e.series);
    names.insert(e.metric_name);
    ASSERT_TRUE(e.has_timestamp);
    first = std::min(first, e.timestamp_ms);
    last = std::max(last, e.timestamp_ms);
  });
  EXPECT_EQ(std::to_string(samples), stat(stats, "samples"));
  EXPECT_EQ(std::to_string(series.size()), stat(stats, "series"));
  EXPECT_EQ(std::to_string(names.size()), stat(stats, "metric names"));
  EXPECT_EQ(first, parse_utc_ms(stat(stats, "first")));
  EXPECT_EQ(last, parse_utc_ms(stat(stats, "last")));
}

}  // namespace
}  // namespace observe::exposition
