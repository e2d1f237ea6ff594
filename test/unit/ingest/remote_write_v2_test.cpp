// Remote-Write 2.0 requests built by hand on the wire (test/unit/ingest/wire.h), decoded.
#include <gtest/gtest.h>
#include <snappy.h>

#include "collect.h"
#include "core/common/error.h"
#include "core/ingest/remote_write.h"
#include "wire.h"

using namespace observe;
using namespace observe::ingest;
using namespace observe::ingest::testing;

namespace {

// labels_refs packed (wire type 2), as Go's encoder writes repeated scalars.
std::string packed_refs(std::initializer_list<uint32_t> refs) {
  Wire w;
  for (uint32_t r : refs) w.varint(r);
  return w.str();
}

std::string series_v2(std::initializer_list<uint32_t> refs, std::initializer_list<std::pair<double, int64_t>> samples,
                      std::string metadata = "") {
  Wire w;
  w.bytes(1, packed_refs(refs));
  for (const auto& [v, t] : samples) w.bytes(2, Wire().dbl(1, v).int64(2, t).str());
  if (!metadata.empty()) w.bytes(5, metadata);
  return w.str();
}

std::string request_v2(std::initializer_list<std::string> symbols, std::initializer_list<std::string> series,
                       bool series_first = false) {
  Wire w;
  if (series_first)
    for (const auto& s : series) w.bytes(5, s);
  for (const auto& s : symbols) w.bytes(4, s);
  if (!series_first)
    for (const auto& s : series) w.bytes(5, s);
  return w.str();
}

const std::initializer_list<std::string> kSymbols = {"", "__name__", "up", "job", "api", "help text", "seconds"};

}  // namespace

TEST(RemoteWriteV2, ResolvesSymbolsIntoLabelsAndMetadata) {
  std::string md = Wire().int64(1, 2).int64(3, 5).int64(4, 6).str();  // gauge, help, unit
  for (bool series_first : {false, true}) {
    CollectSamples c;
    DecodeStats st = decode_remote_write_v2_proto(
        request_v2(kSymbols, {series_v2({3, 4, 1, 2}, {{1, 1000}, {0, 2000}}, md)}, series_first), {}, c);
    ASSERT_EQ(c.series.size(), 1u);
    EXPECT_EQ(c.series[0].labels.to_string(), R"(up{job="api"})");
    ASSERT_EQ(c.series[0].samples.size(), 2u);
    EXPECT_EQ(c.series[0].samples[1].timestamp_ms, 2000);
    EXPECT_EQ(c.series[0].samples[1].value, 0);
    EXPECT_EQ(st.entries, 2u);
    ASSERT_EQ(c.metadata_seen.size(), 1u);
    EXPECT_EQ(c.metadata_seen[0], "up gauge help text seconds");
  }
}

TEST(RemoteWriteV2, SnappyBodies) {
  std::string raw = request_v2(kSymbols, {series_v2({1, 2}, {{5, 10}})}), body;
  snappy::Compress(raw.data(), raw.size(), &body);
  CollectSamples c;
  decode_remote_write_v2(body, {}, c);
  ASSERT_EQ(c.series.size(), 1u);
  EXPECT_EQ(c.series[0].labels.to_string(), "up");
}

TEST(RemoteWriteV2, RefusesBrokenReferences) {
  auto error_of = [](const std::string& proto) {
    CollectSamples c;
    try {
      decode_remote_write_v2_proto(proto, {}, c);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kDataException);
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of(request_v2(kSymbols, {series_v2({1, 99}, {{1, 1}})})).find("symbol reference 99 out of range"),
            std::string::npos);
  EXPECT_NE(error_of(request_v2(kSymbols, {series_v2({1, 2, 3}, {{1, 1}})})).find("odd number"), std::string::npos);
  EXPECT_NE(error_of(request_v2({"x", "__name__", "up"}, {series_v2({1, 2}, {{1, 1}})})).find("first symbol"),
            std::string::npos);
}

TEST(RemoteWriteV2, InvalidAndEmptySeriesAreReportedOthersWritten) {
  CollectSamples c;
  DecodeStats st = decode_remote_write_v2_proto(
      request_v2({"", "__name__", "up", "1bad", "x"},
                 {series_v2({1, 3}, {{1, 1}}), series_v2({1, 2}, {}), series_v2({1, 2, 4, 2}, {{7, 7}})}),
      {}, c);
  ASSERT_EQ(c.series.size(), 1u);
  EXPECT_EQ(c.series[0].labels.to_string(), R"(up{x="up"})");
  EXPECT_EQ(st.skipped_streams, 2u);
  ASSERT_EQ(st.errors.size(), 2u);
  EXPECT_NE(st.errors[0].find("invalid metric name"), std::string::npos) << st.errors[0];
  EXPECT_NE(st.errors[1].find("at least one sample"), std::string::npos) << st.errors[1];
}
