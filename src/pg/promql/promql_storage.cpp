#include "pg/promql/promql_storage.h"

#include "pg/border/border.h"
#include "pg/ts/ts_store.h"

extern "C" {
#include "access/table.h"
#include "utils/acl.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
}

namespace observe::pg {

// The engine reads the table through the access method, not through a query, so it checks what
// a SELECT would: the SELECT privilege (on the table or on every column), and no row-level
// security policy it could not apply.
static void check_can_read(Relation rel) {
  Oid relid = RelationGetRelid(rel);
  Oid user = GetUserId();
  if (pg_class_aclcheck(relid, user, ACL_SELECT) != ACLCHECK_OK &&
      pg_attribute_aclcheck_all(relid, user, ACL_SELECT, ACLMASK_ALL) != ACLCHECK_OK)
    aclcheck_error(ACLCHECK_NO_PRIV, get_relkind_objtype(rel->rd_rel->relkind), RelationGetRelationName(rel));
  if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("PromQL cannot read table \"%s\": it has row-level security enabled",
                           RelationGetRelationName(rel)),
                    errhint("Query it as its owner or a role with BYPASSRLS, or disable row-level security.")));
}

TsQueryable::TsQueryable(Oid relid) {
  rel_ = pg_guard([relid] {
    check_relation_exists(relid);
    return table_open(relid, AccessShareLock);
  });
  try {
    Relation rel = rel_;
    pg_guard([rel] { check_can_read(rel); });
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

}  // namespace observe::pg
