// One librdkafka high-level consumer of a Kafka source. Plain C++ on librdkafka only: no
// PostgreSQL header, no PostgreSQL call, so nothing here can ereport, and librdkafka's own
// threads never come near PostgreSQL. Every callback (rebalance, error, log) is served on the
// worker's thread inside poll() and only records what happened; the worker acts on it after
// poll() returns (reading offsets from observe.kafka_offsets, then assign()).
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace observe::pg {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  bool operator<(const TopicPartition& o) const {
    return topic != o.topic ? topic < o.topic : partition < o.partition;
  }
  bool operator==(const TopicPartition& o) const { return topic == o.topic && partition == o.partition; }
  std::string to_string() const { return topic + "/" + std::to_string(partition); }
};

struct ConsumerSettings {
  std::string brokers;
  std::string group_id;
  std::vector<std::string> topics;  // or
  std::string topic_pattern;        // a regex ('^' added when missing)
  std::vector<std::pair<std::string, std::string>> properties;  // the user's librdkafka options
  std::string client_id;
};

// What the rebalance callback asked for, until the worker handles it.
enum class RebalanceKind { kNone, kAssign, kRevoke };

class KafkaConsumer {
 public:
  // Throws std::runtime_error with librdkafka's message on a bad property or subscription.
  explicit KafkaConsumer(const ConsumerSettings& settings);
  // Leaves the group (its partitions go to the other members) and destroys the handle.
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // The next message (the caller destroys it with rd_kafka_message_destroy), or nullptr.
  // Messages carrying an error (other than partition EOF) are recorded as errors, not returned.
  rd_kafka_message_t* poll(int timeout_ms);
  // Without waiting, up to n messages already in librdkafka's queue into out (the caller
  // destroys each), in queue order: one call instead of a poll a message. Serves the same
  // callbacks as poll() (a rebalance: check pending_rebalance() after it) and records error
  // messages the same way. Returns how many messages it put in out.
  size_t poll_batch(rd_kafka_message_t** out, size_t n);

  RebalanceKind pending_rebalance() const { return pending_; }
  const std::vector<TopicPartition>& pending_partitions() const { return pending_partitions_; }
  // Takes the assignment: each partition at its offset (an offset, or RD_KAFKA_OFFSET_BEGINNING/END).
  // Also used again on the same partitions to move their fetch positions (after a conflict).
  void assign(const std::vector<std::pair<TopicPartition, int64_t>>& partitions);
  void unassign();

  // The broker's high watermark of a partition as last fetched (no network call); -1 unknown.
  int64_t high_watermark(const TopicPartition& tp) const;
  // Commits offsets to Kafka asynchronously (only a copy for lag tools).
  void commit_copy(const std::vector<std::pair<TopicPartition, int64_t>>& offsets);

  // Errors reported by librdkafka since the last call (error callback, message errors).
  std::vector<std::string> take_errors();
  // librdkafka log lines (warning or worse) since the last call.
  std::vector<std::string> take_logs();

 private:
  static void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque);
  static void error_cb(rd_kafka_t* rk, int err, const char* reason, void* opaque);
  static void log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf);
  void record_error(std::string message);
  bool keep_message(rd_kafka_message_t* m);

  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;  // the consumer queue (poll_batch), released before close
  RebalanceKind pending_ = RebalanceKind::kNone;
  std::vector<TopicPartition> pending_partitions_;
  std::vector<std::string> errors_;
  mutable std::mutex log_mutex_;  // log_cb may come from librdkafka's threads before log.queue is set
  std::vector<std::string> logs_;
};

}  // namespace observe::pg
