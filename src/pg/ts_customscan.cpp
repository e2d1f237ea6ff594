// Planner integration of observe_ts: row-level UPDATE/DELETE/MERGE are refused when planned
// (not only when a row is found), and no parallel paths are kept (the AM has no parallel scan).
#include "pg/ts_am.h"
#include "pg/ts_pg_headers.h"

extern "C" {
#include "optimizer/paths.h"
}

namespace observe::pg {

namespace {

set_rel_pathlist_hook_type prev_pathlist_hook = nullptr;

void ts_set_rel_pathlist(PlannerInfo* root, RelOptInfo* rel, Index rti, RangeTblEntry* rte) {
  if (prev_pathlist_hook != nullptr) prev_pathlist_hook(root, rel, rti, rte);
  if (rte->rtekind != RTE_RELATION || rte->relkind != RELKIND_RELATION ||
      !ts_relid_is_observe_ts(rte->relid))
    return;
  if (root->parse->resultRelation == static_cast<int>(rti)) {
    switch (root->parse->commandType) {
      case CMD_UPDATE: ts_refuse_row_change("UPDATE");
      case CMD_DELETE: ts_refuse_row_change("DELETE");
      case CMD_MERGE: ts_refuse_row_change("MERGE");
      default: break;
    }
  }
  rel->partial_pathlist = NIL;
}

}  // namespace

void ts_customscan_init() {
  prev_pathlist_hook = set_rel_pathlist_hook;
  set_rel_pathlist_hook = ts_set_rel_pathlist;
}

}  // namespace observe::pg
