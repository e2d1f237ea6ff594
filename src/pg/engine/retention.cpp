// Retention per table and per stream selector (Loki's retention_period and retention_stream):
// observe.set_retention(table, retention, selector, priority) sets a rule, and
// observe.apply_retention(table), which the maintenance worker runs, drops the chunks every
// series has outlived. A series takes the rule of the highest priority whose selector matches
// its labels, the shortest retention among rules of equal priority (as Loki's compactor picks),
// and the table's retention when no rule matches; no retention at all keeps it. Whole chunks go,
// as with drop_chunks: a chunk stays until its newest row is past the horizon.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/common/error.h"
#include "core/logql/parser.h"
#include "pg/border/border.h"
#include "pg/engine/engine_open.h"
#include "pg/engine/internal.h"
#include "pg/engine/layout.h"
#include "pg/engine/options.h"
#include "pg/engine/series.h"
#include "pg/engine/write_buffer.h"

namespace observe::pg {

Matchers ts_parse_stream_selector(std::string_view selector) {
  logql::Query q = logql::parse_query(selector);
  if (!q.is_log || !q.log.stages.empty())
    throw Error(ErrorKind::kInvalidParameter,
                "a retention selector is a stream selector such as {app=\"api\"}, without a pipeline");
  return q.log.matchers;
}

namespace {

// Each series' horizon by the rules; series without one are absent (the table's applies).
struct SeriesHorizon {
  int32_t priority;
  TimestampTz cutoff;
};

int64_t apply_retention(Relation rel) {
  std::shared_ptr<const TsLayout> layout = ts_layout(rel);
  TsRetention r;
  pg_guard([&] { ts_read_retention(layout->relid, &r); });
  if (!r.has_table && r.nrules == 0) return 0;
  // Only stream rules need the series' labels: a table's retention alone never loads the
  // dictionary (the maintenance worker runs this for every table with a retention).
  std::shared_ptr<SeriesDict> dict;
  if (r.nrules > 0) dict = ts_series_dict(layout->relid, layout->storage_id);
  std::unordered_map<int32_t, SeriesHorizon> chosen;
  for (int i = 0; i < r.nrules; i++) {
    Matchers matchers = ts_parse_stream_selector(r.selectors[i]);
    for (int32_t id : dict->match(matchers)) {
      auto it = chosen.find(id);
      if (it == chosen.end()) {
        chosen.emplace(id, SeriesHorizon{r.priorities[i], r.cutoffs[i]});
      } else if (r.priorities[i] > it->second.priority ||
                 (r.priorities[i] == it->second.priority && r.cutoffs[i] > it->second.cutoff)) {
        it->second = SeriesHorizon{r.priorities[i], r.cutoffs[i]};  // later cutoff = shorter retention
      }
    }
  }
  std::vector<std::pair<int32_t, int64_t>> cutoffs;
  cutoffs.reserve(chosen.size());
  for (const auto& [id, h] : chosen) cutoffs.emplace_back(id, engine_cutoff(*layout, h.cutoff));
  std::sort(cutoffs.begin(), cutoffs.end());
  std::vector<int32> ids(cutoffs.size());
  std::vector<int64> values(cutoffs.size());
  for (size_t i = 0; i < cutoffs.size(); i++) {
    ids[i] = cutoffs[i].first;
    values[i] = cutoffs[i].second;
  }
  TsSeriesCutoffs c{};
  c.has_default = r.has_table;
  c.default_cutoff = r.has_table ? engine_cutoff(*layout, r.table_cutoff) : 0;
  c.nseries = static_cast<int>(ids.size());
  c.series_ids = ids.data();
  c.cutoffs = values.data();
  // An L0 batch holds rows of many series: it goes when all of them would, i.e. past the
  // earliest horizon of any series (none if some series is kept forever).
  c.has_batch_cutoff = true;
  c.batch_cutoff = INT64_MAX;
  if (dict == nullptr) {
    c.batch_cutoff = c.default_cutoff;  // without rules every series has the table's horizon
  } else {
    for (const auto& e : dict->all()) {
      int64_t cut;
      auto it = std::lower_bound(cutoffs.begin(), cutoffs.end(), std::make_pair(e->id, INT64_MIN));
      if (it != cutoffs.end() && it->first == e->id) {
        cut = it->second;
      } else if (r.has_table) {
        cut = c.default_cutoff;
      } else {
        c.has_batch_cutoff = false;
        break;
      }
      c.batch_cutoff = std::min(c.batch_cutoff, cut);
    }
  }
  ts_buffer_flush_for_read(layout->storage_id, InvalidCommandId);
  int64 chunks = 0;
  Oid storage = layout->storage_id;
  return pg_guard([&] { return ts_drop_chunks_per_series(storage, &c, &chunks); });
}

}  // namespace

}  // namespace observe::pg

using namespace observe;
using namespace observe::pg;

// observe.set_retention(tbl regclass, retention interval, selector text, priority int)
OBSERVE_FUNCTION(observe_set_stream_retention) {
  if (PG_ARGISNULL(0) || PG_ARGISNULL(2))
    throw Error(ErrorKind::kInvalidParameter, "table and selector must not be null");
  Oid relid = PG_GETARG_OID(0);
  bool isnull = PG_ARGISNULL(1);
  Datum retention = isnull ? 0 : PG_GETARG_DATUM(1);
  int32 priority = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT32(3);
  char* selector = pg_guard([&] { return text_to_cstring(PG_GETARG_TEXT_PP(2)); });
  set_error_query(selector);
  (void)ts_parse_stream_selector(selector);
  set_error_query(nullptr);
  if (!isnull) {
    bool positive = pg_guard([&] {
      Interval zero{};
      return DatumGetInt32(DirectFunctionCall2(interval_cmp, retention, IntervalPGetDatum(&zero))) > 0;
    });
    if (!positive) throw Error(ErrorKind::kInvalidParameter, "a retention must be longer than zero");
  }
  ts_apply_stream_rule(relid, selector, retention, isnull, priority);
  pg_guard([&] { ts_options_label_sync(relid); });
  PG_RETURN_VOID();
}

// observe.apply_retention(tbl regclass) RETURNS bigint: rows dropped
OBSERVE_FUNCTION(observe_apply_retention) {
  Oid relid = PG_GETARG_OID(0);
  // Self-exclusive (and against compaction), not against INSERT or SELECT; DELETE as drop_chunks.
  Relation rel = engine_open(relid, ShareUpdateExclusiveLock, ACL_DELETE);
  int64_t rows = apply_retention(rel);
  engine_close(rel);
  PG_RETURN_INT64(rows);
}
