#include "pg/promql/promql_storage.h"

#include "pg/border/border.h"
#include "pg/border/read_check.h"
#include "pg/ts/ts_store.h"

extern "C" {
#include "access/table.h"
#include "utils/snapmgr.h"
}

namespace observe::pg {

TsQueryable::TsQueryable(Oid relid) {
  rel_ = open_for_reading(relid, "PromQL");
  try {
    ts_check_metrics_shape(rel_);
  } catch (...) {
    table_close(rel_, NoLock);
    throw;
  }
}

// NoLock: the lock is held to the end of the transaction, as for any relation a query reads;
// only the relcache reference is released, which does not fail.
TsQueryable::~TsQueryable() { table_close(rel_, NoLock); }

std::vector<promql::SeriesData> TsQueryable::select(const Matchers& matchers, int64_t mint,
                                                    int64_t maxt) {
  return ts_select(rel_, matchers, mint, maxt, GetActiveSnapshot());
}

std::vector<promql::SeriesData> TsQueryable::select(const Matchers& matchers, int64_t mint,
                                                    int64_t maxt, const promql::SelectHints& hints) {
  return ts_select(rel_, matchers, mint, maxt, GetActiveSnapshot(), hints);
}

}  // namespace observe::pg
