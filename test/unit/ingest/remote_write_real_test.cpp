// Real Prometheus 2.42 remote_write requests (data/prometheus-2.42, captured by
// data/capture_remote_write.sh) decoded and compared with `promtool tsdb dump` of the same
// Prometheus's own TSDB: every sample it sent is what it stored, and nothing else.
#include <gtest/gtest.h>
#include <zstd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/ingest/remote_write.h"

using namespace observe;
using namespace observe::ingest;

namespace {

const std::string kDir = std::string(INGEST_TEST_DATA) + "/prometheus-2.42";

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A series as promtool prints it: {__name__="x", a="b"}.
std::string dump_key(const Labels& l) {
  std::string s = "{";
  for (size_t i = 0; i < l.items().size(); i++) {
    if (i) s += ", ";
    s += l.items()[i].name + "=" + quote_label_value(l.items()[i].value);
  }
  return s + "}";
}

struct Collect : SampleSink {
  std::map<std::pair<std::string, int64_t>, double> got;
  std::string key;
  size_t metadata_count = 0, duplicates = 0;
  std::map<std::string, std::string> types;
  void begin_series(const Labels& l) override { key = dump_key(l); }
  void samples(const Sample* s, size_t n) override {
    for (size_t i = 0; i < n; i++)
      if (!got.emplace(std::make_pair(key, s[i].timestamp_ms), s[i].value).second) duplicates++;
  }
  void metadata(const MetricMetadata& m) override {
    metadata_count++;
    types[std::string(m.family)] = std::string(m.type);
  }
};

}  // namespace

TEST(RemoteWriteReal, Prometheus242RequestsEqualItsOwnTsdb) {
  Collect c;
  size_t requests = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    if (entry.path().extension() != ".bin") continue;
    DecodeStats s = decode_remote_write(read_file(entry.path()), {}, c);
    EXPECT_EQ(s.skipped_streams, 0u);
    requests++;
  }
  ASSERT_GT(requests, 5u);
  EXPECT_EQ(c.duplicates, 0u);

  std::string z = read_file(kDir + "/tsdb-dump.txt.zst");
  unsigned long long size = ZSTD_getFrameContentSize(z.data(), z.size());
  ASSERT_NE(size, ZSTD_CONTENTSIZE_ERROR);
  ASSERT_NE(size, ZSTD_CONTENTSIZE_UNKNOWN);
  std::string dump(size, '\0');
  ASSERT_EQ(ZSTD_decompress(dump.data(), dump.size(), z.data(), z.size()), size);

  std::istringstream lines(dump);
  std::string line;
  size_t stored = 0, matched = 0;
  while (std::getline(lines, line)) {
    // `{labels} value timestamp`; label values never hold "} " in this data.
    size_t close = line.rfind("} ");
    ASSERT_NE(close, std::string::npos) << line;
    std::string key = line.substr(0, close + 1);
    std::istringstream rest(line.substr(close + 2));
    std::string value_text;
    int64_t ts;
    rest >> value_text >> ts;
    double value = std::strtod(value_text.c_str(), nullptr);
    stored++;
    auto it = c.got.find({key, ts});
    if (it == c.got.end()) {
      ADD_FAILURE() << "stored but not decoded: " << line;
      continue;
    }
    if (std::isnan(value)) EXPECT_TRUE(std::isnan(it->second)) << line;
    else EXPECT_EQ(it->second, value) << line;
    matched++;
  }
  EXPECT_EQ(stored, c.got.size());  // and nothing decoded that was not stored
  EXPECT_EQ(matched, stored);
  EXPECT_GT(stored, 1000u);
  EXPECT_GT(c.metadata_count, 100u);
  EXPECT_EQ(c.types["prometheus_http_requests_total"], "counter");
  EXPECT_EQ(c.types["go_goroutines"], "gauge");
  EXPECT_EQ(c.types["prometheus_http_request_duration_seconds"], "histogram");
}
