#include "pg/workers/metrics_writer.h"

#include <cstdint>
#include <memory>
#include <unordered_set>

#include "pg/border/border.h"
#include "pg/border/time_convert.h"
#include "pg/ts/ts_store.h"
#include "pg/engine/write_buffer.h"

extern "C" {
#include "access/table.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "utils/lsyscache.h"
}

namespace observe::pg {

static Relation open_metrics(Oid relid) {
  if (relid == InvalidOid) {
    RangeVar* rv = makeRangeVar(const_cast<char*>("observe"), const_cast<char*>("metrics"), -1);
    return table_openrv(rv, RowExclusiveLock);
  }
  return table_open(relid, RowExclusiveLock);
}

MetricsWriter::MetricsWriter(Oid relid) {
  rel_ = pg_guard([relid] { return open_metrics(relid); });
}

MetricsWriter::~MetricsWriter() { table_close(rel_, NoLock); }

void MetricsWriter::append(const std::vector<scrape::Sample>& samples, size_t* new_budget,
                           std::vector<scrape::Sample>* deferred) {
  if (samples.empty()) return;
  ts_check_metrics_shape(rel_);
  const uint64_t serial = ts_buffer_series_serial(rel_);
  // Ids obtained before a relcache invalidation (series garbage collection) changed the
  // dictionary's serial are kept when their series rows are still there (a primary key probe
  // each, no label lookup): removing some series does not make the worker look every series up
  // again. An absent one is resolved below (its series created again).
  {
    std::vector<const scrape::Series*> check;
    std::vector<int32_t> check_ids;
    std::unordered_set<const scrape::Series*> checked;
    uint64_t known_past = 0;  // the last generation found to be a past serial
    for (const scrape::Sample& s : samples) {
      scrape::StorageRef& ref = s.series->ref;
      if (ref.generation == serial || ref.generation == 0 || ref.id < 0) continue;
      if (ref.generation != known_past) {
        if (!ts_buffer_series_had_serial(rel_, ref.generation)) continue;
        known_past = ref.generation;
      }
      if (!checked.insert(s.series.get()).second) continue;
      check.push_back(s.series.get());
      check_ids.push_back(static_cast<int32_t>(ref.id));
    }
    if (!check.empty()) {
      std::unique_ptr<bool[]> present(new bool[check.size()]);
      ts_buffer_series_present(rel_, check_ids.data(), check_ids.size(), present.get());
      for (size_t i = 0; i < check.size(); i++) {
        check[i]->ref.generation = present[i] ? serial : 0;
        if (!present[i]) check[i]->ref.id = -1;
      }
    }
  }
  // Series new to this dictionary (new series, or the dictionary was dropped): by labels, all
  // in one batch (one creation lock for a first scrape's thousand series), at most *new_budget
  // of them, in the order of their first sample. An id found now is valid in this transaction
  // even if the dictionary is replaced meanwhile; the ref then no longer matches the current
  // serial and is resolved again next time.
  std::vector<Labels> unresolved;
  std::vector<const scrape::Series*> unresolved_series;
  std::unordered_set<const scrape::Series*> seen, later;  // later: left for a following step
  size_t budget = new_budget != nullptr ? *new_budget : SIZE_MAX;
  for (const scrape::Sample& s : samples) {
    scrape::StorageRef& ref = s.series->ref;
    if (ref.generation == serial && ref.id >= 0) continue;
    if (!seen.insert(s.series.get()).second) continue;  // a series may appear twice: once
    if (unresolved.size() >= budget) {
      later.insert(s.series.get());
      continue;
    }
    ref.generation = 0;  // resolved below
    ref.id = -1;
    unresolved.push_back(s.labels());
    unresolved_series.push_back(s.series.get());
  }
  if (!unresolved.empty()) {
    std::vector<const Labels*> ptrs(unresolved.size());
    for (size_t i = 0; i < unresolved.size(); i++) ptrs[i] = &unresolved[i];
    std::vector<int32_t> ids(unresolved.size());
    ts_buffer_series_ids(rel_, ptrs.data(), ptrs.size(), ids.data());
    for (size_t i = 0; i < unresolved.size(); i++) {
      unresolved_series[i]->ref.id = ids[i];
      unresolved_series[i]->ref.generation = serial;
    }
  }
  if (new_budget != nullptr) *new_budget -= unresolved.size();
  size_t n = 0;
  ids_.resize(samples.size());
  times_.resize(samples.size());
  values_.resize(samples.size());
  for (const scrape::Sample& s : samples) {
    if (!later.empty() && later.count(s.series.get()) != 0) {
      deferred->push_back(s);  // its series is created later: its samples wait, in order
      continue;
    }
    ids_[n] = static_cast<int32_t>(s.series->ref.id);
    times_[n] = s.timestamp_ms;
    values_[n] = s.value;
    n++;
  }
  if (n > 0) ts_buffer_append_points(rel_, ids_.data(), times_.data(), values_.data(), n);
  written_ += n;
}

void MetricsWriter::append(const Labels& series, int64_t t_ms, double value) {
  ts_append_samples(rel_, series, &t_ms, &value, 1);
  written_++;
}

static const char* kUpsertStatus = R"sql(
  INSERT INTO observe._scrape_status AS s
         (job, url, instance, last_scrape, last_duration, samples_scraped, series_added, up, last_error,
          lock_timeouts)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (job, url) DO UPDATE SET
    instance = excluded.instance, last_scrape = excluded.last_scrape,
    last_duration = excluded.last_duration, samples_scraped = excluded.samples_scraped,
    series_added = excluded.series_added, up = excluded.up, last_error = excluded.last_error,
    lock_timeouts = s.lock_timeouts + excluded.lock_timeouts)sql";

struct StatusRow {
  const char* job;
  const char* url;
  const char* instance;
  int64_t scrape_ms;
  double duration;
  int32 samples;
  int32 added;
  bool up;
  const char* error;  // nullptr: NULL
  int64 lock_timeouts;  // added to the row's count
};

static void upsert_status(const StatusRow& row) {
  Oid types[10] = {TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, FLOAT8OID, INT4OID, INT4OID, BOOLOID, TEXTOID,
                   INT8OID};
  Datum values[10] = {CStringGetTextDatum(row.job), CStringGetTextDatum(row.url),
                      CStringGetTextDatum(row.instance), TimestampTzGetDatum(ms_to_timestamptz(row.scrape_ms)),
                      Float8GetDatum(row.duration), Int32GetDatum(row.samples), Int32GetDatum(row.added),
                      BoolGetDatum(row.up), row.error ? CStringGetTextDatum(row.error) : (Datum)0,
                      Int64GetDatum(row.lock_timeouts)};
  char nulls[11] = "        n ";
  if (row.error != nullptr) nulls[8] = ' ';
  // Planned once per backend (not parsed and planned per scrape); SPI_keepplan keeps it past the
  // transaction, and a schema change makes plancache replan it.
  static SPIPlanPtr plan = nullptr;
  if (plan == nullptr) {
    SPIPlanPtr p = SPI_prepare(kUpsertStatus, 10, types);
    if (p == nullptr) elog(ERROR, "could not prepare the observe._scrape_status upsert: %s", SPI_result_code_string(SPI_result));
    if (SPI_keepplan(p) != 0) elog(ERROR, "could not keep the observe._scrape_status upsert plan");
    plan = p;
  }
  if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT)
    elog(ERROR, "could not write observe._scrape_status");
}

void MetricsWriter::write_status(const std::string& job, const std::string& url,
                                 const std::string& instance, int64_t scrape_ms,
                                 double duration_seconds, const scrape::ScrapeResult& result) {
  write_status_only(job, url, instance, scrape_ms, duration_seconds, result, nullptr, false);
}

void MetricsWriter::write_status_only(const std::string& job, const std::string& url,
                                      const std::string& instance, int64_t scrape_ms,
                                      double duration_seconds, const scrape::ScrapeResult& result,
                                      const char* error, bool lock_timeout) {
  if (error == nullptr && !result.error.empty()) error = result.error.c_str();
  StatusRow row{job.c_str(),
                url.c_str(),
                instance.c_str(),
                scrape_ms,
                duration_seconds,
                static_cast<int32>(result.report.samples_scraped),
                static_cast<int32>(result.report.series_added),
                result.report.up,
                error,
                lock_timeout ? 1 : 0};
  pg_guard([&row] { upsert_status(row); });
}

static void remove_status(const char* job, const char* url) {
  Oid types[2] = {TEXTOID, TEXTOID};
  Datum values[2] = {CStringGetTextDatum(job), CStringGetTextDatum(url)};
  SPI_execute_with_args("DELETE FROM observe._scrape_status WHERE job = $1 AND url = $2", 2, types,
                        values, nullptr, false, 0);
}

void MetricsWriter::delete_status(const std::string& job, const std::string& url) {
  const char* j = job.c_str();
  const char* u = url.c_str();
  pg_guard([j, u] { remove_status(j, u); });
}

}  // namespace observe::pg
