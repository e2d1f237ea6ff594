#include "core/ingest/loki_push.h"

#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>

#include "collect.h"
#include "core/common/error.h"
#include "core/common/utf8.h"
#include "wire.h"

using namespace observe;
using namespace observe::ingest;
using namespace observe::ingest::testing;

namespace {

CollectLogs json(std::string_view body, const LokiPushOptions& o = {}) {
  CollectLogs c;
  decode_loki_push_json(body, o, c);
  return c;
}

std::string json_error(std::string_view body, const LokiPushOptions& o = {}) {
  CollectLogs c;
  try {
    decode_loki_push_json(body, o, c);
  } catch (const Error& e) {
    EXPECT_TRUE(valid_utf8(e.what())) << e.what();
    EXPECT_EQ(e.kind(), ErrorKind::kDataException) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error for " << body;
  return "";
}

std::string proto_error(std::string_view body, const LokiPushOptions& o = {}) {
  CollectLogs c;
  try {
    decode_loki_push_proto(body, o, c);
  } catch (const Error& e) {
    EXPECT_TRUE(valid_utf8(e.what())) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

std::string snappy_block(std::string_view s) {
  std::string out;
  snappy::Compress(s.data(), s.size(), &out);
  return out;
}

std::string gzip(std::string_view in) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = in.size();
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = out.size();
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

const char* kPush = R"({"streams":[
  {"stream":{"job":"nginx","env":"prod"},"values":[["1796520833000000001","GET / 200"],["1796520833000000002","a \"quoted\" \u00e9 line",{"trace_id":"abc","user":"7"}]]},
  {"values":[["5","values before stream"]],"stream":{"job":"pg"}},
  {"stream":{"job":"empty"},"values":[]},
  {"stream":{},"values":[]}
]})";

}  // namespace

TEST(LokiPushJson, DecodesStreamsEntriesAndMetadata) {
  CollectLogs c = json(kPush);
  ASSERT_EQ(c.streams.size(), 2u);  // empty streams are skipped, even with invalid labels
  EXPECT_EQ(c.streams[0].labels, (Labels{{"env", "prod"}, {"job", "nginx"}}));
  ASSERT_EQ(c.streams[0].entries.size(), 2u);
  EXPECT_EQ(c.streams[0].entries[0].ts_ns, 1796520833000000001);
  EXPECT_EQ(c.streams[0].entries[0].line, "GET / 200");
  EXPECT_FALSE(c.streams[0].entries[0].has_metadata);
  EXPECT_EQ(c.streams[0].entries[1].line, "a \"quoted\" \xc3\xa9 line");
  EXPECT_EQ(c.streams[0].entries[1].metadata, (Labels{{"trace_id", "abc"}, {"user", "7"}}));
  EXPECT_EQ(c.streams[1].labels, (Labels{{"job", "pg"}}));
  EXPECT_EQ(c.streams[1].entries[0].ts_ns, 5);
  EXPECT_EQ(c.streams[1].entries[0].line, "values before stream");
}

TEST(LokiPushJson, StatsCountWhatWasHandedOver) {
  CollectLogs c;
  DecodeStats s = decode_loki_push_json(kPush, {}, c);
  EXPECT_EQ(s.streams, 2u);
  EXPECT_EQ(s.entries, 3u);
  EXPECT_EQ(s.line_bytes, 9u + 18u + 20u);
}

TEST(LokiPushJson, EmptyAndNullPayloadsAreFine) {
  EXPECT_TRUE(json(R"({})").streams.empty());
  EXPECT_TRUE(json(R"({"streams":null})").streams.empty());
  EXPECT_TRUE(json(R"({"streams":[],"other":{"x":[1,2]}})").streams.empty());
  EXPECT_TRUE(json(R"({"streams":[{"stream":{"a":"b"},"values":null}]})").streams.empty());
}

TEST(LokiPushJson, BatchesLongStreams) {
  std::string body = R"({"streams":[{"stream":{"a":"b"},"values":[)";
  for (int i = 0; i < 2500; i++) body += (i ? "," : "") + std::string("[\"") + std::to_string(i) + "\",\"l\"]";
  body += "]}]}";
  CollectLogs c = json(body);
  ASSERT_EQ(c.streams.size(), 1u);
  EXPECT_EQ(c.streams[0].entries.size(), 2500u);
  EXPECT_EQ(c.streams[0].batches, 3u);
  EXPECT_EQ(c.streams[0].entries[2499].ts_ns, 2499);
}

TEST(LokiPushJson, PoisonPayloadsNameTheStreamAndEntry) {
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a":"b"},"values":[["1","x"],[2,"y"]]}]})")
                .find("stream 0 entry 1 (byte "),
            std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a":"b"},"values":[[2,"y"]]}]})").find("must be a string of Unix nanoseconds, got a number"),
            std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a":"b"},"values":[["1.5","y"]]}]})").find("invalid timestamp \"1.5\""),
            std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a":"b"},"values":[["99999999999999999999","y"]]}]})").find("invalid timestamp"),
            std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a":"b"},"values":[["1",5]]}]})").find("line must be a string"), std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a":"b"},"values":[["1"]]}]})").find("needs a timestamp and a line"), std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a":"b"},"values":[["1","x",{},4]]}]})").find("at most 3 values"), std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a":"b"},"values":[["1","x",{"k":1}]]}]})").find("structured metadata \"k\""),
            std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a":1},"values":[["1","x"]]}]})").find("label \"a\" must have a string value"),
            std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a.b":"1"},"values":[["1","x"]]}]})").find("invalid label name"),
            std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"stream":{},"values":[["1","x"]]}]})").find("at least one label pair"), std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"a":"b"}, 7]})").find("stream 1 (byte 23): a stream must be an object"), std::string::npos);
  EXPECT_NE(json_error(R"({"streams":{}})").find("\"streams\" must be an array"), std::string::npos);
  EXPECT_NE(json_error(R"([1])").find("must be a JSON object"), std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a":"b"},"values":[["1","x"]]}]} {})").find("after the JSON document"),
            std::string::npos);
  EXPECT_NE(json_error("{\"streams\":[{\"stream\":{\"a\":\"b\"},\"values\":[[\"1\",\"\xff\"]]}]}").find("invalid JSON"),
            std::string::npos);
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a":"b"},"values":[["1","x"]]})").find("invalid JSON push body"),
            std::string::npos);
}

TEST(LokiPushJson, LineLimitRefusesOrTruncates) {
  LokiPushOptions o;
  o.max_line_bytes = 4;
  std::string body = R"({"streams":[{"stream":{"a":"b"},"values":[["1","abc"],["2","ab\u00e9cd"]]}]})";
  EXPECT_NE(json_error(body, o).find("Max entry size '4' bytes exceeded"), std::string::npos);
  o.truncate_long_lines = true;
  CollectLogs c = json(body, o);
  ASSERT_EQ(c.streams[0].entries.size(), 2u);
  EXPECT_EQ(c.streams[0].entries[1].line, "ab\xc3\xa9");  // 4 bytes, é kept whole
  o.max_line_bytes = 3;
  c = json(body, o);
  EXPECT_EQ(c.streams[0].entries[1].line, "ab");  // é does not fit: cut before it
}

TEST(LokiPushJson, SkipModeStoresTheValidRest) {
  LokiPushOptions o;
  o.skip_invalid = true;
  o.max_line_bytes = 5;
  CollectLogs c;
  DecodeStats s = decode_loki_push_json(R"({"streams":[
    {"stream":{"a":"b"},"values":[["1","ok"],["2","too long line 1"],["3","too long line"],["4","ok2"]]},
    {"stream":{"bad-name":"b"},"values":[["1","a"],["2","b"]]},
    {"stream":{"c":"d"},"values":[["1","ok3"]]}]})",
                                        o, c);
  ASSERT_EQ(c.streams.size(), 2u);
  EXPECT_EQ(c.streams[0].entries.size(), 2u);
  EXPECT_EQ(c.streams[0].entries[1].line, "ok2");
  EXPECT_EQ(c.streams[1].labels, (Labels{{"c", "d"}}));
  EXPECT_EQ(s.entries, 3u);
  EXPECT_EQ(s.skipped_entries, 4u);
  EXPECT_EQ(s.skipped_streams, 1u);
  ASSERT_EQ(s.errors.size(), 3u);
  // A timestamp that does not parse is a decode error in Loki: the whole request fails.
  CollectLogs none;
  EXPECT_THROW(decode_loki_push_json(R"({"streams":[{"stream":{"a":"b"},"values":[["1","ok"],["x","bad"]]}]})", o, none),
               Error);
  EXPECT_NE(s.errors[0].find("stream 0 entry 1"), std::string::npos) << s.errors[0];
  EXPECT_NE(s.errors[1].find("stream 0 entry 2"), std::string::npos) << s.errors[1];
  EXPECT_NE(s.errors[2].find("stream 1"), std::string::npos) << s.errors[2];
}

TEST(LokiPushJson, StructuredMetadataCanBeDisallowed) {
  LokiPushOptions o;
  o.allow_structured_metadata = false;
  EXPECT_NE(json_error(R"({"streams":[{"stream":{"a":"b"},"values":[["1","x",{"k":"v"}]]}]})", o).find("structured metadata"),
            std::string::npos);
  EXPECT_EQ(json(R"({"streams":[{"stream":{"a":"b"},"values":[["1","x",{}]]}]})", o).streams[0].entries.size(), 1u);
}

TEST(LokiPushProto, DecodesTheWireFormat) {
  Wire stream1;
  stream1.bytes(1, R"({job="nginx", env="prod"})")
      .bytes(2, loki_entry(1796520833, 7, "GET / 200"))
      .bytes(2, loki_entry(1796520834, 0, "second", {{"trace_id", "abc"}, {"empty", ""}}))
      .int64(3, 12345);  // hash, ignored
  Wire stream2;
  stream2.bytes(1, R"({job="pg"})").bytes(2, loki_entry(-1, 999999999, "before the epoch"));
  Wire empty;
  empty.bytes(1, "not even labels");
  Wire req;
  req.bytes(1, stream1.str()).bytes(1, empty.str()).int64(7, 1).bytes(1, stream2.str());
  CollectLogs c;
  DecodeStats s = decode_loki_push_proto(req.str(), {}, c);
  ASSERT_EQ(c.streams.size(), 2u);
  EXPECT_EQ(c.streams[0].labels, (Labels{{"env", "prod"}, {"job", "nginx"}}));
  EXPECT_EQ(c.streams[0].entries[0].ts_ns, 1796520833000000007);
  EXPECT_EQ(c.streams[0].entries[1].line, "second");
  EXPECT_EQ(c.streams[0].entries[1].metadata, (Labels{{"trace_id", "abc"}}));
  EXPECT_EQ(c.streams[1].entries[0].ts_ns, -1);
  EXPECT_EQ(s.entries, 3u);

  // The same through the HTTP shape: snappy, and gzip around snappy.
  CollectLogs c2;
  decode_loki_push(snappy_block(req.str()), "application/x-protobuf", "", {}, c2);
  EXPECT_EQ(c2.streams.size(), 2u);
  CollectLogs c3;
  decode_loki_push(gzip(snappy_block(req.str())), "", "gzip", {}, c3);
  EXPECT_EQ(c3.streams.size(), 2u);
  CollectLogs c4;
  decode_loki_push(gzip(kPush), "application/json; charset=utf-8", "gzip", {}, c4);
  EXPECT_EQ(c4.streams.size(), 2u);
}

TEST(LokiPushProto, PoisonMessages) {
  auto one = [](std::string labels, std::string entry) {
    return Wire().bytes(1, Wire().bytes(1, labels).bytes(2, entry).str()).str();
  };
  EXPECT_NE(proto_error(one("{job=\"a\"", loki_entry(1, 0, "x"))).find("stream 0 (byte 2): invalid stream labels"),
            std::string::npos);
  EXPECT_NE(proto_error(one("{job=\"a\"}", loki_entry(1, 0, "bad \xff utf8"))).find("stream 0 entry 0"), std::string::npos);
  EXPECT_NE(proto_error(one("{job=\"a\"}", loki_entry(1, 0, "bad \xff utf8"))).find("not valid UTF-8"), std::string::npos);
  EXPECT_NE(proto_error(one("{job=\"a\"}", loki_entry(1, 1000000000, "x"))).find("nanos"), std::string::npos);
  EXPECT_NE(proto_error(one("{job=\"a\"}", loki_entry(INT64_MAX / 2, 0, "x"))).find("int64 nanosecond range"),
            std::string::npos);
  EXPECT_NE(proto_error(one("{job=\"\xff\"}", loki_entry(1, 0, "x"))).find("not valid UTF-8"), std::string::npos);
  std::string req = one("{job=\"a\"}", loki_entry(1, 0, "x"));
  EXPECT_NE(proto_error(req.substr(0, req.size() - 1)).find("malformed push request protobuf at byte 0"), std::string::npos);
  EXPECT_NE(proto_error("\x0a\x03\xff\xff\xff").find("stream 0"), std::string::npos);  // a stream that is not a message
  EXPECT_NE(proto_error("\xff").find("malformed"), std::string::npos);
  LokiPushOptions o;
  o.validate_utf8 = false;
  CollectLogs c;
  decode_loki_push_proto(one("{job=\"a\"}", loki_entry(1, 0, "bad \xff")), o, c);
  EXPECT_EQ(c.streams[0].entries[0].line, "bad \xff");
}

TEST(LokiPush, HttpShapeErrors) {
  CollectLogs c;
  EXPECT_THROW(decode_loki_push("x", "application/json", "br", {}, c), Error);
  LokiPushOptions o;
  o.max_body_bytes = 10;
  try {
    decode_loki_push(gzip(kPush), "application/json", "gzip", o, c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kLimitExceeded);
  }
  try {
    decode_loki_push("not snappy", "", "", {}, c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kDataException);
  }
  EXPECT_EQ(push_format_from_content_type("Application/JSON ; charset=utf-8"), PushFormat::kJson);
  EXPECT_EQ(push_format_from_content_type(""), PushFormat::kProtobuf);
}

TEST(LokiPushJson, EveryEntryKeepsItsOwnMetadata) {
  std::string body = R"({"streams":[{"stream":{"a":"b"},"values":[)";
  for (int i = 0; i < 3000; i++)
    body += (i ? "," : "") + std::string("[\"") + std::to_string(i) + "\",\"l\",{\"n\":\"" + std::to_string(i) + "\"}]";
  body += "]}]}";
  CollectLogs c = json(body);
  ASSERT_EQ(c.streams[0].entries.size(), 3000u);
  for (int i = 0; i < 3000; i++) EXPECT_EQ(c.streams[0].entries[i].metadata.get("n"), std::to_string(i));
}

TEST(LokiPushJson, NullsAreReadAsGoReadsThem) {
  CollectLogs c = json(R"({"streams":[{"stream":{"a":"b","gone":null},"values":[["1","x",null]]}]})");
  ASSERT_EQ(c.streams.size(), 1u);
  EXPECT_EQ(c.streams[0].labels, (Labels{{"a", "b"}}));
  EXPECT_FALSE(c.streams[0].entries[0].has_metadata);
}
