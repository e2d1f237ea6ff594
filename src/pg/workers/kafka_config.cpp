#include "pg/workers/kafka_config.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "pg/border/border.h"

extern "C" {
#include "executor/spi.h"
#include "utils/guc.h"
}

namespace observe::pg {

int guc_kafka_synchronous_commit = kKafkaCommitOn;

// The values of synchronous_commit, in the same words (the Kafka workers set it by name).
static const struct config_enum_entry kafka_synchronous_commit_options[] = {
    {"off", kKafkaCommitOff, false},
    {"local", kKafkaCommitLocal, false},
    {"remote_write", kKafkaCommitRemoteWrite, false},
    {"on", kKafkaCommitOn, false},
    {"remote_apply", kKafkaCommitRemoteApply, false},
    {nullptr, 0, false}};

const char* kafka_synchronous_commit_name() {
  for (const config_enum_entry* e = kafka_synchronous_commit_options; e->name != nullptr; e++)
    if (e->val == guc_kafka_synchronous_commit) return e->name;
  return "on";
}

void define_kafka_gucs() {
  // docs/kafka.md "Exactly once": the offsets commit with the rows, so an asynchronous commit
  // loses nothing a crash does not also make the worker consume again.
  DefineCustomEnumVariable("observe.kafka_synchronous_commit",
                           "synchronous_commit of the Kafka workers' batch and status transactions.",
                           "on (the default), remote_write, remote_apply: each batch waits for its WAL "
                           "flush (and standbys), so what is visible is durable; off: a batch's rows and "
                           "offsets become durable together shortly after its commit, and a crash before "
                           "that makes the worker consume the batch again.",
                           &guc_kafka_synchronous_commit, kKafkaCommitOn, kafka_synchronous_commit_options,
                           PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
}

// One row per (source, librdkafka option); a source without options comes once with NULLs.
// Kafka topic names are [a-zA-Z0-9._-], so ',' joins them safely.
static const char* kSourcesQuery = R"sql(
  SELECT s.name, s.brokers, array_to_string(s.topics, ','), s.topic_pattern,
         coalesce(s.group_id, 'pg_observe.' || s.name), s.format, s.format_options::text,
         coalesce(s.target, CASE WHEN s.format IN ('loki_push', 'json_lines', 'logfmt', 'raw')
                                 THEN to_regclass('observe.logs') ELSE to_regclass('observe.metrics') END)::oid::text,
         s.consumers, s.start_offset, s.batch_max_messages, s.batch_max_bytes,
         (extract(epoch FROM s.batch_max_wait) * 1000)::int8, s.commit_to_kafka, o.key, o.value
    FROM observe.kafka_sources s
    LEFT JOIN LATERAL jsonb_each_text(s.options) o ON true
   WHERE s.enabled
   ORDER BY s.name, o.key)sql";

static bool extension_installed() {
  int rc = SPI_execute("SELECT 1 WHERE to_regclass('observe.kafka_sources') IS NOT NULL", true, 1);
  return rc == SPI_OK_SELECT && SPI_processed == 1;
}

static const char* column_text(uint64 row, int col) {
  return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
}

static std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

bool load_kafka_sources(std::vector<KafkaSourceConfig>* sources) {
  if (!pg_guard([] { return extension_installed(); })) return false;
  uint64 rows = pg_guard([] {
    if (SPI_execute(kSourcesQuery, true, 0) != SPI_OK_SELECT) elog(ERROR, "could not read observe.kafka_sources");
    return SPI_processed;
  });
  constexpr int kCols = 16;
  sources->clear();
  for (uint64 r = 0; r < rows; r++) {
    const char* v[kCols];
    for (int c = 0; c < kCols; c++) v[c] = pg_guard([r, c] { return column_text(r, c + 1); });
    if (sources->empty() || sources->back().name != v[0]) {
      KafkaSourceConfig cfg;
      cfg.name = v[0];
      cfg.consumer.brokers = v[1];
      if (v[2] != nullptr) cfg.consumer.topics = split(v[2]);
      if (v[3] != nullptr) cfg.consumer.topic_pattern = v[3];
      cfg.consumer.group_id = v[4];
      cfg.format = v[5];
      cfg.format_options = v[6];
      cfg.target = v[7] != nullptr ? static_cast<Oid>(std::stoul(v[7])) : InvalidOid;
      cfg.consumers = std::stoi(v[8]);
      cfg.start_latest = std::strcmp(v[9], "latest") == 0;
      cfg.batch_max_messages = std::stoll(v[10]);
      cfg.batch_max_bytes = std::stoll(v[11]);
      cfg.batch_max_wait_ms = std::max<int64_t>(1, std::stoll(v[12]));
      cfg.commit_to_kafka = std::strcmp(v[13], "t") == 0;
      sources->push_back(std::move(cfg));
    }
    if (v[14] != nullptr) sources->back().consumer.properties.emplace_back(v[14], v[15] != nullptr ? v[15] : "");
  }
  for (auto& s : *sources) {
    std::string f = s.name + '\0' + s.consumer.brokers + '\0' + s.consumer.topic_pattern + '\0' + s.consumer.group_id + '\0' +
          s.format + '\0' + s.format_options + '\0' + std::to_string(s.target) + '\0' + std::to_string(s.consumers) +
          '\0' + (s.start_latest ? "L" : "E") + std::to_string(s.batch_max_messages) + '\0' +
          std::to_string(s.batch_max_bytes) + '\0' + std::to_string(s.batch_max_wait_ms) + '\0' +
          (s.commit_to_kafka ? "C" : "-");
    for (const auto& t : s.consumer.topics) f += '\0' + t;
    for (const auto& [k, val] : s.consumer.properties) f += '\1' + k + '\2' + val;
    s.fingerprint = std::move(f);
  }
  return true;
}

}  // namespace observe::pg
