#include "core/ingest/remote_write.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <cmath>
#include <cstring>

#include "collect.h"
#include "core/common/error.h"
#include "core/common/utf8.h"
#include "wire.h"

using namespace observe;
using namespace observe::ingest;
using namespace observe::ingest::testing;

namespace {

std::string label(std::string_view n, std::string_view v) { return Wire().bytes(1, n).bytes(2, v).str(); }
std::string sample(double v, int64_t ts) { return Wire().dbl(1, v).int64(2, ts).str(); }

std::string series(std::initializer_list<std::pair<std::string, std::string>> labels,
                   std::initializer_list<std::pair<double, int64_t>> samples, int histograms = 0, int exemplars = 0) {
  Wire w;
  for (const auto& [n, v] : labels) w.bytes(1, label(n, v));
  for (const auto& [v, t] : samples) w.bytes(2, sample(v, t));
  for (int i = 0; i < exemplars; i++) w.bytes(3, Wire().bytes(1, label("trace_id", "x")).dbl(2, 1).int64(3, 5).str());
  for (int i = 0; i < histograms; i++) w.bytes(4, Wire().int64(1, 3).int64(15, 1000).str());
  return w.str();
}

std::string request(std::initializer_list<std::string> ts) {
  Wire w;
  for (const auto& s : ts) w.bytes(1, s);
  return w.str();
}

std::string snappy_block(std::string_view s) {
  std::string out;
  snappy::Compress(s.data(), s.size(), &out);
  return out;
}

std::string error_of(std::string_view proto, const RemoteWriteOptions& o = {}, ErrorKind kind = ErrorKind::kDataException) {
  CollectSamples c;
  try {
    decode_remote_write_proto(proto, o, c);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_TRUE(valid_utf8(e.what()));
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

}  // namespace

TEST(RemoteWrite, DecodesSeriesSamplesAndMetadata) {
  double stale;
  uint64_t stale_bits = 0x7ff0000000000002ull;  // Prometheus's staleness marker
  std::memcpy(&stale, &stale_bits, 8);
  Wire md;
  md.int64(1, 1).bytes(2, "http_requests_total").bytes(4, "Requests.").bytes(5, "");
  std::string req = request({series({{"__name__", "up"}, {"job", "node"}, {"instance", "a:9100"}}, {{1, 1000}, {0, 2000}}),
                             series({{"job", "x"}, {"__name__", "m"}}, {{stale, 3000}}, 0, 2),
                             series({{"__name__", "no_samples"}}, {})}) +
                    Wire().bytes(3, md.str()).str();
  CollectSamples c;
  DecodeStats s = decode_remote_write(snappy_block(req), {}, c);
  ASSERT_EQ(c.series.size(), 2u);
  EXPECT_EQ(c.series[0].labels, (Labels{{"__name__", "up"}, {"instance", "a:9100"}, {"job", "node"}}));
  ASSERT_EQ(c.series[0].samples.size(), 2u);
  EXPECT_EQ(c.series[0].samples[1].timestamp_ms, 2000);
  EXPECT_EQ(c.series[0].samples[0].value, 1);
  EXPECT_EQ(c.series[1].labels, (Labels{{"__name__", "m"}, {"job", "x"}}));  // unsorted input, sorted as Prometheus does
  uint64_t got;
  std::memcpy(&got, &c.series[1].samples[0].value, 8);
  EXPECT_EQ(got, stale_bits);
  ASSERT_EQ(c.metadata_seen.size(), 1u);
  EXPECT_EQ(c.metadata_seen[0], "http_requests_total counter Requests. ");
  EXPECT_EQ(s.streams, 2u);
  EXPECT_EQ(s.entries, 3u);
  EXPECT_EQ(s.skipped_exemplars, 2u);
}

TEST(RemoteWrite, InvalidSeriesAreSkippedAsPrometheusDoes) {
  std::string req = request({series({{"__name__", "bad-name"}}, {{1, 1}}), series({{"__name__", "ok"}, {"9x", "v"}}, {{1, 1}}),
                             series({{"__name__", "ok"}, {"l", "\xff"}}, {{1, 1}}), series({{"__name__", "good"}}, {{1, 1}, {2, 2}})});
  CollectSamples c;
  DecodeStats s = decode_remote_write_proto(req, {}, c);
  ASSERT_EQ(c.series.size(), 1u);
  EXPECT_EQ(c.series[0].labels.metric_name(), "good");
  EXPECT_EQ(s.skipped_streams, 3u);
  EXPECT_EQ(s.skipped_entries, 3u);
  ASSERT_EQ(s.errors.size(), 3u);
  EXPECT_NE(s.errors[0].find("series 0"), std::string::npos);
  EXPECT_NE(s.errors[0].find("invalid metric name"), std::string::npos);
  EXPECT_NE(s.errors[1].find("invalid label name"), std::string::npos);
  EXPECT_NE(s.errors[2].find("not valid UTF-8"), std::string::npos);
  for (const auto& e : s.errors) EXPECT_TRUE(valid_utf8(e));
  RemoteWriteOptions strict;
  strict.skip_invalid_series = false;
  EXPECT_NE(error_of(req, strict).find("series 0 (byte 2): invalid metric name"), std::string::npos);
}

TEST(RemoteWrite, DuplicateAndEmptyLabelSetsAreErrors) {
  EXPECT_NE(error_of(request({series({{"__name__", "a"}, {"x", "1"}, {"x", "2"}}, {{1, 1}})})).find("label name \"x\" is not unique"),
            std::string::npos);
  EXPECT_NE(error_of(request({series({}, {{1, 1}})})).find("empty labelset"), std::string::npos);
}

TEST(RemoteWrite, HistogramsRefusedOrSkipped) {
  std::string req = request({series({{"__name__", "h"}}, {{1, 1}}, 2)});
  EXPECT_NE(error_of(req, {}, ErrorKind::kFeatureNotSupported).find("native histogram"), std::string::npos);
  RemoteWriteOptions o;
  o.skip_histograms = true;
  CollectSamples c;
  DecodeStats s = decode_remote_write_proto(req, o, c);
  EXPECT_EQ(s.skipped_histograms, 2u);
  ASSERT_EQ(c.series.size(), 1u);
  EXPECT_EQ(c.series[0].samples.size(), 1u);
}

TEST(RemoteWrite, PoisonBodies) {
  CollectSamples c;
  EXPECT_THROW(decode_remote_write("not snappy at all", {}, c), Error);
  std::string req = request({series({{"__name__", "a"}}, {{1, 1}})});
  EXPECT_NE(error_of(req.substr(0, req.size() - 2)).find("malformed write request protobuf"), std::string::npos);
  EXPECT_NE(error_of(request({"\xff\xff"})).find("series 0"), std::string::npos);
  RemoteWriteOptions small;
  small.max_body_bytes = 8;
  try {
    decode_remote_write(snappy_block(req), small, c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kLimitExceeded);
  }
}
