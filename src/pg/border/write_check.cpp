#include "pg/border/write_check.h"

#include <string>

#include "pg/border/border.h"

extern "C" {
#include "access/table.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/rel.h"
#include "utils/rls.h"
}

namespace observe::pg {

Relation open_for_writing(Oid relid, LOCKMODE lock, AclMode privileges, const char* function) {
  std::string command = std::string(function) + "()";
  return pg_guard([&] {
    check_relation_exists(relid);
    PreventCommandIfReadOnly(command.c_str());
    Relation rel = table_open(relid, lock);  // an error below aborts the transaction, which closes it
    // pg_class_aclcheck passes with any one of the privileges: every one is needed.
    if (pg_class_aclmask(relid, GetUserId(), privileges, ACLMASK_ALL) != privileges)
      aclcheck_error(ACLCHECK_NO_PRIV, get_relkind_objtype(rel->rd_rel->relkind), RelationGetRelationName(rel));
    if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
      ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                      errmsg("%s cannot write table \"%s\": it has row-level security enabled", function,
                             RelationGetRelationName(rel))));
    return rel;
  });
}

}  // namespace observe::pg
