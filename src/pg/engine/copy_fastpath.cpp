// The input functions of a COPY are only reachable between BeginCopyFrom and CopyFrom, so for
// COPY FROM STDIN into an observe_ts table this hook does what PostgreSQL 15's DoCopy does for
// COPY FROM (src/backend/commands/copy.c, REL_15_STABLE) — the same checks in the same order —
// and wraps the memoizable input functions in between. Every other statement, and every COPY
// this path does not handle exactly like DoCopy, goes to the previous hook or
// standard_ProcessUtility unchanged.
//
// Border: the hook holds no C++ object with a destructor and throws nothing, so PostgreSQL's
// errors pass through it as through C code.
#include "pg/engine/copy_fastpath.h"

#include <cstring>

#include "pg/engine/copy_input_memo.h"
#include "pg/module/guc.h"
#include "pg/ts/ts_am.h"
#include "pg/engine/profile.h"
#include "pg/engine/table_am.h"
#include "pg/engine/pg_engine_headers.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wregister"
extern "C" {
#include "commands/copy.h"
#include "commands/copyfrom_internal.h"
#include "parser/parse_relation.h"
#include "tcop/utility.h"
#include "utils/rls.h"
}
#pragma GCC diagnostic pop

namespace observe::pg {

namespace {

ProcessUtility_hook_type prev_process_utility = nullptr;

bool format_is_binary(List* options) {
  ListCell* cell;
  foreach (cell, options) {
    auto* option = lfirst_node(DefElem, cell);
    // Anything odd is left to BeginCopyFrom, which validates the options (and sees binary too).
    if (strcmp(option->defname, "format") == 0 && option->arg != nullptr &&
        IsA(option->arg, String) && strcmp(strVal(option->arg), "binary") == 0)
      return true;
  }
  return false;
}

// What can be decided without opening the table. Files and programs keep the standard path:
// its privilege checks stay the only ones. Read-only transactions, parallel mode and recovery
// too: the checks standard_ProcessUtility makes before DoCopy, and DoCopy's
// PreventCommandIfReadOnly, then apply unchanged. And only when no library loaded before
// pg_observe hooks ProcessUtility: this path does not call the next hook, and an auditing or
// statistics hook (pgaudit, pg_stat_statements) must see every COPY. Libraries loaded after
// pg_observe wrap this hook and are called as usual.
bool may_take_fastpath(const CopyStmt* stmt) {
  return guc_copy_input_cache && prev_process_utility == nullptr && stmt->is_from && stmt->relation != nullptr &&
         stmt->filename == nullptr && !stmt->is_program && stmt->whereClause == nullptr &&
         !format_is_binary(stmt->options) && !XactReadOnly && !IsInParallelMode();
}

void wrap_input_functions(CopyFromState cstate, MemoryContext memo_context) {
  if (cstate->opts.binary) return;  // receive functions, not input functions
  ListCell* cell;
  foreach (cell, cstate->attnumlist) {
    FmgrInfo* fn = &cstate->in_functions[lfirst_int(cell) - 1];
    if (copy_input_memo_applies(fn)) copy_input_memo_wrap(fn, memo_context);
  }
}

// What the memos saved, at DEBUG1 (SET client_min_messages = debug1 shows it).
void report_input_memos(CopyFromState cstate, Relation rel) {
  ListCell* cell;
  foreach (cell, cstate->attnumlist) {
    int attnum = lfirst_int(cell);
    uint64 calls = 0, parsed = 0;
    if (!copy_input_memo_counts(&cstate->in_functions[attnum - 1], &calls, &parsed)) continue;
    ereport(DEBUG1, (errmsg("COPY into \"%s\": column \"%s\" parsed %llu of %llu values, the rest repeated a recent text",
                            RelationGetRelationName(rel),
                            NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname),
                            static_cast<unsigned long long>(parsed), static_cast<unsigned long long>(calls))));
  }
}

// DoCopy for COPY FROM STDIN into an observe_ts table. Returns false, having done nothing the
// standard path does not repeat (a lock it takes anyway, permission checks it makes again), when
// the statement must take the standard path after all.
bool copy_from(ParseState* pstate, const CopyStmt* stmt, uint64* processed) {
  Relation rel = table_openrv(stmt->relation, RowExclusiveLock);
  if (engine_profile(rel) == nullptr) {
    table_close(rel, NoLock);
    return false;
  }
  ParseNamespaceItem* nsitem =
      addRangeTableEntryForRelation(pstate, rel, RowExclusiveLock, nullptr, false, false);
  RangeTblEntry* rte = nsitem->p_rte;
  rte->requiredPerms = ACL_INSERT;
  List* attnums = CopyGetAttnums(RelationGetDescr(rel), rel, stmt->attlist);
  ListCell* cell;
  foreach (cell, attnums) {
    int attno = lfirst_int(cell) - FirstLowInvalidHeapAttributeNumber;
    rte->insertedCols = bms_add_member(rte->insertedCols, attno);
  }
  ExecCheckRTPerms(pstate->p_rtable, true);
  if (check_enable_rls(rte->relid, InvalidOid, false) == RLS_ENABLED) {
    table_close(rel, NoLock);  // the standard path refuses COPY FROM under row-level security
    return false;
  }
  // Holds the memos: lives for this COPY; on error it goes with the statement's context.
  MemoryContext memo_context =
      AllocSetContextCreate(CurrentMemoryContext, "observe COPY input memos", ALLOCSET_SMALL_SIZES);
  CopyFromState cstate = BeginCopyFrom(pstate, rel, nullptr, nullptr, false, nullptr,
                                       stmt->attlist, stmt->options);
  wrap_input_functions(cstate, memo_context);
  *processed = CopyFrom(cstate);
  report_input_memos(cstate, rel);
  EndCopyFrom(cstate);
  MemoryContextDelete(memo_context);
  table_close(rel, NoLock);
  return true;
}

void observe_process_utility(PlannedStmt* pstmt, const char* query_string, bool read_only_tree,
                             ProcessUtilityContext context, ParamListInfo params,
                             QueryEnvironment* query_env, DestReceiver* dest,
                             QueryCompletion* qc) {
  Node* parsetree = pstmt->utilityStmt;
  if (IsA(parsetree, CopyStmt) && may_take_fastpath(castNode(CopyStmt, parsetree))) {
    // As standard_ProcessUtility sets up for DoCopy.
    check_stack_depth();
    ParseState* pstate = make_parsestate(nullptr);
    pstate->p_sourcetext = query_string;
    pstate->p_queryEnv = query_env;
    uint64 processed = 0;
    bool done = copy_from(pstate, castNode(CopyStmt, parsetree), &processed);
    free_parsestate(pstate);
    if (done) {
      if (qc != nullptr) SetQueryCompletion(qc, CMDTAG_COPY, processed);
      return;
    }
  }
  if (prev_process_utility != nullptr)
    prev_process_utility(pstmt, query_string, read_only_tree, context, params, query_env, dest, qc);
  else
    standard_ProcessUtility(pstmt, query_string, read_only_tree, context, params, query_env, dest,
                            qc);
}

}  // namespace

void copy_fastpath_init() {
  prev_process_utility = ProcessUtility_hook;
  ProcessUtility_hook = observe_process_utility;
}

}  // namespace observe::pg
