// The Kafka workers' view of observe.kafka_sources: the enabled sources, read in the caller's
// transaction (SPI connected).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "pg/border/pg_headers.h"
#include "pg/workers/kafka_consumer.h"

namespace observe::pg {

struct KafkaSourceConfig {
  std::string name;
  ConsumerSettings consumer;  // client_id is set per consumer
  std::string format;
  std::string format_options;  // JSON text
  Oid target = InvalidOid;
  int consumers = 1;
  bool start_latest = false;
  int64_t batch_max_messages = 20000;
  int64_t batch_max_bytes = 16 << 20;
  int64_t batch_max_wait_ms = 200;
  bool commit_to_kafka = false;
  std::string fingerprint;  // every setting: a consumer whose fingerprint changes is recreated
};

// observe.kafka_synchronous_commit: synchronous_commit of the Kafka workers' batch and status
// transactions (sighup; default on; off keeps exactly once, the offsets commit with the rows:
// docs/kafka.md "Exactly once"). kafka_synchronous_commit_name() spells its value as synchronous_commit does.
enum KafkaCommitMode { kKafkaCommitOff, kKafkaCommitLocal, kKafkaCommitRemoteWrite, kKafkaCommitOn, kKafkaCommitRemoteApply };
extern int guc_kafka_synchronous_commit;
const char* kafka_synchronous_commit_name();
// Defines the Kafka workers' settings (from define_gucs).
void define_kafka_gucs();

// False when the extension is not installed in this database (yet).
bool load_kafka_sources(std::vector<KafkaSourceConfig>* sources);

}  // namespace observe::pg
