#include "pg/border/read_check.h"

#include "pg/border/border.h"

extern "C" {
#include "access/table.h"
#include "utils/acl.h"
#include "utils/rel.h"
#include "utils/rls.h"
}

namespace observe::pg {

void check_can_read(Relation rel, const char* language) {
  Oid relid = RelationGetRelid(rel);
  Oid user = GetUserId();
  if (pg_class_aclcheck(relid, user, ACL_SELECT) != ACLCHECK_OK &&
      pg_attribute_aclcheck_all(relid, user, ACL_SELECT, ACLMASK_ALL) != ACLCHECK_OK)
    aclcheck_error(ACLCHECK_NO_PRIV, get_relkind_objtype(rel->rd_rel->relkind), RelationGetRelationName(rel));
  if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("%s cannot read table \"%s\": it has row-level security enabled", language,
                           RelationGetRelationName(rel)),
                    errhint("Query it as its owner or a role with BYPASSRLS, or disable row-level security.")));
}

Relation open_for_reading(Oid relid, const char* language) {
  return pg_guard([relid, language] {
    check_relation_exists(relid);
    Relation rel = table_open(relid, AccessShareLock);
    check_can_read(rel, language);  // an error aborts the transaction, which closes rel
    return rel;
  });
}

}  // namespace observe::pg
