#include "core/ingest/kafka_formats.h"

#include <gtest/gtest.h>
#include <snappy.h>

#include <cmath>

#include "collect.h"
#include "core/common/error.h"
#include "core/common/utf8.h"
#include "wire.h"

using namespace observe;
using namespace observe::ingest;
using namespace observe::ingest::testing;

namespace {

KafkaMessage msg(std::string_view value, int64_t ts_ms = 1796520833000) {
  KafkaMessage m;
  m.topic = "logs";
  m.partition = 3;
  m.offset = 42;
  m.key = "k1";
  m.has_key = true;
  m.headers = {{"host", "web-1"}};
  m.timestamp_ms = ts_ms;
  m.value = value;
  return m;
}

KafkaFormatOptions opts(KafkaFormat f) {
  KafkaFormatOptions o;
  o.format = f;
  o.labels = {{MessageLabel::Source::kTopic, "topic", ""}, {MessageLabel::Source::kConstant, "source", "kafka"}};
  return o;
}

CollectLogs logs(KafkaDecoder& d, const KafkaMessage& m) {
  CollectLogs c;
  d.decode_logs(m, c);
  return c;
}

std::string log_error(KafkaDecoder& d, const KafkaMessage& m) {
  CollectLogs c;
  try {
    d.decode_logs(m, c);
  } catch (const Error& e) {
    EXPECT_TRUE(valid_utf8(e.what()));
    EXPECT_NE(std::string(e.what()).find("message \"logs\"/3/42"), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error for " << m.value;
  return "";
}

std::string sample_error(KafkaDecoder& d, const KafkaMessage& m) {
  CollectSamples c;
  try {
    d.decode_samples(m, c);
  } catch (const Error& e) {
    EXPECT_TRUE(valid_utf8(e.what()));
    EXPECT_NE(std::string(e.what()).find("message \"logs\"/3/42"), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error for " << m.value;
  return "";
}

}  // namespace

TEST(KafkaFormats, Names) {
  KafkaFormat f;
  for (const char* n : {"loki_push", "json_lines", "logfmt", "raw", "prometheus_text", "prometheus_json",
                        "prometheus_remote_write"}) {
    ASSERT_TRUE(kafka_format_from_name(n, &f)) << n;
    EXPECT_EQ(kafka_format_name(f), n);
  }
  EXPECT_FALSE(kafka_format_from_name("avro", &f));
  EXPECT_TRUE(kafka_format_is_logs(KafkaFormat::kRaw));
  EXPECT_FALSE(kafka_format_is_logs(KafkaFormat::kPrometheusJson));
  TimeFormat t;
  EXPECT_TRUE(time_format_from_name("unix_ms", &t));
  EXPECT_EQ(t, TimeFormat::kUnixMillis);
  EXPECT_FALSE(time_format_from_name("unix_days", &t));
}

TEST(KafkaFormats, RawUsesMessageLabelsAndTimestamp) {
  KafkaFormatOptions o = opts(KafkaFormat::kRaw);
  o.labels.push_back({MessageLabel::Source::kKey, "key", ""});
  o.labels.push_back({MessageLabel::Source::kHeader, "host", "host"});
  o.labels.push_back({MessageLabel::Source::kPartition, "partition", ""});
  o.labels.push_back({MessageLabel::Source::kHeader, "absent", "nope"});
  KafkaDecoder d(o);
  CollectLogs c = logs(d, msg("any text \xc3\xa9 at all"));
  ASSERT_EQ(c.streams.size(), 1u);
  EXPECT_EQ(c.streams[0].labels,
            (Labels{{"host", "web-1"}, {"key", "k1"}, {"partition", "3"}, {"source", "kafka"}, {"topic", "logs"}}));
  ASSERT_EQ(c.streams[0].entries.size(), 1u);
  EXPECT_EQ(c.streams[0].entries[0].ts_ns, 1796520833000000000);
  EXPECT_EQ(c.streams[0].entries[0].line, "any text \xc3\xa9 at all");
  EXPECT_NE(log_error(d, msg("bad \xff bytes")).find("not valid UTF-8"), std::string::npos);
  EXPECT_NE(log_error(d, msg("no timestamp", -1)).find("no timestamp"), std::string::npos);
  KafkaFormatOptions bare;
  bare.format = KafkaFormat::kRaw;
  KafkaDecoder nolabels(bare);
  EXPECT_NE(log_error(nolabels, msg("x")).find("at least one label"), std::string::npos);
  KafkaFormatOptions bad_name;
  bad_name.labels = {{MessageLabel::Source::kTopic, "bad-name", ""}};
  EXPECT_THROW(KafkaDecoder{bad_name}, Error);
  CollectSamples s;
  EXPECT_THROW(d.decode_samples(msg("x"), s), Error);
}

TEST(KafkaFormats, JsonLines) {
  KafkaFormatOptions o = opts(KafkaFormat::kJsonLines);
  o.time_field = "ts";
  o.line_field = "msg";
  o.label_fields = {{"app", "$.kubernetes.app"}, {"level", "level"}};
  o.labels_object = "tags";
  o.metadata_fields = {{"trace_id", "trace.id"}, {"status", "status"}};
  KafkaDecoder d(o);
  CollectLogs c = logs(d, msg(R"({"ts":"2026-12-06T01:33:53.5Z","msg":"hello","level":"info",
      "kubernetes":{"app":"shop"},"tags":{"zone":"a","n":3,"skip":null},"trace":{"id":"abc"},"status":200})"));
  ASSERT_EQ(c.streams.size(), 1u);
  EXPECT_EQ(c.streams[0].labels, (Labels{{"app", "shop"}, {"level", "info"}, {"n", "3"}, {"source", "kafka"},
                                         {"topic", "logs"}, {"zone", "a"}}));
  EXPECT_EQ(c.streams[0].entries[0].ts_ns, 1796520833500000000);
  EXPECT_EQ(c.streams[0].entries[0].line, "hello");
  EXPECT_EQ(c.streams[0].entries[0].metadata, (Labels{{"status", "200"}, {"trace_id", "abc"}}));

  // Numeric times in every unit, guessed or told.
  for (const char* t : {"1796520833", "1796520833000", "1796520833000000", "1796520833000000000", "\"1796520833000\""}) {
    CollectLogs n = logs(d, msg(std::string(R"({"ts":)") + t + R"(,"msg":"x","level":"i"})"));
    EXPECT_EQ(n.streams[0].entries[0].ts_ns, 1796520833000000000) << t;
  }
  EXPECT_EQ(logs(d, msg(R"({"ts":1796520833.25,"msg":"x","level":"i"})")).streams[0].entries[0].ts_ns, 1796520833250000000);
  o.time_format = TimeFormat::kUnixMillis;
  KafkaDecoder ms(o);
  EXPECT_EQ(logs(ms, msg(R"({"ts":5,"msg":"x","level":"i"})")).streams[0].entries[0].ts_ns, 5000000);
  EXPECT_NE(log_error(ms, msg(R"({"ts":"2026-12-06T01:33:53Z","msg":"x","level":"i"})")).find("is not a time"),
            std::string::npos);

  // No line field: the whole message is the line; a missing time takes the message's.
  KafkaFormatOptions whole = opts(KafkaFormat::kJsonLines);
  whole.time_field = "ts";
  KafkaDecoder w(whole);
  std::string body = R"({"level":"warn","n":[1,2]})";
  CollectLogs wl = logs(w, msg(body));
  EXPECT_EQ(wl.streams[0].entries[0].line, body);
  EXPECT_EQ(wl.streams[0].entries[0].ts_ns, 1796520833000000000);
  // A non-string line field is written as JSON.
  whole.line_field = "n";
  KafkaDecoder arr(whole);
  EXPECT_EQ(logs(arr, msg(body)).streams[0].entries[0].line, "[1,2]");
}

TEST(KafkaFormats, JsonLinesPoison) {
  KafkaFormatOptions o = opts(KafkaFormat::kJsonLines);
  o.time_field = "ts";
  o.time_required = true;
  o.line_field = "msg";
  o.label_fields = {{"app", "app"}};
  KafkaDecoder d(o);
  EXPECT_NE(log_error(d, msg(R"({"ts":1,"msg":"x")")).find("invalid JSON"), std::string::npos);
  EXPECT_NE(log_error(d, msg(R"([1,2])")).find("must be a JSON object"), std::string::npos);
  EXPECT_NE(log_error(d, msg(R"({"msg":"x"})")).find("time field \"ts\" is missing"), std::string::npos);
  EXPECT_NE(log_error(d, msg(R"({"ts":"yesterday","msg":"x"})")).find("is not a time"), std::string::npos);
  EXPECT_NE(log_error(d, msg(R"({"ts":true,"msg":"x"})")).find("is not a time"), std::string::npos);
  EXPECT_NE(log_error(d, msg(R"({"ts":1,"other":"x"})")).find("line field \"msg\" is missing"), std::string::npos);
  EXPECT_NE(log_error(d, msg(R"({"ts":1,"msg":"x","app":{"a":1}})")).find("not an object"), std::string::npos);
  EXPECT_NE(log_error(d, msg("{\"ts\":1,\"msg\":\"\xff\"}")).find("invalid JSON"), std::string::npos);
  o.loki.max_line_bytes = 3;
  KafkaDecoder small(o);
  EXPECT_NE(log_error(small, msg(R"({"ts":1,"msg":"long line"})")).find("Max entry size '3'"), std::string::npos);
}

// A decoder checks a stream's labels once and reuses the result while messages name the same
// pairs: whatever came before, each message gets the labels (or the refusal) a fresh decoder
// gives it.
TEST(KafkaFormats, StreamLabelsCheckedOnceGiveTheSameAnswers) {
  KafkaFormatOptions o = opts(KafkaFormat::kJsonLines);
  o.time_field = "ts";
  o.line_field = "msg";
  o.label_fields = {{"app", "app"}, {"level", "level"}};
  o.loki.labels.max_value_length = 8;
  o.metadata_fields = {{"trace_id", "trace"}};
  std::vector<std::string> bodies = {
      R"({"ts":1,"msg":"a","app":"shop","level":"info"})",
      R"({"ts":2,"msg":"b","level":"info","app":"shop"})",               // same pairs, other order
      R"({"ts":3,"msg":"c","app":"shop","level":"info","trace":"t1"})",  // metadata
      R"({"ts":4,"msg":"d","app":"much-too-long","level":"info"})",      // refused: value too long
      R"({"ts":5,"msg":"e","app":"shop","level":"info"})",
      R"({"ts":6,"msg":"f","app":"shop"})",                              // another stream
      R"({"ts":7,"msg":"g","app":"much-too-long","level":"info"})",
      R"({"ts":8,"msg":"h","app":"much-too-long","level":"info"})",      // refused twice in a row
      R"({"ts":9,"msg":"i","app":"shop","level":"warn"})",
  };
  KafkaDecoder warm(o);
  for (const std::string& body : bodies) {
    KafkaDecoder fresh(o);
    CollectLogs a, b;
    std::string ea, eb;
    try {
      warm.decode_logs(msg(body), a);
    } catch (const Error& e) {
      ea = e.what();
    }
    try {
      fresh.decode_logs(msg(body), b);
    } catch (const Error& e) {
      eb = e.what();
    }
    EXPECT_EQ(ea, eb) << body;
    if (!eb.empty()) {
      // The refusal names the message and the stream as LogEmitter's checks did.
      EXPECT_NE(eb.find("message \"logs\"/3/42: stream 0: stream "), std::string::npos) << eb;
      EXPECT_NE(eb.find("label value too long"), std::string::npos) << eb;
      continue;
    }
    ASSERT_EQ(a.streams.size(), 1u) << body;
    ASSERT_EQ(b.streams.size(), 1u) << body;
    EXPECT_EQ(a.streams[0].labels, b.streams[0].labels) << body;
    ASSERT_EQ(a.streams[0].entries.size(), 1u);
    EXPECT_EQ(a.streams[0].entries[0].line, b.streams[0].entries[0].line);
    EXPECT_EQ(a.streams[0].entries[0].ts_ns, b.streams[0].entries[0].ts_ns);
    EXPECT_EQ(a.streams[0].entries[0].has_metadata, b.streams[0].entries[0].has_metadata);
    EXPECT_EQ(a.streams[0].entries[0].metadata, b.streams[0].entries[0].metadata);
  }
  CollectLogs c;
  warm.decode_logs(msg(bodies[5]), c);
  EXPECT_EQ(c.streams[0].labels, (Labels{{"app", "shop"}, {"source", "kafka"}, {"topic", "logs"}}));
  CollectLogs m;
  warm.decode_logs(msg(bodies[2]), m);
  EXPECT_EQ(m.streams[0].labels,
            (Labels{{"app", "shop"}, {"level", "info"}, {"source", "kafka"}, {"topic", "logs"}}));
  EXPECT_EQ(m.streams[0].entries[0].metadata, (Labels{{"trace_id", "t1"}}));
  EXPECT_EQ(m.streams[0].batches, 1u);
}

TEST(KafkaFormats, Logfmt) {
  KafkaFormatOptions o = opts(KafkaFormat::kLogfmt);
  o.time_field = "ts";
  o.label_fields = {{"level", "level"}, {"component", "component"}};
  o.metadata_fields = {{"caller", "caller"}};
  KafkaDecoder d(o);
  std::string line =
      R"(ts=2026-12-06T01:33:53.123Z caller=main.go:42 level=info component="tsdb head" msg="a \"quoted\" \u00e9" flag)";
  CollectLogs c = logs(d, msg(line));
  ASSERT_EQ(c.streams.size(), 1u);
  EXPECT_EQ(c.streams[0].labels, (Labels{{"component", "tsdb head"}, {"level", "info"}, {"source", "kafka"}, {"topic", "logs"}}));
  EXPECT_EQ(c.streams[0].entries[0].line, line);
  EXPECT_EQ(c.streams[0].entries[0].ts_ns, 1796520833123000000);
  EXPECT_EQ(c.streams[0].entries[0].metadata, (Labels{{"caller", "main.go:42"}}));
  // Without the time key the message timestamp is used.
  EXPECT_EQ(logs(d, msg("level=warn msg=x")).streams[0].entries[0].ts_ns, 1796520833000000000);
  // Poison lines.
  EXPECT_NE(log_error(d, msg("level=info msg=\"unterminated")).find("unterminated quoted value"), std::string::npos);
  EXPECT_NE(log_error(d, msg("=x")).find("unexpected '='"), std::string::npos);
  EXPECT_NE(log_error(d, msg("a=b=c")).find("byte 3"), std::string::npos);
  EXPECT_NE(log_error(d, msg("msg=\"bad \\q escape\"")).find("invalid escape"), std::string::npos);
  EXPECT_NE(log_error(d, msg("ts=notatime level=x")).find("is not a time"), std::string::npos);
  EXPECT_NE(log_error(d, msg("level=\xff")).find("not valid UTF-8"), std::string::npos);
}

TEST(KafkaFormats, LogfmtPairs) {
  std::vector<std::pair<std::string, std::string>> got;
  parse_logfmt("  a=1 b= c d=\"x y\"\tlast", [&](std::string_view k, std::string_view v) { got.emplace_back(k, v); });
  std::vector<std::pair<std::string, std::string>> want = {{"a", "1"}, {"b", ""}, {"c", ""}, {"d", "x y"}, {"last", ""}};
  EXPECT_EQ(got, want);
  EXPECT_THROW(parse_logfmt("a=\"x\"y", [](std::string_view, std::string_view) {}), Error);
  EXPECT_THROW(parse_logfmt("\"a\"=1", [](std::string_view, std::string_view) {}), Error);
  got.clear();
  parse_logfmt("e=\"\\ud83d\\ude00 \\ud800\"", [&](std::string_view k, std::string_view v) { got.emplace_back(k, v); });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].second, "\xf0\x9f\x98\x80 \xef\xbf\xbd");  // a surrogate pair, a lone surrogate
}

TEST(KafkaFormats, LokiPushMessages) {
  KafkaFormatOptions o = opts(KafkaFormat::kLokiPush);
  KafkaDecoder d(o);
  CollectLogs c = logs(d, msg(R"({"streams":[{"stream":{"job":"a","topic":"mine"},"values":[["7","x"]]}]})"));
  ASSERT_EQ(c.streams.size(), 1u);
  EXPECT_EQ(c.streams[0].labels, (Labels{{"job", "a"}, {"source", "kafka"}, {"topic", "mine"}}));  // the stream's own wins
  EXPECT_EQ(c.streams[0].entries[0].ts_ns, 7);
  // The protobuf form (snappy).
  std::string proto = Wire().bytes(1, Wire().bytes(1, "{job=\"b\"}").bytes(2, loki_entry(1, 5, "y")).str()).str();
  std::string sn;
  snappy::Compress(proto.data(), proto.size(), &sn);
  CollectLogs p = logs(d, msg(sn));
  ASSERT_EQ(p.streams.size(), 1u);
  EXPECT_EQ(p.streams[0].labels, (Labels{{"job", "b"}, {"source", "kafka"}, {"topic", "logs"}}));
  EXPECT_EQ(p.streams[0].entries[0].ts_ns, 1000000005);
  // A protobuf whose snappy block is 123 bytes long starts with '{' too.
  std::string line(123 - 20, 'z');
  std::string p123;
  for (size_t n = line.size(); p123.size() != 123 && n > 0; n--) {
    line.resize(n);
    p123 = Wire().bytes(1, Wire().bytes(1, "{job=\"c\"}").bytes(2, loki_entry(1, 0, line)).str()).str();
  }
  ASSERT_EQ(p123.size(), 123u);
  std::string sn123;
  snappy::Compress(p123.data(), p123.size(), &sn123);
  ASSERT_EQ(sn123[0], '{');
  CollectLogs q = logs(d, msg(sn123));
  ASSERT_EQ(q.streams.size(), 1u);
  EXPECT_EQ(q.streams[0].entries[0].line, line);
  EXPECT_NE(log_error(d, msg(R"({"streams":[{"stream":{"job":"a"},"values":[[1,"x"]]}]})")).find("stream 0 entry 0"),
            std::string::npos);
  EXPECT_NE(log_error(d, msg("garbage that is not snappy")).find("snappy"), std::string::npos);
}

TEST(KafkaFormats, PrometheusText) {
  KafkaFormatOptions o = opts(KafkaFormat::kPrometheusText);
  KafkaDecoder d(o);
  CollectSamples c;
  d.decode_samples(msg("# HELP up Whether.\n# TYPE up gauge\nup{job=\"node\"} 1\nrequests_total 5 1700000000000\n"), c);
  ASSERT_EQ(c.series.size(), 2u);
  EXPECT_EQ(c.series[0].labels, (Labels{{"__name__", "up"}, {"job", "node"}, {"source", "kafka"}, {"topic", "logs"}}));
  EXPECT_EQ(c.series[0].samples[0].timestamp_ms, 1796520833000);  // the message's
  EXPECT_EQ(c.series[1].samples[0].timestamp_ms, 1700000000000);  // the payload's own
  EXPECT_EQ(c.series[1].samples[0].value, 5);
  EXPECT_EQ(c.metadata_seen.size(), 2u);
  EXPECT_NE(sample_error(d, msg("up{job=\"a\" 1\n")).find("line 1"), std::string::npos);
  EXPECT_NE(sample_error(d, msg("up 1\n", -1)).find("without a timestamp"), std::string::npos);
  CollectLogs l;
  EXPECT_THROW(d.decode_logs(msg("up 1"), l), Error);
}

TEST(KafkaFormats, PrometheusJson) {
  KafkaFormatOptions o = opts(KafkaFormat::kPrometheusJson);
  KafkaDecoder d(o);
  CollectSamples c;
  d.decode_samples(msg(R"({"timestamp":"2026-12-06T01:33:53Z","value":"0.25","name":"node_load1",
                          "labels":{"__name__":"node_load1","instance":"a:9100","job":"node"}})"),
                   c);
  d.decode_samples(msg(R"({"timestamp":1700000000123,"value":"+Inf","name":"x","labels":{"job":"j"}})"), c);
  d.decode_samples(msg(R"({"value":3,"name":"y"})"), c);
  d.decode_samples(msg(R"({"timestamp":"1969-12-31T23:59:59.9995Z","value":"NaN","name":"z"})"), c);
  ASSERT_EQ(c.series.size(), 4u);
  EXPECT_EQ(c.series[0].labels, (Labels{{"__name__", "node_load1"}, {"instance", "a:9100"}, {"job", "node"},
                                        {"source", "kafka"}, {"topic", "logs"}}));
  EXPECT_EQ(c.series[0].samples[0].timestamp_ms, 1796520833000);
  EXPECT_EQ(c.series[0].samples[0].value, 0.25);
  EXPECT_EQ(c.series[1].labels.metric_name(), "x");
  EXPECT_EQ(c.series[1].samples[0].timestamp_ms, 1700000000123);
  EXPECT_TRUE(std::isinf(c.series[1].samples[0].value));
  EXPECT_EQ(c.series[2].samples[0].timestamp_ms, 1796520833000);
  EXPECT_EQ(c.series[3].samples[0].timestamp_ms, -1);  // floor to milliseconds
  EXPECT_TRUE(std::isnan(c.series[3].samples[0].value));
  // Poison.
  EXPECT_NE(sample_error(d, msg(R"({"value":"1"})")).find("no metric name"), std::string::npos);
  EXPECT_NE(sample_error(d, msg(R"({"value":"abc","name":"x"})")).find("not a number"), std::string::npos);
  EXPECT_NE(sample_error(d, msg(R"({"name":"x"})")).find("\"value\" is missing"), std::string::npos);
  EXPECT_NE(sample_error(d, msg(R"({"value":1,"name":"x","labels":{"__name__":"y"}})")).find("differs"), std::string::npos);
  EXPECT_NE(sample_error(d, msg(R"({"value":1,"name":"x","labels":{"a-b":"y"}})")).find("invalid label name"), std::string::npos);
  EXPECT_NE(sample_error(d, msg(R"({"value":1,"name":"x y"})")).find("invalid metric name"), std::string::npos);
  EXPECT_NE(sample_error(d, msg(R"({"value":1,"name":"x","timestamp":"soon"})")).find("timestamp"), std::string::npos);
  EXPECT_NE(sample_error(d, msg(R"({"value":1,"name":"x","labels":{"a":1}})")).find("string value"), std::string::npos);
  EXPECT_NE(sample_error(d, msg(R"(not json)")).find("invalid JSON"), std::string::npos);
}

TEST(KafkaFormats, PrometheusRemoteWrite) {
  KafkaFormatOptions o = opts(KafkaFormat::kPrometheusRemoteWrite);
  KafkaDecoder d(o);
  std::string ts = Wire()
                       .bytes(1, Wire().bytes(1, "__name__").bytes(2, "up").str())
                       .bytes(1, Wire().bytes(1, "topic").bytes(2, "own").str())
                       .bytes(2, Wire().dbl(1, 1).int64(2, 1000).str())
                       .str();
  std::string req = Wire().bytes(1, ts).str();
  std::string sn;
  snappy::Compress(req.data(), req.size(), &sn);
  CollectSamples c;
  d.decode_samples(msg(sn), c);
  ASSERT_EQ(c.series.size(), 1u);
  EXPECT_EQ(c.series[0].labels, (Labels{{"__name__", "up"}, {"source", "kafka"}, {"topic", "own"}}));
  EXPECT_EQ(c.series[0].samples[0].timestamp_ms, 1000);
  EXPECT_NE(sample_error(d, msg(req)).find("snappy"), std::string::npos);  // not compressed
}

// Found by ingest_fuzz: the exposition parser passed a backslash before an invalid byte; it
// refuses it itself now (the decoder's own check stays as a second guard).
TEST(KafkaFormats, PrometheusTextRefusesInvalidUtf8LabelValues) {
  KafkaDecoder d(opts(KafkaFormat::kPrometheusText));
  std::string error = sample_error(d, msg("rp{jb=\"\\\xe8" "a\"} 2\n"));
  EXPECT_NE(error.find("value of label \"jb\" is not valid UTF-8"), std::string::npos) << error;
}
