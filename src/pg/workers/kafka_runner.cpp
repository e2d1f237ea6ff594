#include "pg/workers/kafka_runner.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/ingest/kafka_source_options.h"
#include "pg/border/border.h"
#include "pg/workers/worker_signals.h"
#include "pg/border/time_convert.h"
#include "pg/log/log_store.h"
#include "pg/module/guc.h"
#include "pg/ts/ts_store.h"
#include "pg/workers/metrics_writer.h"
#include "pg/workers/worker_txn.h"

extern "C" {
#include "access/table.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/array.h"
#include "utils/rel.h"
}

namespace observe::pg {

namespace {

constexpr int64_t kMaxBackoffMs = 10000;

void log_message(const std::string& source, const std::string& text) {
  const char* s = source.c_str();
  const char* t = text.c_str();
  pg_guard([s, t] { ereport(LOG, (errmsg("pg_observe Kafka source \"%s\": %s", s, t))); });
}

// ---- plain C-like SPI helpers: each runs under pg_guard --------------------------------------

SPIPlanPtr keep_plan(const char* sql, int nargs, Oid* types) {
  SPIPlanPtr p = SPI_prepare(sql, nargs, types);
  if (p == nullptr) elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
  if (SPI_keepplan(p) != 0) elog(ERROR, "could not keep a plan");
  return p;
}

Datum text_datum(std::string_view s) { return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size()))); }

struct DeadLetter {
  const std::string* source;
  std::string_view topic;
  int32_t partition;
  int64_t offset;
  const void* key;  // nullptr: NULL
  size_t key_len;
  const void* payload;
  size_t payload_len;
  std::string_view error;
  int64_t timestamp_ms;  // -1: NULL
};

void insert_dead_letter(const DeadLetter& d) {
  static SPIPlanPtr plan = nullptr;
  if (plan == nullptr) {
    Oid types[8] = {TEXTOID, TEXTOID, INT4OID, INT8OID, BYTEAOID, BYTEAOID, TEXTOID, TIMESTAMPTZOID};
    plan = keep_plan(R"sql(
      INSERT INTO observe.kafka_dead_letters (source, topic, "partition", "offset", key, payload, error, message_time)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (source, topic, "partition", "offset") DO UPDATE
        SET key = excluded.key, payload = excluded.payload, error = excluded.error, at = now(),
            message_time = excluded.message_time)sql",
                     8, types);
  }
  auto bytea_datum = [](const void* p, size_t n) {
    bytea* b = static_cast<bytea*>(palloc(VARHDRSZ + n));
    SET_VARSIZE(b, VARHDRSZ + n);
    if (n > 0) memcpy(VARDATA(b), p, n);
    return PointerGetDatum(b);
  };
  Datum values[8] = {text_datum(*d.source), text_datum(d.topic), Int32GetDatum(d.partition),
                     Int64GetDatum(d.offset), d.key ? bytea_datum(d.key, d.key_len) : (Datum)0,
                     bytea_datum(d.payload, d.payload_len), text_datum(d.error),
                     d.timestamp_ms >= 0 ? TimestampTzGetDatum(ms_to_timestamptz(d.timestamp_ms)) : (Datum)0};
  char nulls[9] = "        ";
  if (d.key == nullptr) nulls[4] = 'n';
  if (d.timestamp_ms < 0) nulls[7] = 'n';
  if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT) elog(ERROR, "could not write a Kafka dead letter");
}

// A partition's next offset as a batch moves it: from `expected` (the value read) to `next`, or
// inserted when the partition has no row yet.
struct OffsetMove {
  const std::string* topic;
  int32_t partition;
  bool has_row;
  int64_t expected;
  int64_t next;
};

// Compare-and-set of the next offsets of a batch's partitions; false when someone else moved one
// (a rebalance gave the partition to another consumer, or an admin rewound it): which one does
// not matter, the batch's transaction is rolled back. Two statements (an UPDATE of the rows, an
// INSERT of the new partitions) rather than one a partition: a batch spans tens of partitions,
// and a statement costs more than its row.
bool cas_offsets(const std::string& source, const OffsetMove* moves, int n) {
  static SPIPlanPtr update_plan = nullptr;
  static SPIPlanPtr insert_plan = nullptr;
  if (update_plan == nullptr) {
    Oid types[5] = {TEXTOID, TEXTARRAYOID, INT4ARRAYOID, INT8ARRAYOID, INT8ARRAYOID};
    update_plan = keep_plan(R"sql(
      UPDATE observe.kafka_offsets o SET next_offset = v.next, updated_at = now()
        FROM unnest($2, $3, $4, $5) AS v(topic, part, next, expected)
       WHERE o.source = $1 AND o.topic = v.topic AND o."partition" = v.part AND o.next_offset = v.expected)sql",
                            5, types);
  }
  if (insert_plan == nullptr) {
    Oid types[4] = {TEXTOID, TEXTARRAYOID, INT4ARRAYOID, INT8ARRAYOID};
    insert_plan = keep_plan(R"sql(
      INSERT INTO observe.kafka_offsets (source, topic, "partition", next_offset)
      SELECT $1, v.topic, v.part, v.next FROM unnest($2, $3, $4) AS v(topic, part, next)
      ON CONFLICT DO NOTHING)sql",
                            4, types);
  }
  Datum* topics = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
  Datum* parts = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
  Datum* nexts = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
  Datum* expected = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
  for (int pass = 0; pass < 2; pass++) {
    const bool with_row = pass == 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (moves[i].has_row != with_row) continue;
      topics[k] = text_datum(*moves[i].topic);
      parts[k] = Int32GetDatum(moves[i].partition);
      nexts[k] = Int64GetDatum(moves[i].next);
      expected[k] = Int64GetDatum(moves[i].expected);
      k++;
    }
    if (k == 0) continue;
    Datum values[5] = {text_datum(source),
                       PointerGetDatum(construct_array(topics, k, TEXTOID, -1, false, TYPALIGN_INT)),
                       PointerGetDatum(construct_array(parts, k, INT4OID, 4, true, TYPALIGN_INT)),
                       PointerGetDatum(construct_array(nexts, k, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE)),
                       PointerGetDatum(construct_array(expected, k, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE))};
    int rc = SPI_execute_plan(with_row ? update_plan : insert_plan, values, nullptr, false, 0);
    if (rc != (with_row ? SPI_OK_UPDATE : SPI_OK_INSERT)) elog(ERROR, "could not write observe.kafka_offsets");
    if (SPI_processed != static_cast<uint64>(k)) return false;
  }
  return true;
}

// The transaction's synchronous_commit: observe.kafka_synchronous_commit (for the batch and
// status transactions; reverts at their end).
void set_kafka_synchronous_commit() {
  (void)set_config_option("synchronous_commit", kafka_synchronous_commit_name(), PGC_SUSET, PGC_S_SESSION,
                          GUC_ACTION_LOCAL, true, 0, false);
}

Relation open_target(Oid relid) {
  check_relation_exists(relid);
  return table_open(relid, RowExclusiveLock);
}

// ---- decoded messages, copied so that a message is stored whole or not at all -----------------

// Lines of one stream: their bytes in one arena (no allocation per line once warm).
struct LogStream {
  Labels labels;
  std::vector<int64_t> ts;
  std::string arena;
  std::vector<size_t> ends;  // line k is arena[ends[k-1], ends[k])
  std::vector<Labels> metadata;
  std::vector<char> has_metadata;

  size_t size() const { return ts.size(); }
  std::string_view line(size_t k) const {
    size_t b = k == 0 ? 0 : ends[k - 1];
    return std::string_view(arena).substr(b, ends[k] - b);
  }
  void clear() {
    ts.clear();
    arena.clear();
    ends.clear();
    metadata.clear();
    has_metadata.clear();
  }
  void add(int64_t t, std::string_view line, const Labels* md) {
    ts.push_back(t);
    arena.append(line.data(), line.size());
    ends.push_back(arena.size());
    bool has = md != nullptr && !md->empty();
    metadata.push_back(has ? *md : Labels());
    has_metadata.push_back(has);
  }
  // Back to its first `rows` lines (whose bytes end at `bytes`).
  void truncate(size_t rows, size_t bytes) {
    ts.resize(rows);
    ends.resize(rows);
    metadata.resize(rows);
    has_metadata.resize(rows);
    arena.resize(bytes);
  }
};

class LogBuffer : public ingest::LogSink {
 public:
  void clear() { n_ = 0; }
  void begin_stream(const Labels& labels) override {
    if (n_ == streams_.size()) streams_.emplace_back();
    LogStream& s = streams_[n_++];
    if (s.labels != labels) s.labels = labels;  // slots are reused: usually the same stream
    s.clear();
  }
  void entries(const ingest::LogEntry* e, size_t n) override {
    LogStream& s = streams_[n_ - 1];
    for (size_t i = 0; i < n; i++) s.add(e[i].ts_ns, e[i].line, e[i].metadata);
  }
  size_t size() const { return n_; }
  LogStream& stream(size_t i) { return streams_[i]; }

 private:
  std::vector<LogStream> streams_;
  size_t n_ = 0;
};

struct SampleSeries {
  Labels labels;
  std::vector<int64_t> t;
  std::vector<double> v;
};

class SampleBuffer : public ingest::SampleSink {
 public:
  void clear() { n_ = 0; }
  void begin_series(const Labels& labels) override {
    if (n_ == series_.size()) series_.emplace_back();
    SampleSeries& s = series_[n_++];
    if (s.labels != labels) s.labels = labels;
    s.t.clear();
    s.v.clear();
  }
  void samples(const ingest::Sample* x, size_t n) override {
    SampleSeries& s = series_[n_ - 1];
    for (size_t i = 0; i < n; i++) {
      s.t.push_back(x[i].timestamp_ms);
      s.v.push_back(x[i].value);
    }
  }
  size_t size() const { return n_; }
  SampleSeries& series(size_t i) { return series_[i]; }

 private:
  std::vector<SampleSeries> series_;
  size_t n_ = 0;
};

// headers: whether the decoder reads headers ($header: labels): librdkafka allocates a header
// list for every message whose headers are asked for, headers or not.
ingest::KafkaMessage to_kafka_message(const rd_kafka_message_t* m, bool headers) {
  ingest::KafkaMessage k;
  k.topic = rd_kafka_topic_name(m->rkt);
  k.partition = m->partition;
  k.offset = m->offset;
  k.has_key = m->key != nullptr;
  if (k.has_key) k.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
  rd_kafka_timestamp_type_t tstype;
  k.timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
  if (tstype == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE) k.timestamp_ms = -1;
  k.value = m->payload != nullptr ? std::string_view(static_cast<const char*>(m->payload), m->len) : std::string_view();
  rd_kafka_headers_t* hdrs = nullptr;
  if (headers && rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != nullptr) {
    const char* name;
    const void* value;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++) {
      ingest::KafkaHeader h;
      h.name = name;
      h.null = value == nullptr;
      if (value != nullptr) h.value = std::string_view(static_cast<const char*>(value), size);
      k.headers.push_back(h);
    }
  }
  return k;
}

TopicPartition tp_of(const rd_kafka_message_t* m) { return TopicPartition{rd_kafka_topic_name(m->rkt), m->partition}; }
// One consumer has one topic handle per topic: equal handles are the same topic.
bool same_partition(const rd_kafka_message_t* a, const rd_kafka_message_t* b) {
  return a->rkt == b->rkt && a->partition == b->partition;
}

// SQLSTATEs that a message's content causes (bad data, a limit): the message goes to the dead
// letters. Anything else (lock timeout, a dropped table, out of disk) is retried.
bool is_data_error(int sqlerrcode) {
  return ERRCODE_TO_CATEGORY(sqlerrcode) == ERRCODE_DATA_EXCEPTION ||
         ERRCODE_TO_CATEGORY(sqlerrcode) == ERRCODE_PROGRAM_LIMIT_EXCEEDED ||
         sqlerrcode == ERRCODE_CHARACTER_NOT_IN_REPERTOIRE || sqlerrcode == ERRCODE_UNTRANSLATABLE_CHARACTER;
}

}  // namespace

// The decoder's per-message output and the batch's rows by stream / series, kept from batch
// to batch (their capacity is reused; emptied when they hold too many streams).
struct KafkaRunnerBuffers {
  LogBuffer logs;
  SampleBuffer samples;
  Relation rel = nullptr;
  // Hashed, not ordered: a batch of exposition payloads has thousands of series whose label
  // sets share long prefixes, and ordered lookups were 40 % of the worker's CPU.
  struct LabelsHash {
    size_t operator()(const Labels& l) const { return static_cast<size_t>(l.hash()); }
  };
  std::unordered_map<Labels, LogStream, LabelsHash> log_groups;
  std::unordered_map<Labels, SampleSeries, LabelsHash> sample_groups;
  LogStream* last_log_group = nullptr;  // the group the previous message went to
  SampleSeries* last_sample_group = nullptr;

  void start_batch() {
    if (log_groups.size() > 1000 || sample_groups.size() > 10000) {
      log_groups.clear();
      sample_groups.clear();
    }
    for (auto& [l, g] : log_groups) g.clear();
    for (auto& [l, g] : sample_groups) {
      g.t.clear();
      g.v.clear();
    }
    last_log_group = nullptr;
    last_sample_group = nullptr;
  }
  LogStream& log_group(const Labels& labels) {
    if (last_log_group == nullptr || last_log_group->labels != labels) {
      LogStream& g = log_groups[labels];
      if (g.labels.empty()) g.labels = labels;
      last_log_group = &g;
    }
    return *last_log_group;
  }
  SampleSeries& sample_group(const Labels& labels) {
    if (last_sample_group == nullptr || last_sample_group->labels != labels) {
      SampleSeries& g = sample_groups[labels];
      if (g.labels.empty()) g.labels = labels;
      last_sample_group = &g;
    }
    return *last_sample_group;
  }
};

namespace {

// The decoder's sink while a batch's messages are grouped: each entry goes straight into its
// stream's rows of the batch (one copy of a line; the isolating store decodes into a LogBuffer
// instead). A message is stored whole or not at all: rollback() takes back what it added when
// its decoding fails or one of its lines would be refused (refused(): what log_append would say),
// checked before a message joins its group so that the grouped append at the end does not fail
// on one message's content.
class GroupingLogSink : public ingest::LogSink {
 public:
  GroupingLogSink(KafkaRunnerBuffers& buf, bool utf8_checked) : buf_(buf), utf8_checked_(utf8_checked) {}
  void start_message() {
    marks_.clear();
    refused_.clear();
  }
  void begin_stream(const Labels& labels) override {
    group_ = &buf_.log_group(labels);
    entry_ = 0;
    for (const Mark& mk : marks_)
      if (mk.group == group_) return;
    marks_.push_back(Mark{group_, group_->size(), group_->arena.size()});
  }
  void entries(const ingest::LogEntry* e, size_t n) override {
    for (size_t i = 0; i < n && refused_.empty(); i++, entry_++) {
      std::string_view line = e[i].line;
      // What log_append refuses (the decoders have checked UTF-8 already unless told not to).
      if ((!utf8_checked_ && !valid_utf8(line)) || line.find('\0') != std::string_view::npos) {
        refused_ = "entry " + std::to_string(entry_) + " of stream " + group_->labels.to_string() +
                   ": the line is not valid UTF-8 text";
        return;
      }
      group_->add(e[i].ts_ns, line, e[i].metadata);
    }
  }
  const std::string& refused() const { return refused_; }
  void rollback() {
    for (const Mark& mk : marks_) mk.group->truncate(mk.rows, mk.bytes);
    marks_.clear();
  }

 private:
  struct Mark {
    LogStream* group;
    size_t rows, bytes;  // its size before this message
  };
  KafkaRunnerBuffers& buf_;
  bool utf8_checked_;
  LogStream* group_ = nullptr;
  size_t entry_ = 0;
  std::vector<Mark> marks_;
  std::string refused_;
};

}  // namespace

static thread_local KafkaRunnerBuffers* current_buffers = nullptr;

KafkaRunner::KafkaRunner(const KafkaSourceConfig& config, int index)
    : config_(config), index_(index), started_ms_(wall_ms()) {
  client_id_ = "pg_observe." + config_.name + "." + std::to_string(index_);
  config_.consumer.client_id = client_id_;
  try {
    ingest::KafkaFormat format;
    if (!ingest::kafka_format_from_name(config_.format, &format)) throw Error(ErrorKind::kInvalidParameter, "unknown format " + config_.format);
    decoder_ = std::make_unique<ingest::KafkaDecoder>(ingest::parse_kafka_format_options(format, config_.format_options));
    for (const ingest::MessageLabel& ml : decoder_->options().labels)
      if (ml.source == ingest::MessageLabel::Source::kHeader) need_headers_ = true;
    for (const auto& [k, v] : config_.consumer.properties) {
      if (k == "group.id" || k == "bootstrap.servers" || k == "enable.auto.commit" || k == "enable.auto.offset.store")
        throw Error(ErrorKind::kInvalidParameter, "option \"" + k + "\" is set by pg_observe (use the source's columns)");
      if (k == "partition.assignment.strategy" && v.find("cooperative") != std::string::npos)
        throw Error(ErrorKind::kFeatureNotSupported, "the cooperative-sticky assignor is not supported");
    }
  } catch (const std::exception& e) {
    config_error_ = e.what();
    note_error(config_error_);
  }
}

KafkaRunner::~KafkaRunner() {
  discard_batch();
  drop_carried();
  consumer_.reset();  // leaves the group: the partitions go to the other members
}

void KafkaRunner::note_error(const std::string& message) {
  stats_.errors++;
  stats_.last_error = message;
  stats_.last_error_ms = wall_ms();
}

void KafkaRunner::ensure_consumer() {
  if (consumer_ || !config_error_.empty() || wall_ms() < next_create_ms_) return;
  try {
    consumer_ = std::make_unique<KafkaConsumer>(config_.consumer);
  } catch (const std::exception& e) {
    note_error(e.what());
    log_message(config_.name, e.what());
    next_create_ms_ = wall_ms() + kMaxBackoffMs;
  }
}

void KafkaRunner::drop_carried() {
  for (auto* m : carried_) rd_kafka_message_destroy(m);
  carried_.clear();
}

void KafkaRunner::discard_batch() {
  for (auto* m : batch_) rd_kafka_message_destroy(m);
  batch_.clear();
  poison_.clear();
  batch_bytes_ = 0;
  isolate_ = false;
}

// Reads the stored offsets of `partitions` (a transaction of its own) into partitions_.
bool KafkaRunner::load_offsets(const std::vector<TopicPartition>& parts) {
  std::map<TopicPartition, int64_t> rows;
  const std::string& source = config_.name;
  bool ok = run_in_transaction("Kafka offsets read", [&] {
    pg_guard([&] {
      Oid types[1] = {TEXTOID};
      Datum values[1] = {text_datum(source)};
      if (SPI_execute_with_args("SELECT topic, \"partition\", next_offset FROM observe.kafka_offsets WHERE source = $1",
                                1, types, values, nullptr, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "could not read observe.kafka_offsets");
    });
    uint64 n = SPI_processed;
    for (uint64 r = 0; r < n; r++) {
      char* topic = pg_guard([r] { return SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1); });
      char* part = pg_guard([r] { return SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2); });
      char* next = pg_guard([r] { return SPI_getvalue(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 3); });
      rows[TopicPartition{topic, static_cast<int32_t>(std::stol(part))}] = std::stoll(next);
    }
  });
  if (!ok) return false;
  partitions_.clear();
  copies_.clear();  // offsets read again (an assignment, a rewind): older copies are stale
  for (const auto& tp : parts) {
    PartitionState st;
    auto it = rows.find(tp);
    if (it != rows.end()) {
      st.has_row = true;
      st.committed = it->second;
      st.fetched_next = it->second;
    }
    partitions_[tp] = st;
  }
  return true;
}

// Sets every assigned partition's fetch position from partitions_ (the table's offsets).
void KafkaRunner::reassign() {
  std::vector<std::pair<TopicPartition, int64_t>> list;
  for (auto& [tp, st] : partitions_) {
    st.fetched_next = st.has_row ? st.committed : -1;
    list.emplace_back(tp, st.has_row ? st.committed
                                     : (config_.start_latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING));
  }
  consumer_->assign(list);
}

void KafkaRunner::handle_rebalance() {
  RebalanceKind kind = consumer_->pending_rebalance();
  if (kind == RebalanceKind::kNone && !assigned_pending_ && !resync_) return;
  if (kind != RebalanceKind::kNone) {
    stats_.rebalances++;
    // What was consumed before the rebalance is stored first; the offsets' compare-and-set
    // refuses it if a new owner already moved a partition on.
    if (!batch_.empty()) flush_batch();
    discard_batch();
    drop_carried();  // fetched again from the stored offsets
    if (kind == RebalanceKind::kRevoke) {
      partitions_.clear();
      copies_.clear();
      assigned_pending_ = false;
      resync_ = false;
      consumer_->unassign();
      return;
    }
    pending_assign_ = consumer_->pending_partitions();
    assigned_pending_ = true;
  }
  if (wall_ms() < backoff_until_ms_) return;
  if (assigned_pending_) {
    if (!load_offsets(pending_assign_)) {
      note_error("could not read observe.kafka_offsets");
      backoff_until_ms_ = wall_ms() + 1000;
      return;
    }
    assigned_pending_ = false;
    resync_ = false;
    reassign();
    return;
  }
  if (resync_) {
    std::vector<TopicPartition> parts;
    for (const auto& [tp, st] : partitions_) parts.push_back(tp);
    if (!load_offsets(parts)) {
      backoff_until_ms_ = wall_ms() + 1000;
      return;
    }
    resync_ = false;
    reassign();
  }
}

bool KafkaRunner::step(int poll_ms, bool stopping) {
  ensure_consumer();
  if (!consumer_) return false;
  for (auto& e : consumer_->take_errors()) note_error(e);
  for (auto& l : consumer_->take_logs()) log_message(config_.name, l);
  if (stopping) return false;
  int64_t now = wall_ms();
  if (now < backoff_until_ms_) return false;
  handle_rebalance();
  copy_durable_offsets();
  if (assigned_pending_ || resync_ || now < backoff_until_ms_) return false;

  bool worked = false;
  // Poll until the batch is full, the queue is empty, or the batch is due: the first message
  // waits (up to the batch's deadline), the rest come as librdkafka holds them, many a call.
  run_rkt_ = nullptr;
  run_partition_ = -1;
  bool full = false;
  while (!full && !carried_.empty()) {
    rd_kafka_message_t* m = carried_.front();
    carried_.pop_front();
    full = take(m);
    worked = true;
  }
  int wait = poll_ms;
  if (!batch_.empty()) wait = static_cast<int>(std::clamp<int64_t>(batch_started_ms_ + config_.batch_max_wait_ms - wall_ms(), 0, poll_ms));
  if (polled_.empty()) polled_.resize(kPollBatch);
  bool first = true;
  while (!full) {
    size_t got = 0;
    if (first && wait > 0) {
      polled_[0] = consumer_->poll(wait);
      got = polled_[0] != nullptr ? 1 : 0;
    } else {
      got = consumer_->poll_batch(polled_.data(), polled_.size());
    }
    first = false;
    if (consumer_->pending_rebalance() != RebalanceKind::kNone) {
      for (size_t k = 0; k < got; k++) rd_kafka_message_destroy(polled_[k]);
      return true;  // handled at the next step, after the batch so far is stored
    }
    if (got == 0) break;
    worked = true;
    size_t k = 0;
    while (k < got && !full) full = take(polled_[k++]);
    for (; k < got; k++) carried_.push_back(polled_[k]);  // the next batch's
  }
  full = full || static_cast<int64_t>(batch_.size()) >= config_.batch_max_messages || batch_bytes_ >= config_.batch_max_bytes;
  if (!batch_.empty() && (full || wall_ms() >= batch_started_ms_ + config_.batch_max_wait_ms)) {
    flush_batch();
    worked = true;
  }
  return worked;
}

// Adds a polled message to the batch, unless it is not ours (any more) or already stored.
// Returns whether the batch is full.
bool KafkaRunner::take(rd_kafka_message_t* m) {
  // Messages come in runs of one partition: look the partition up when the run changes
  // (partitions_ does not change while a step polls).
  if (m->rkt != run_rkt_ || m->partition != run_partition_) {
    run_rkt_ = m->rkt;
    run_partition_ = m->partition;
    run_it_ = partitions_.find(tp_of(m));
  }
  auto it = run_it_;
  if (it == partitions_.end() || (it->second.fetched_next >= 0 && m->offset < it->second.fetched_next)) {
    rd_kafka_message_destroy(m);  // not ours (any more), or already stored
  } else {
    it->second.fetched_next = m->offset + 1;
    if (batch_.empty()) batch_started_ms_ = wall_ms();
    batch_.push_back(m);
    poison_.emplace_back();
    batch_bytes_ += static_cast<int64_t>(m->len);
  }
  return static_cast<int64_t>(batch_.size()) >= config_.batch_max_messages || batch_bytes_ >= config_.batch_max_bytes;
}

// Stores the batch. A message whose content the store refuses goes to the dead letters and the
// batch is tried again without it; any other failure drops the batch and re-reads it from the
// stored offsets after a backoff.
void KafkaRunner::flush_batch() {
  if (batch_.empty()) return;
  const auto t0 = std::chrono::steady_clock::now();
  const size_t n = batch_.size();
  const int64_t bytes = batch_bytes_;
  for (;;) {
    StoreResult r = store_once();
    if (r == StoreResult::kStored) {
      backoff_ms_ = 0;
      // DEBUG1: each batch's size and timing (where the worker's time goes, batch by batch).
      if (pg_guard([] { return message_level_is_interesting(DEBUG1); })) {
        const auto t1 = std::chrono::steady_clock::now();
        double store_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
        double since_ms = last_store_end_.time_since_epoch().count() == 0
                              ? -1
                              : std::chrono::duration<double, std::milli>(t0 - last_store_end_).count();
        last_store_end_ = t1;
        char text[256];
        snprintf(text, sizeof text, "batch of %zu messages (%lld bytes) stored in %.1f ms, %.1f ms after the previous one",
                 n, static_cast<long long>(bytes), store_ms, since_ms);
        const char* s = config_.name.c_str();
        pg_guard([s, &text] { ereport(DEBUG1, (errmsg("pg_observe Kafka source \"%s\": %s", s, text))); });
      }
      return;
    }
    if (r == StoreResult::kRetry) continue;  // without the message just dead-lettered
    // Offsets conflict (a partition moved on without us) or a failure: drop the batch and
    // fetch again from the stored offsets (after a backoff when it failed).
    discard_batch();
    drop_carried();
    resync_ = true;
    if (r == StoreResult::kFailed) {
      backoff_ms_ = std::clamp<int64_t>(backoff_ms_ * 2, 500, kMaxBackoffMs);
      backoff_until_ms_ = wall_ms() + backoff_ms_;
    }
    return;
  }
}

// Copies to Kafka the newest stored offsets whose batch is durable (its commit record flushed),
// for the partitions this consumer still holds. Kafka's copy is never read by pg_observe; it
// must only never claim more than a crash would keep.
void KafkaRunner::copy_durable_offsets() {
  if (copies_.empty() || !consumer_) return;
  uint64_t flushed = pg_guard([] { return static_cast<uint64_t>(GetFlushRecPtr(nullptr)); });
  std::vector<std::pair<TopicPartition, int64_t>> offsets;
  bool found = false;
  while (!copies_.empty() && copies_.front().commit_end <= flushed) {
    offsets = std::move(copies_.front().offsets);
    copies_.pop_front();
    found = true;
  }
  if (!found) return;
  offsets.erase(std::remove_if(offsets.begin(), offsets.end(),
                               [this](const auto& o) { return partitions_.count(o.first) == 0; }),
                offsets.end());
  consumer_->commit_copy(offsets);
}

KafkaRunner::StoreResult KafkaRunner::store_once() {
  storing_ = -1;
  conflict_ = false;
  batch_dead_ = 0;
  char* message = nullptr;
  int code = 0;
  if (!buffers_) buffers_ = std::make_unique<KafkaRunnerBuffers>();
  buffers_->start_batch();
  current_buffers = buffers_.get();
  bool ok = run_in_transaction_raw(
      "Kafka batch", [](void* arg) { invoke_cpp([arg] { static_cast<KafkaRunner*>(arg)->store_body(); }); }, this,
      &message, &code);
  current_buffers = nullptr;
  std::string error = message != nullptr ? message : "unknown error";
  free(message);
  if (ok) {
    uint64_t commit_end = XactLastCommitEnd;  // this transaction's commit record's end
    int64_t bytes = 0;
    for (auto* m : batch_) bytes += static_cast<int64_t>(m->len);
    PartitionState* st = nullptr;
    for (size_t i = 0; i < batch_.size(); i++) {
      const rd_kafka_message_t* m = batch_[i];
      if (i == 0 || !same_partition(m, batch_[i - 1])) st = &partitions_[tp_of(m)];
      st->has_row = true;
      st->committed = m->offset + 1;
    }
    if (config_.commit_to_kafka) {
      KafkaCopy copy;
      copy.commit_end = commit_end;
      for (const auto& [tp, st] : partitions_)
        if (st.has_row) copy.offsets.emplace_back(tp, st.committed);
      copies_.push_back(std::move(copy));
      if (copies_.size() > 64) copies_.pop_front();  // only a copy: an older one may be skipped
    }
    stats_.messages += static_cast<int64_t>(batch_.size());
    stats_.bytes += bytes;
    stats_.dead_letters += batch_dead_;
    stats_.batches++;
    stats_.last_commit_ms = wall_ms();
    copy_durable_offsets();
    discard_batch();
    return StoreResult::kStored;
  }
  if (conflict_) {
    note_error("offset conflict: a partition moved on without this consumer; reading the offsets again");
    return StoreResult::kConflict;
  }
  if (storing_ == kStoringGroups && is_data_error(code)) {
    // The grouped append refused something: store this batch again message by message.
    isolate_ = true;
    return StoreResult::kRetry;
  }
  if (storing_ >= 0 && is_data_error(code) && poison_[storing_].empty()) {
    // This message's rows were refused: dead-letter it and store the batch again.
    poison_[storing_] = error;
    return StoreResult::kRetry;
  }
  note_error(error);
  return StoreResult::kFailed;
}

// The test hook observe.kafka_test_refuse_line: a store refusal after decoding, as a data
// error from the storage engine would be.
static void test_refusal(const LogPushEntry* entries, size_t n) {
  const char* needle = guc_kafka_test_refuse_line;
  if (needle == nullptr || needle[0] == '\0') return;
  for (size_t k = 0; k < n; k++)
    if (entries[k].line.find(needle) != std::string_view::npos)
      throw Error(ErrorKind::kDataException, "refused by observe.kafka_test_refuse_line");
}

// The transaction's body (under invoke_cpp, in run_in_transaction).
void KafkaRunner::store_body() {
  KafkaRunnerBuffers& buf = *current_buffers;
  Oid target = config_.target;
  if (target == InvalidOid) throw Error(ErrorKind::kInvalidParameter, "the target table does not exist");
  pg_guard([] { set_kafka_synchronous_commit(); });
  buf.rel = pg_guard([target] { return open_target(target); });
  bool logs = ingest::kafka_format_is_logs(decoder_->options().format);
  if (logs)
    log_check_logs_shape(buf.rel);
  else
    ts_check_metrics_shape(buf.rel);
  std::map<TopicPartition, int64_t> next;
  int64_t* next_of_run = nullptr;
  GroupingLogSink grouping(buf, decoder_->options().loki.validate_utf8);
  for (size_t i = 0; i < batch_.size(); i++) {
    rd_kafka_message_t* m = batch_[i];
    if (i == 0 || !same_partition(m, batch_[i - 1])) next_of_run = &next[tp_of(m)];
    *next_of_run = m->offset + 1;
    std::string error = poison_[i];
    if (error.empty()) {
      ingest::KafkaMessage km = to_kafka_message(m, need_headers_);
      try {
        if (logs && !isolate_) {
          grouping.start_message();
          decoder_->decode_logs(km, grouping);
        } else if (logs) {
          buf.logs.clear();
          decoder_->decode_logs(km, buf.logs);
        } else {
          buf.samples.clear();
          decoder_->decode_samples(km, buf.samples);
        }
      } catch (const PgError&) {
        throw;
      } catch (const std::bad_alloc&) {
        throw;
      } catch (const std::exception& e) {
        error = e.what();
      }
      if (logs && !isolate_) {
        // Its lines are in their groups already, unless it failed: then none of them.
        if (error.empty()) error = grouping.refused();
        if (!error.empty()) grouping.rollback();
      }
    }
    if (error.empty() && !isolate_) {
      // Grouped: the message's rows join their stream's or series' rows of the batch (log
      // lines did as they were decoded).
      if (!logs) {
        for (size_t s = 0; s < buf.samples.size(); s++) {
          SampleSeries& series = buf.samples.series(s);
          SampleSeries& g = buf.sample_group(series.labels);
          g.t.insert(g.t.end(), series.t.begin(), series.t.end());
          g.v.insert(g.v.end(), series.v.begin(), series.v.end());
        }
      }
      if (error.empty()) continue;
    } else if (error.empty()) {
      // Isolating (a grouped append failed): message by message, to find the one refused.
      storing_ = static_cast<long>(i);
      if (logs)
        store_logs(i);
      else
        store_samples(i);
      storing_ = -1;
      continue;
    }
    DeadLetter d{&config_.name, rd_kafka_topic_name(m->rkt), m->partition, m->offset, m->key, m->key_len,
                 m->payload, m->len, error, -1};
    rd_kafka_timestamp_type_t tstype;
    int64_t ts = rd_kafka_message_timestamp(m, &tstype);
    if (tstype != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && ts >= 0) d.timestamp_ms = ts;
    pg_guard([&d] { insert_dead_letter(d); });
    batch_dead_++;
  }
  if (!isolate_) {
    storing_ = kStoringGroups;
    std::vector<LogPushEntry> entries;
    for (auto& [labels, g] : buf.log_groups) {
      if (g.size() == 0) continue;
      entries.resize(g.size());
      for (size_t k = 0; k < g.size(); k++) {
        entries[k].ts_ns = g.ts[k];
        entries[k].line = g.line(k);
        entries[k].metadata = g.has_metadata[k] ? &g.metadata[k] : nullptr;
      }
      // Every message is stored, equal lines included: exactly-once comes from the offsets.
      // Each line was checked (GroupingLogSink) before it joined its group.
      test_refusal(entries.data(), entries.size());
      log_append(buf.rel, labels, entries.data(), entries.size(), false, /*lines_checked=*/true);
    }
    for (auto& [labels, g] : buf.sample_groups)
      if (!g.t.empty()) ts_append_samples(buf.rel, labels, g.t.data(), g.v.data(), g.t.size());
    storing_ = -1;
  }
  // The partitions' new offsets, all or none (compare-and-set; docs/kafka.md "Exactly once").
  std::vector<OffsetMove> moves;
  moves.reserve(next.size());
  for (const auto& [tp, n] : next) {
    const PartitionState& st = partitions_[tp];
    moves.push_back(OffsetMove{&tp.topic, tp.partition, st.has_row, st.committed, n});
  }
  const std::string& source = config_.name;
  const OffsetMove* mv = moves.data();
  const int nmoves = static_cast<int>(moves.size());
  bool set = pg_guard([&source, mv, nmoves] { return cas_offsets(source, mv, nmoves); });
  if (!set) {
    conflict_ = true;
    throw Error(ErrorKind::kInternal, "observe.kafka_offsets of a partition of this batch moved on: batch dropped");
  }
  Relation rel = buf.rel;
  pg_guard([rel] { table_close(rel, NoLock); });
}

void KafkaRunner::store_logs(size_t) {
  KafkaRunnerBuffers& buf = *current_buffers;
  std::vector<LogPushEntry> entries;
  for (size_t s = 0; s < buf.logs.size(); s++) {
    const LogStream& st = buf.logs.stream(s);
    entries.resize(st.size());
    for (size_t k = 0; k < st.size(); k++) {
      entries[k].ts_ns = st.ts[k];
      entries[k].line = st.line(k);
      entries[k].metadata = st.has_metadata[k] ? &st.metadata[k] : nullptr;
    }
    test_refusal(entries.data(), entries.size());
    log_append(buf.rel, st.labels, entries.data(), entries.size(), false);
  }
}

void KafkaRunner::store_samples(size_t) {
  KafkaRunnerBuffers& buf = *current_buffers;
  for (size_t s = 0; s < buf.samples.size(); s++) {
    const SampleSeries& series = buf.samples.series(s);
    if (!series.t.empty()) ts_append_samples(buf.rel, series.labels, series.t.data(), series.v.data(), series.t.size());
  }
}

// ---- status and self-monitoring ----------------------------------------------------------------

void KafkaRunner::write_status(bool final_write) {
  int64_t now = wall_ms();
  if (rate_ms_ > 0 && now > rate_ms_) {
    double secs = static_cast<double>(now - rate_ms_) / 1000.0;
    msg_rate_ = static_cast<double>(stats_.messages - rate_messages_) / secs;
    byte_rate_ = static_cast<double>(stats_.bytes - rate_bytes_) / secs;
  }
  rate_ms_ = now;
  rate_messages_ = stats_.messages;
  rate_bytes_ = stats_.bytes;
  std::vector<std::string> assigned;
  std::vector<std::pair<TopicPartition, int64_t>> hw;
  // A consumer about to stop holds nothing any more (its partitions go to the group).
  if (!final_write)
    for (const auto& [tp, st] : partitions_) {
      assigned.push_back(tp.to_string());
      hw.emplace_back(tp, consumer_ ? consumer_->high_watermark(tp) : -1);
    }
  std::string state = final_write ? "stopped"
                      : !config_error_.empty() ? "configuration error"
                      : !consumer_ ? "connecting"
                      : now < backoff_until_ms_ ? "backing off"
                      : assigned_pending_ ? "assigning"
                      : partitions_.empty() ? "waiting for assignment" : "consuming";
  bool metrics = now >= next_metrics_ms_ && !final_write;
  if (metrics) next_metrics_ms_ = now + 10000;
  const KafkaConsumerStats& s = stats_;
  const std::string& source = config_.name;
  int index = index_;
  int64_t started = started_ms_;
  double mrate = msg_rate_, brate = byte_rate_;
  run_in_transaction("Kafka status", [&] {
    pg_guard([&] {
      set_kafka_synchronous_commit();
      // the consumer's row
      StringInfoData assigned_text;
      initStringInfo(&assigned_text);
      appendStringInfoChar(&assigned_text, '{');
      for (size_t i = 0; i < assigned.size(); i++) {
        if (i > 0) appendStringInfoChar(&assigned_text, ',');
        appendStringInfo(&assigned_text, "\"%s\"", assigned[i].c_str());  // topic names: [a-zA-Z0-9._-]
      }
      appendStringInfoChar(&assigned_text, '}');
      Oid types[17] = {TEXTOID, INT4OID, INT4OID, TEXTOID, TEXTOID, INT8OID, INT8OID, INT8OID, INT8OID,
                       INT8OID, INT8OID, FLOAT8OID, FLOAT8OID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
      Datum values[17] = {text_datum(source), Int32GetDatum(index), Int32GetDatum(MyProcPid), text_datum(state),
                          CStringGetTextDatum(assigned_text.data), Int64GetDatum(s.messages), Int64GetDatum(s.bytes),
                          Int64GetDatum(s.dead_letters), Int64GetDatum(s.errors), Int64GetDatum(s.rebalances),
                          Int64GetDatum(s.batches), Float8GetDatum(mrate), Float8GetDatum(brate),
                          s.last_error.empty() ? (Datum)0 : text_datum(s.last_error),
                          TimestampTzGetDatum(ms_to_timestamptz(s.last_error_ms)),
                          TimestampTzGetDatum(ms_to_timestamptz(s.last_commit_ms)),
                          TimestampTzGetDatum(ms_to_timestamptz(started))};
      char nulls[18] = "                 ";
      if (s.last_error.empty()) nulls[13] = 'n';
      if (s.last_error_ms == 0) nulls[14] = 'n';
      if (s.last_commit_ms == 0) nulls[15] = 'n';
      if (SPI_execute_with_args(R"sql(
        INSERT INTO observe._kafka_consumer_status AS c (source, consumer, pid, state, assigned, messages, bytes,
               dead_letters, errors, rebalances, batches, messages_per_second, bytes_per_second, last_error,
               last_error_at, last_commit, started_at, updated_at)
        VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now())
        ON CONFLICT (source, consumer) DO UPDATE SET pid = excluded.pid, state = excluded.state,
          assigned = excluded.assigned, messages = excluded.messages, bytes = excluded.bytes,
          dead_letters = excluded.dead_letters, errors = excluded.errors, rebalances = excluded.rebalances,
          batches = excluded.batches, messages_per_second = excluded.messages_per_second,
          bytes_per_second = excluded.bytes_per_second, last_error = excluded.last_error,
          last_error_at = excluded.last_error_at, last_commit = excluded.last_commit,
          started_at = excluded.started_at, updated_at = now())sql",
                                17, types, values, nulls, false, 0) != SPI_OK_INSERT)
        elog(ERROR, "could not write observe._kafka_consumer_status");
      Oid dtypes[2] = {TEXTOID, INT4OID};
      Datum dvalues[2] = {text_datum(source), Int32GetDatum(index)};
      SPI_execute_with_args("DELETE FROM observe._kafka_partition_status WHERE source = $1 AND consumer = $2", 2,
                            dtypes, dvalues, nullptr, false, 0);
      for (const auto& [tp, high] : hw) {
        Oid ptypes[5] = {TEXTOID, TEXTOID, INT4OID, INT4OID, INT8OID};
        Datum pvalues[5] = {text_datum(source), text_datum(tp.topic), Int32GetDatum(tp.partition),
                            Int32GetDatum(index), Int64GetDatum(high)};
        char pnulls[6] = "     ";
        if (high < 0) pnulls[4] = 'n';
        SPI_execute_with_args(R"sql(
          INSERT INTO observe._kafka_partition_status AS p (source, topic, "partition", consumer, high_watermark, updated_at)
          VALUES ($1, $2, $3, $4, $5, now())
          ON CONFLICT (source, topic, "partition") DO UPDATE SET consumer = excluded.consumer,
            high_watermark = excluded.high_watermark, updated_at = now())sql",
                              5, ptypes, pvalues, pnulls, false, 0);
      }
    });
    if (!metrics) return;
    MetricsWriter writer;
    auto counter = [&](const char* name, int64_t v) {
      writer.append(Labels{{"__name__", name}, {"source", source}, {"consumer", std::to_string(index)}}, now,
                    static_cast<double>(v));
    };
    counter("observe_kafka_messages_total", s.messages);
    counter("observe_kafka_bytes_total", s.bytes);
    counter("observe_kafka_dead_letters_total", s.dead_letters);
    counter("observe_kafka_errors_total", s.errors);
    counter("observe_kafka_rebalances_total", s.rebalances);
    counter("observe_kafka_batches_total", s.batches);
    for (const auto& [tp, high] : hw) {
      const PartitionState& st = partitions_.at(tp);
      if (high < 0) continue;
      int64_t lag = std::max<int64_t>(0, high - (st.has_row ? st.committed : 0));
      writer.append(Labels{{"__name__", "observe_kafka_lag"}, {"source", source}, {"topic", tp.topic},
                           {"partition", std::to_string(tp.partition)}},
                    now, static_cast<double>(lag));
    }
  });
}

}  // namespace observe::pg
