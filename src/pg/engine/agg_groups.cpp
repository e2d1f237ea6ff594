#include "pg/engine/agg_groups.h"

namespace observe::pg {

void ts_group_init(TsGroupTable* groups, EState* estate, List* exprs, const Oid* eq_ops) {
  groups->ncols = list_length(exprs);
  groups->eq_ops = static_cast<Oid*>(palloc0(sizeof(Oid) * (groups->ncols + 1)));
  for (int i = 0; i < groups->ncols; i++) groups->eq_ops[i] = eq_ops[i];
  if (groups->ncols == 0) return;
  groups->desc = ExecTypeFromExprList(exprs);
  groups->lookup = ExecInitExtraTupleSlot(estate, groups->desc, &TTSOpsVirtual);
  groups->read = ExecInitExtraTupleSlot(estate, groups->desc, &TTSOpsMinimalTuple);
}

void ts_group_reset(TsGroupTable* groups, PlanState* parent, MemoryContext cx, MemoryContext temp) {
  MemoryContext old = MemoryContextSwitchTo(cx);
  groups->count = groups->ncols == 0 ? 1 : 0;
  groups->capacity = 64;
  groups->tuples = static_cast<MinimalTuple*>(palloc0(sizeof(MinimalTuple) * groups->capacity));
  groups->table = nullptr;
  if (groups->ncols > 0) {
    Oid* eqfuncs;
    FmgrInfo* hashfuncs;
    execTuplesHashPrepare(groups->ncols, groups->eq_ops, &eqfuncs, &hashfuncs);
    auto* keys = static_cast<AttrNumber*>(palloc(sizeof(AttrNumber) * groups->ncols));
    Oid* collations = static_cast<Oid*>(palloc(sizeof(Oid) * groups->ncols));
    for (int i = 0; i < groups->ncols; i++) {
      keys[i] = static_cast<AttrNumber>(i + 1);
      collations[i] = TupleDescAttr(groups->desc, i)->attcollation;
    }
    groups->table = BuildTupleHashTableExt(parent, groups->desc, groups->ncols, keys, eqfuncs, hashfuncs,
                                           collations, 256, 0, cx, cx, temp, false);
  }
  MemoryContextSwitchTo(old);
}

int ts_group_lookup(TsGroupTable* groups) {
  if (groups->ncols == 0) return 0;
  bool isnew;
  TupleHashEntry entry = LookupTupleHashEntry(groups->table, groups->lookup, &isnew, nullptr);
  if (isnew) {
    if (groups->count == groups->capacity) {
      groups->capacity *= 2;
      groups->tuples = static_cast<MinimalTuple*>(
          repalloc(groups->tuples, sizeof(MinimalTuple) * groups->capacity));
    }
    entry->additional = reinterpret_cast<void*>(static_cast<uintptr_t>(groups->count));
    groups->tuples[groups->count++] = entry->firstTuple;
  }
  return static_cast<int>(reinterpret_cast<uintptr_t>(entry->additional));
}

TupleTableSlot* ts_group_values(TsGroupTable* groups, int n) {
  ExecStoreMinimalTuple(groups->tuples[n], groups->read, false);
  slot_getallattrs(groups->read);
  return groups->read;
}

}  // namespace observe::pg
