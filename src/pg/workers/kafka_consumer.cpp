// No PostgreSQL header here, on purpose (kafka_consumer.h).
#include "pg/workers/kafka_consumer.h"

#include <pthread.h>
#include <signal.h>

#include <stdexcept>

namespace observe::pg {

namespace {

void set_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error("librdkafka property \"" + name + "\": " + err);
  }
}

rd_kafka_topic_partition_list_t* to_list(const std::vector<std::pair<TopicPartition, int64_t>>& parts) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(parts.size()));
  for (const auto& [tp, offset] : parts)
    rd_kafka_topic_partition_list_add(list, tp.topic.c_str(), tp.partition)->offset = offset;
  return list;
}

// Blocks every signal while librdkafka starts its threads, which inherit the mask: the
// server's signal handlers must only ever run on the worker's own thread.
class SignalsBlocked {
 public:
  SignalsBlocked() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old_);
  }
  ~SignalsBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_;
};

constexpr size_t kMaxKept = 100;  // errors and log lines kept between two takes

}  // namespace

KafkaConsumer::KafkaConsumer(const ConsumerSettings& s) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // Defaults a user may override: a bounded prefetch queue (back-pressure: librdkafka stops
  // fetching when it is full and the worker is busy storing), quick reconnects.
  set_property(conf, "queued.max.messages.kbytes", "16384");
  set_property(conf, "reconnect.backoff.ms", "100");
  set_property(conf, "reconnect.backoff.max.ms", "5000");
  set_property(conf, "client.id", s.client_id);
  // A stored offset the broker no longer has (retention deleted it): go on from the oldest
  // message kept, losing only what is gone, rather than jumping to the end.
  set_property(conf, "auto.offset.reset", "earliest");
  for (const auto& [name, value] : s.properties) set_property(conf, name, value);
  // Ours: offsets live in observe.kafka_offsets, never in librdkafka's automatic commits.
  set_property(conf, "bootstrap.servers", s.brokers);
  set_property(conf, "group.id", s.group_id);
  set_property(conf, "enable.auto.commit", "false");
  set_property(conf, "enable.auto.offset.store", "false");
  set_property(conf, "enable.partition.eof", "false");
  set_property(conf, "log.queue", "true");
  rd_kafka_conf_set_opaque(conf, this);
  rd_kafka_conf_set_rebalance_cb(conf, &KafkaConsumer::rebalance_cb);
  rd_kafka_conf_set_error_cb(conf, &KafkaConsumer::error_cb);
  rd_kafka_conf_set_log_cb(conf, &KafkaConsumer::log_cb);
  char err[512];
  SignalsBlocked blocked;
  rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    throw std::runtime_error(std::string("librdkafka consumer: ") + err);
  }
  // Logs, errors and rebalances all come out of poll(), on this thread.
  rd_kafka_set_log_queue(rk_, nullptr);
  rd_kafka_poll_set_consumer(rk_);
  std::vector<std::string> subs = s.topics;
  if (subs.empty()) subs.push_back(s.topic_pattern[0] == '^' ? s.topic_pattern : "^" + s.topic_pattern);
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(static_cast<int>(subs.size()));
  for (const auto& t : subs) rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t e = rd_kafka_subscribe(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_destroy(rk_);
    throw std::runtime_error(std::string("subscribe: ") + rd_kafka_err2str(e));
  }
  queue_ = rd_kafka_queue_get_consumer(rk_);
}

KafkaConsumer::~KafkaConsumer() {
  if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);  // before close (rdkafka.h)
  // close() serves a last revoke through rebalance_cb, which only records it; then the
  // partitions are released by leaving the group.
  (void)rd_kafka_consumer_close(rk_);
  rd_kafka_destroy(rk_);
}

void KafkaConsumer::rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                                 void* opaque) {
  auto* self = static_cast<KafkaConsumer*>(opaque);
  self->pending_partitions_.clear();
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    self->pending_ = RebalanceKind::kAssign;
    for (int i = 0; i < parts->cnt; i++)
      self->pending_partitions_.push_back(TopicPartition{parts->elems[i].topic, parts->elems[i].partition});
  } else {
    // Revoked (or an error): drop the assignment now; nothing of it may be stored any more
    // unless the offsets still match (the batch commit's compare-and-set decides).
    self->pending_ = RebalanceKind::kRevoke;
    (void)rd_kafka_assign(rk, nullptr);
  }
}

void KafkaConsumer::error_cb(rd_kafka_t*, int err, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaConsumer*>(opaque);
  self->record_error(std::string(rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err))) + ": " + reason);
}

void KafkaConsumer::log_cb(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  if (level > 4) return;  // warnings and worse only
  auto* self = static_cast<KafkaConsumer*>(rd_kafka_opaque(rk));
  if (self == nullptr) return;
  std::lock_guard<std::mutex> lock(self->log_mutex_);
  if (self->logs_.size() < kMaxKept) self->logs_.push_back(std::string(fac) + ": " + buf);
}

void KafkaConsumer::record_error(std::string message) {
  if (errors_.size() < kMaxKept) errors_.push_back(std::move(message));
}

// A message that carries an error is recorded (but for the end of a partition) and destroyed:
// false. A message to process: true.
bool KafkaConsumer::keep_message(rd_kafka_message_t* m) {
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) return true;
  if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    std::string where = m->rkt != nullptr ? std::string(rd_kafka_topic_name(m->rkt)) + "/" +
                                                std::to_string(m->partition) + ": "
                                          : "";
    record_error(where + rd_kafka_message_errstr(m));
  }
  rd_kafka_message_destroy(m);
  return false;
}

rd_kafka_message_t* KafkaConsumer::poll(int timeout_ms) {
  rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, timeout_ms);
  return m != nullptr && keep_message(m) ? m : nullptr;
}

size_t KafkaConsumer::poll_batch(rd_kafka_message_t** out, size_t n) {
  if (queue_ == nullptr || n == 0) return 0;
  ssize_t got = rd_kafka_consume_batch_queue(queue_, 0, out, n);
  if (got <= 0) return 0;
  size_t kept = 0;
  for (ssize_t i = 0; i < got; i++)
    if (keep_message(out[i])) out[kept++] = out[i];
  return kept;
}

void KafkaConsumer::assign(const std::vector<std::pair<TopicPartition, int64_t>>& partitions) {
  pending_ = RebalanceKind::kNone;
  rd_kafka_topic_partition_list_t* list = to_list(partitions);
  rd_kafka_resp_err_t e = rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) record_error(std::string("assign: ") + rd_kafka_err2str(e));
}

void KafkaConsumer::unassign() {
  pending_ = RebalanceKind::kNone;
  (void)rd_kafka_assign(rk_, nullptr);
}

int64_t KafkaConsumer::high_watermark(const TopicPartition& tp) const {
  int64_t low = -1, high = -1;
  if (rd_kafka_get_watermark_offsets(rk_, tp.topic.c_str(), tp.partition, &low, &high) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return -1;
  return high;
}

void KafkaConsumer::commit_copy(const std::vector<std::pair<TopicPartition, int64_t>>& offsets) {
  if (offsets.empty()) return;
  rd_kafka_topic_partition_list_t* list = to_list(offsets);
  (void)rd_kafka_commit(rk_, list, 1);  // async; a refusal (rebalance in progress) is harmless
  rd_kafka_topic_partition_list_destroy(list);
}

std::vector<std::string> KafkaConsumer::take_errors() {
  std::vector<std::string> out;
  out.swap(errors_);
  return out;
}

std::vector<std::string> KafkaConsumer::take_logs() {
  std::lock_guard<std::mutex> lock(log_mutex_);
  std::vector<std::string> out;
  out.swap(logs_);
  return out;
}

}  // namespace observe::pg
