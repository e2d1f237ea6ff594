// One consumer of a Kafka source inside a Kafka worker: polls messages, assembles batches
// bounded by count, bytes and time, and stores each batch in ONE transaction holding its rows,
// its dead letters and the partitions' new offsets in observe.kafka_offsets (exactly once).
// Assignments take their offsets from observe.kafka_offsets, never from Kafka's commits.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/ingest/kafka_formats.h"
#include "pg/workers/kafka_config.h"
#include "pg/workers/kafka_consumer.h"

namespace observe::pg {

struct KafkaRunnerBuffers;

struct KafkaConsumerStats {
  int64_t messages = 0;      // stored (rows written or dead-lettered), committed
  int64_t bytes = 0;         // payload bytes of those messages
  int64_t dead_letters = 0;
  int64_t errors = 0;        // failed batches, broker and decoder configuration errors
  int64_t rebalances = 0;
  int64_t batches = 0;
  int64_t last_commit_ms = 0;
  std::string last_error;
  int64_t last_error_ms = 0;
};

class KafkaRunner {
 public:
  KafkaRunner(const KafkaSourceConfig& config, int index);
  ~KafkaRunner();
  KafkaRunner(const KafkaRunner&) = delete;
  KafkaRunner& operator=(const KafkaRunner&) = delete;

  const std::string& fingerprint() const { return config_.fingerprint; }
  // Does one round of work: handles a rebalance, polls for at most poll_ms, stores a batch that
  // is due. Returns true when it consumed or stored something (the caller polls again at once).
  bool step(int poll_ms, bool stopping);
  // Writes this consumer's status rows (and, every 10 s, its metrics), in its own transaction.
  void write_status(bool final_write);

 private:
  struct PartitionState {
    bool has_row = false;       // observe.kafka_offsets has a row for it
    int64_t committed = -1;     // its next_offset as committed (has_row)
    int64_t fetched_next = -1;  // the next offset expected from Kafka; -1 unknown (first fetch)
  };

  void ensure_consumer();
  void note_error(const std::string& message);
  void handle_rebalance();
  bool load_offsets(const std::vector<TopicPartition>& partitions);
  void reassign();
  void discard_batch();
  void drop_carried();
  bool take(rd_kafka_message_t* m);
  void flush_batch();
  enum class StoreResult { kStored, kRetry, kConflict, kFailed };
  StoreResult store_once();
  void store_body();
  void store_logs(size_t i);
  void store_samples(size_t i);
  void copy_durable_offsets();

  KafkaSourceConfig config_;
  int index_;
  std::string client_id_;
  std::unique_ptr<KafkaConsumer> consumer_;
  std::unique_ptr<ingest::KafkaDecoder> decoder_;
  bool need_headers_ = false;  // the decoder reads headers ($header: labels)
  std::unique_ptr<KafkaRunnerBuffers> buffers_;  // decoded rows, reused from batch to batch
  std::string config_error_;
  std::map<TopicPartition, PartitionState> partitions_;
  bool assigned_pending_ = false;  // an assignment whose offsets could not be read yet
  std::vector<TopicPartition> pending_assign_;
  bool resync_ = false;            // fetch positions must be set again from the table

  // The batch being assembled.
  std::vector<rd_kafka_message_t*> batch_;
  std::vector<std::string> poison_;  // per message: empty, or why it goes to the dead letters
  int64_t batch_bytes_ = 0;
  int64_t batch_started_ms_ = 0;
  // Messages polled in one call beyond what the batch could take: the next batch's first, in
  // order; dropped whenever fetch positions are set again from the table.
  std::deque<rd_kafka_message_t*> carried_;
  std::vector<rd_kafka_message_t*> polled_;  // poll_batch's array, reused
  static constexpr size_t kPollBatch = 1024;
  // take()'s partition of the current run of messages (valid while a step polls).
  const rd_kafka_topic_t* run_rkt_ = nullptr;
  int32_t run_partition_ = -1;
  std::map<TopicPartition, PartitionState>::iterator run_it_;
  // The store's progress, read after a failed transaction.
  long storing_ = -1;              // the message being stored, or kStoringGroups, or -1
  static constexpr long kStoringGroups = -2;
  bool isolate_ = false;           // store message by message (a grouped append failed)
  bool conflict_ = false;
  int64_t batch_dead_ = 0;

  // commit_to_kafka: the offsets of each stored batch with its commit record's end (an LSN),
  // copied to Kafka once the WAL is flushed that far (a batch committed asynchronously is
  // only durable then, and Kafka's copy must never be ahead of what a crash keeps).
  struct KafkaCopy {
    uint64_t commit_end = 0;
    std::vector<std::pair<TopicPartition, int64_t>> offsets;
  };
  std::deque<KafkaCopy> copies_;

  std::chrono::steady_clock::time_point last_store_end_{};  // DEBUG1 timing of batches
  int64_t backoff_until_ms_ = 0;
  int64_t backoff_ms_ = 0;
  int64_t next_create_ms_ = 0;

  KafkaConsumerStats stats_;
  int64_t started_ms_;
  int64_t rate_ms_ = 0, rate_messages_ = 0, rate_bytes_ = 0;
  double msg_rate_ = 0, byte_rate_ = 0;
  int64_t next_metrics_ms_ = 0;
};

}  // namespace observe::pg
