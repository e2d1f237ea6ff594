// Test fixture: a librdkafka 2.0.2 mock cluster on 127.0.0.1 plus a producer, driven by
// commands on stdin (one per line), for test/integration/kafka_*.sh.
//
//   mock_broker [BROKERS]      prints "BOOTSTRAP=host:port,..." then "READY"
//   create TOPIC PARTITIONS    creates a topic (replication: min(3, brokers))
//   produce TOPIC FORMAT FIRST COUNT [RATE]   messages FIRST..FIRST+COUNT-1 of FORMAT, keyed
//                              "k<i>", round-robin over partitions; RATE msgs/s (0: as fast as
//                              possible) in a background thread; prints "PRODUCED TOPIC n" when
//                              all are acknowledged
//   produce_timed TOPIC FORMAT FIRST COUNT RATE PARTITIONS   paced; message i to partition
//                              i % PARTITIONS; prints "START <unix seconds>" (latency benchmark)
//   poison TOPIC FORMAT FIRST COUNT   the same numbers, as messages FORMAT cannot decode
//   down ID / up ID            takes broker ID (1-based) down / up
//   leader TOPIC PARTITION ID  moves a partition's leader
//   committed GROUP TOPIC PARTITIONS   prints "COMMITTED TOPIC o0 o1 ...": the offsets GROUP
//                              committed to Kafka for partitions 0..PARTITIONS-1 (-1: none)
//   wait                       waits for every background producer, prints "IDLE"
//   quit
//
//   mock_broker consume BOOTSTRAP TOPIC COUNT   a bare consumer's throughput (benchmarks)
//
// FORMAT: raw, json_lines, logfmt, loki_push, prometheus_text, prometheus_json,
// prometheus_remote_write. Message i carries, whatever the format, the line "<format> line <i>"
// (logs) or the sample kafka_<format>{i="<i>"} = i (metrics) at 2024-01-01T00:00:00Z + i ms:
// the tests regenerate what must be stored from i alone. For benchmarks also json_lines_200 and
// json_lines_1000 (JSON log lines of that many bytes) and prometheus_text_100 (an exposition
// payload of 100 series).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <snappy.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <chrono>
#include <vector>

#include "core/ingest/proto/remote_write.pb.h"

namespace {

constexpr int64_t kBaseMs = 1704067200000;  // 2024-01-01T00:00:00Z

std::mutex out_mutex;
void say(const std::string& s) {
  std::lock_guard<std::mutex> lock(out_mutex);
  std::cout << s << std::endl;
}

std::string rfc3339(int64_t ms) {
  time_t secs = ms / 1000;
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[80];
  snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms % 1000));
  return out;
}

// The benchmark's exposition payload: one scrape of 100 node-exporter-like series (with HELP
// and TYPE lines, ~7 KB). Message i is host h<i % 50> scraped at 2024-01-01 + (i / 50) * 15 s,
// so 50 hosts x 100 series = 5,000 series and each message a new sample of 100 of them.
std::string node_exposition(int64_t i) {
  static const char* const modes[] = {"idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"};
  int64_t scrape = i / 50;
  std::string host = "h" + std::to_string(i % 50);
  std::string ts = " " + std::to_string(kBaseMs + scrape * 15000) + "\n";
  std::string out =
      "# HELP node_cpu_seconds_total Seconds the CPUs spent in each mode.\n# TYPE node_cpu_seconds_total counter\n";
  for (int cpu = 0; cpu < 12; cpu++)
    for (int m = 0; m < 8; m++)
      out += "node_cpu_seconds_total{cpu=\"" + std::to_string(cpu) + "\",host=\"" + host + "\",mode=\"" + modes[m] +
             "\"} " + std::to_string(scrape * (m + 1) * 0.37 + cpu) + ts;
  out += "# HELP node_load1 1m load average.\n# TYPE node_load1 gauge\nnode_load1{host=\"" + host + "\"} " +
         std::to_string((i % 97) * 0.01) + ts;
  out += "# HELP node_load5 5m load average.\n# TYPE node_load5 gauge\nnode_load5{host=\"" + host + "\"} " +
         std::to_string((i % 89) * 0.01) + ts;
  out += "# HELP node_memory_MemFree_bytes Memory information field MemFree_bytes.\n"
         "# TYPE node_memory_MemFree_bytes gauge\nnode_memory_MemFree_bytes{host=\"" + host + "\"} " +
         std::to_string(8e9 - (i % 1000) * 4096) + ts;
  out += "# HELP node_network_receive_bytes_total Network device statistic receive_bytes.\n"
         "# TYPE node_network_receive_bytes_total counter\nnode_network_receive_bytes_total{device=\"eth0\",host=\"" +
         host + "\"} " + std::to_string(scrape * 123456) + ts;
  return out;
}

std::string payload(const std::string& format, int64_t i, bool poison) {
  int64_t ms = kBaseMs + i;
  std::string n = std::to_string(i);
  std::string line = format + " line " + n;
  // raw poison: invalid UTF-8 (the decoder refuses it) or a NUL byte (valid UTF-8 the decoder
  // passes; the store refuses it: the dead-letter path after decoding)
  if (format == "raw")
    return !poison ? line : i % 2 == 0 ? "bad \xff\xfe utf8 " + n : std::string("nul \0 byte ", 11) + n;
  if (format == "json_lines_200" || format == "json_lines_1000") {  // the benchmark's JSON log lines
    size_t size = format == "json_lines_200" ? 200 : 1000;
    std::string head = "{\"ts\": " + std::to_string(ms) + ", \"level\": \"info\", \"app\": \"checkout\", \"msg\": \"";
    std::string msg = "request " + n + " served GET /api/v1/cart status=200 bytes=5120 duration=";
    while (head.size() + msg.size() + 2 < size) msg += static_cast<char>('a' + (msg.size() * 7 + i) % 26);
    return head + msg + "\"}";
  }
  if (format == "prometheus_text_100") return node_exposition(i);
  if (format == "json_lines")
    return poison ? "{\"ts\": " + std::to_string(ms) + ", \"msg\": \"unterminated " + n
                  : "{\"ts\": " + std::to_string(ms) + ", \"level\": \"info\", \"msg\": \"" + line + "\"}";
  if (format == "logfmt")
    return poison ? "ts=" + std::to_string(ms) + " msg=\"unterminated " + n
                  : "ts=" + std::to_string(ms) + " level=info msg=\"" + line + "\"";
  if (format == "loki_push")
    return poison ? "{\"streams\":[{\"stream\":{\"job\":\"loki\"},\"values\":[[\"not-a-time\",\"" + line + "\"]]}]}"
                  : "{\"streams\":[{\"stream\":{\"job\":\"loki\"},\"values\":[[\"" + std::to_string(ms) + "000000\",\"" +
                        line + "\"]]}]}";
  if (format == "prometheus_text")
    return poison ? "kafka_prometheus_text{i=\"" + n + "\" 1 2 3 garbage\n"
                  : "kafka_prometheus_text{i=\"" + n + "\"} " + n + " " + std::to_string(ms) + "\n";
  if (format == "prometheus_json")
    return poison ? "{\"timestamp\": \"" + rfc3339(ms) + "\", \"value\": \"" + n + "\", \"labels\": {\"i\": \"" + n + "\"}}"
                  : "{\"timestamp\": \"" + rfc3339(ms) + "\", \"value\": \"" + n +
                        "\", \"name\": \"kafka_prometheus_json\", \"labels\": {\"__name__\": \"kafka_prometheus_json\", \"i\": \"" +
                        n + "\"}}";
  if (format == "prometheus_remote_write") {
    if (poison) return "not a snappy block " + n;
    observe::ingest::prompb::WriteRequest req;
    auto* ts = req.add_timeseries();
    auto* l = ts->add_labels();
    l->set_name("__name__");
    l->set_value("kafka_prometheus_remote_write");
    l = ts->add_labels();
    l->set_name("i");
    l->set_value(n);
    auto* s = ts->add_samples();
    s->set_value(static_cast<double>(i));
    s->set_timestamp(ms);
    std::string raw, compressed;
    req.SerializeToString(&raw);
    snappy::Compress(raw.data(), raw.size(), &compressed);
    return compressed;
  }
  throw std::runtime_error("unknown format " + format);
}

rd_kafka_t* producer = nullptr;
rd_kafka_mock_cluster_t* cluster = nullptr;
std::atomic<int> background{0};
std::vector<std::thread> threads;

// partitions > 0 (produce_timed): message i goes to partition i % partitions, so on a fresh
// topic its offset is i / partitions, and "START <unix seconds>" is printed when the paced run
// begins: message i is produced no earlier than START + i / rate (the latency benchmark).
void produce(const std::string& topic, const std::string& format, int64_t first, int64_t count, double rate,
             bool poison, int partitions) {
  if (partitions > 0) {
    // The topic's leaders known before the clock starts: a producer's first message to a topic
    // otherwise waits for a metadata round trip, which a long-running producer has behind it.
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(producer, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(producer, 0, rkt, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
  }
  auto start = std::chrono::steady_clock::now();
  if (partitions > 0) {
    char buf[64];
    auto wall = std::chrono::system_clock::now().time_since_epoch();
    std::snprintf(buf, sizeof buf, "START %.6f", std::chrono::duration<double>(wall).count());
    say(buf);
  }
  for (int64_t i = first; i < first + count; i++) {
    std::string value = payload(format, i, poison);
    std::string key = "k" + std::to_string(i);
    int32_t partition = partitions > 0 ? static_cast<int32_t>(i % partitions) : RD_KAFKA_PARTITION_UA;
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_TIMESTAMP(kBaseMs + i), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        say(std::string("ERROR produce: ") + rd_kafka_err2str(err));
        return;
      }
      rd_kafka_poll(producer, 10);
    }
    if (rate > 0) {
      auto due = start + std::chrono::microseconds(static_cast<int64_t>((i - first + 1) * 1e6 / rate));
      std::this_thread::sleep_until(due);
    }
  }
  while (rd_kafka_flush(producer, 1000) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
  }
  say("PRODUCED " + topic + " " + std::to_string(count));
}

std::atomic<int64_t> failed{0};
void delivery_cb(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    failed++;
    say(std::string("ERROR delivery: ") + rd_kafka_err2str(m->err));
  }
}

}  // namespace

// mock_broker consume BOOTSTRAP TOPIC COUNT: a bare librdkafka high-level consumer (the
// benchmark's ceiling): joins a fresh group, reads COUNT messages from the beginning, prints
// "CONSUMED n seconds messages/s" timed from the first message (the join is not counted).
int consume(const std::string& bootstrap, const std::string& topic, int64_t count) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::string group = "bare-" + std::to_string(getpid());
  const char* props[][2] = {{"bootstrap.servers", bootstrap.c_str()}, {"group.id", group.c_str()},
                            {"auto.offset.reset", "earliest"}, {"enable.auto.commit", "false"},
                            {"session.timeout.ms", "6000"}};
  for (auto& p : props)
    if (rd_kafka_conf_set(conf, p[0], p[1], err, sizeof err) != RD_KAFKA_CONF_OK) {
      std::cerr << err << std::endl;
      return 1;
    }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) {
    std::cerr << err << std::endl;
    return 1;
  }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  int64_t n = 0, bytes = 0;
  auto first = std::chrono::steady_clock::now();
  auto give_up = first + std::chrono::seconds(120);
  while (n < count && std::chrono::steady_clock::now() < give_up) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (n == 0) first = std::chrono::steady_clock::now();
      n++;
      bytes += static_cast<int64_t>(m->len);
    }
    rd_kafka_message_destroy(m);
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - first).count();
  std::printf("CONSUMED %lld %.3f %.0f %.1f\n", static_cast<long long>(n), secs, n / secs, bytes / secs / 1e6);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return n == count ? 0 : 1;
}

// The offsets a group committed to the cluster (OffsetFetch by a handle outside the group), as
// " o0 o1 ..." with -1 for a partition without a commit.
static std::string committed_offsets(const std::string& bootstrap, const std::string& group, const std::string& topic,
                              int partitions) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(err);
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(err);
  }
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; p++) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  rd_kafka_resp_err_t e = rd_kafka_committed(rk, list, 10000);
  std::string out;
  for (int i = 0; i < list->cnt && e == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
    const rd_kafka_topic_partition_t& tp = list->elems[i];
    out += " " + std::to_string(tp.err == RD_KAFKA_RESP_ERR_NO_ERROR && tp.offset >= 0 ? tp.offset : -1);
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error(std::string("committed: ") + rd_kafka_err2str(e));
  return out;
}

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "consume") return consume(argv[2], argv[3], std::atoll(argv[4]));
  int brokers = argc > 1 ? std::atoi(argv[1]) : 3;
  // The mock's threads inherit this mask: signals stay with the main thread.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "linger.ms", "100", err, sizeof err);  // big batches: the mock serves one batch per partition and fetch
  rd_kafka_conf_set(conf, "enable.idempotence", "true", err, sizeof err);  // no duplicates on retries
  rd_kafka_conf_set(conf, "message.timeout.ms", "0", err, sizeof err);      // keep trying while a broker is down
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_conf_set_dr_msg_cb(conf, delivery_cb);
  producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (producer == nullptr) {
    std::cerr << "rd_kafka_new: " << err << std::endl;
    return 1;
  }
  cluster = rd_kafka_mock_cluster_new(producer, brokers);
  if (cluster == nullptr) {
    std::cerr << "rd_kafka_mock_cluster_new failed" << std::endl;
    return 1;
  }
  std::string bootstraps = rd_kafka_mock_cluster_bootstraps(cluster);
  rd_kafka_brokers_add(producer, bootstraps.c_str());
  say("BOOTSTRAP=" + bootstraps);
  std::thread poller([] {
    while (producer != nullptr) rd_kafka_poll(producer, 50);
  });
  say("READY");
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd;
    in >> cmd;
    try {
      if (cmd == "create") {
        std::string topic;
        int parts = 1;
        in >> topic >> parts;
        rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(cluster, topic.c_str(), parts, std::min(3, brokers));
        say(e ? std::string("ERROR create: ") + rd_kafka_err2str(e) : "CREATED " + topic);
      } else if (cmd == "produce" || cmd == "poison") {
        std::string topic, format;
        int64_t first = 0, count = 0;
        double rate = 0;
        in >> topic >> format >> first >> count >> rate;
        (void)payload(format, 0, false);  // an unknown format fails here, not in the thread
        threads.emplace_back(produce, topic, format, first, count, rate, cmd == "poison", 0);
      } else if (cmd == "produce_timed") {
        std::string topic, format;
        int64_t first = 0, count = 0;
        double rate = 0;
        int partitions = 0;
        in >> topic >> format >> first >> count >> rate >> partitions;
        (void)payload(format, 0, false);
        if (rate <= 0 || partitions <= 0) throw std::runtime_error("produce_timed needs a rate and the partition count");
        threads.emplace_back(produce, topic, format, first, count, rate, false, partitions);
      } else if (cmd == "down" || cmd == "up") {
        int id = 0;
        in >> id;
        rd_kafka_resp_err_t e = cmd == "down" ? rd_kafka_mock_broker_set_down(cluster, id)
                                              : rd_kafka_mock_broker_set_up(cluster, id);
        say(e ? std::string("ERROR ") + cmd + ": " + rd_kafka_err2str(e) : "OK " + cmd + " " + std::to_string(id));
      } else if (cmd == "leader") {
        std::string topic;
        int part = 0, id = 0;
        in >> topic >> part >> id;
        rd_kafka_resp_err_t e = rd_kafka_mock_partition_set_leader(cluster, topic.c_str(), part, id);
        say(e ? std::string("ERROR leader: ") + rd_kafka_err2str(e) : "OK leader");
      } else if (cmd == "committed") {
        std::string group, topic;
        int parts = 0;
        in >> group >> topic >> parts;
        say("COMMITTED " + topic + committed_offsets(bootstraps, group, topic, parts));
      } else if (cmd == "wait") {
        for (auto& t : threads) t.join();
        threads.clear();
        say("IDLE failed=" + std::to_string(failed.load()));
      } else if (cmd == "quit") {
        break;
      } else if (!cmd.empty()) {
        say("ERROR unknown command " + cmd);
      }
    } catch (const std::exception& e) {
      say(std::string("ERROR ") + e.what());
    }
  }
  for (auto& t : threads) t.join();
  rd_kafka_t* p = producer;
  producer = nullptr;
  poller.join();
  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(p);
  return 0;
}
