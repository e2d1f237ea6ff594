#include "pg/border/internal_owner.h"

#include "pg/engine/internal.h"
#include "pg/engine/pg_engine_headers.h"

extern "C" {
#include "utils/guc.h"
}

namespace observe::pg {

static Oid internal_tables_owner() {
  TsInternalOids oids;
  ts_internal_oids(&oids, false);
  HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(oids.options));
  if (!HeapTupleIsValid(tuple)) elog(ERROR, "cache lookup failed for relation %u", oids.options);
  Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
  ReleaseSysCache(tuple);
  return owner;
}

void run_as_internal_owner(void (*fn)(void* arg), void* arg) {
  Oid owner = internal_tables_owner();
  Oid saved_user;
  int saved_context;
  GetUserIdAndSecContext(&saved_user, &saved_context);
  int guc_level = NewGUCNestLevel();
  SetUserIdAndSecContext(owner, saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
  PG_TRY();
  {
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                      true, 0, false);
    fn(arg);
  }
  PG_FINALLY();
  {
    AtEOXact_GUC(false, guc_level);
    SetUserIdAndSecContext(saved_user, saved_context);
  }
  PG_END_TRY();
}

}  // namespace observe::pg
