// The PromQL engine's storage interface on an observe_ts table shaped like observe.metrics.
#pragma once

#include "core/promql/storage.h"
#include "pg/border/pg_headers.h"

extern "C" {
#include "utils/rel.h"
}

namespace observe::pg {

class TsQueryable : public promql::Queryable {
 public:
  // Opens the table (AccessShareLock, kept to the end of the transaction); refuses a table
  // that is not an observe_ts table of the (time, name, labels, value) shape.
  explicit TsQueryable(Oid relid);
  ~TsQueryable() override;

  std::vector<promql::SeriesData> select(const Matchers& matchers, int64_t mint, int64_t maxt) override;
  // Leaves out the samples outside the hints' windows while copying them from the chunks.
  std::vector<promql::SeriesData> select(const Matchers& matchers, int64_t mint, int64_t maxt,
                                         const promql::SelectHints& hints) override;

 private:
  Relation rel_;
};

}  // namespace observe::pg
