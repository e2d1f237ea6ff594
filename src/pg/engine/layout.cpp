#include "pg/engine/layout.h"

#include <unordered_map>

#include "core/common/error.h"
#include "pg/border/border.h"
#include "pg/engine/internal.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

namespace {
// Backend-lifetime cache: layouts are small and relcache invalidation keeps it right.
std::unordered_map<Oid, std::shared_ptr<const TsLayout>>& layout_cache() {
  static auto* cache = new std::unordered_map<Oid, std::shared_ptr<const TsLayout>>();
  return *cache;
}
}  // namespace

void ts_layout_invalidate(Oid relid) {
  if (relid == InvalidOid)
    layout_cache().clear();
  else
    layout_cache().erase(relid);
}

bool ts_is_key_type(Oid type) {
  return type == TEXTOID || type == VARCHAROID || type == BPCHAROID || type == NAMEOID ||
         type == JSONBOID;
}

bool ts_read_options(Oid relid, char** time_column, char*** key_columns) {
  TsInternalOids oids;
  if (!ts_internal_oids(&oids, true)) return false;
  Relation rel = table_open(oids.options, AccessShareLock);
  ScanKeyData key;
  ScanKeyInit(&key, kOptRelid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(relid));
  SysScanDesc scan = systable_beginscan(rel, oids.options_pkey, true, SnapshotSelf, 1, &key);
  HeapTuple tuple = systable_getnext(scan);
  bool found = tuple != nullptr;
  *time_column = nullptr;
  *key_columns = nullptr;
  if (found) {
    bool isnull;
    Datum d = heap_getattr(tuple, kOptTime, RelationGetDescr(rel), &isnull);
    if (!isnull) *time_column = pstrdup(NameStr(*DatumGetName(d)));
    d = heap_getattr(tuple, kOptKeys, RelationGetDescr(rel), &isnull);
    if (!isnull) {
      Datum* elems;
      bool* enulls;
      int n;
      deconstruct_array(DatumGetArrayTypeP(d), NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR, &elems,
                        &enulls, &n);
      char** names = static_cast<char**>(palloc0(sizeof(char*) * (n + 1)));
      for (int i = 0; i < n; i++)
        names[i] = enulls[i] ? pstrdup("") : pstrdup(NameStr(*DatumGetName(elems[i])));
      *key_columns = names;
    }
  }
  systable_endscan(scan);
  table_close(rel, AccessShareLock);
  return found;
}

static chunk::ColumnKind kind_for(const TsAttr& a) {
  if (a.type == InvalidOid) return chunk::ColumnKind::kBool;  // dropped: all null, cheapest
  if (a.type == FLOAT8OID || a.type == FLOAT4OID) return chunk::ColumnKind::kFloat64;
  if (a.type == BOOLOID) return chunk::ColumnKind::kBool;
  if (a.byval && (a.typlen == 1 || a.typlen == 2 || a.typlen == 4 || a.typlen == 8))
    return chunk::ColumnKind::kInt64;
  return chunk::ColumnKind::kBytes;
}

static std::shared_ptr<const TsLayout> compute_layout(Relation rel, TupleDesc desc) {
  auto layout = std::make_shared<TsLayout>();
  layout->profile = engine_profile(rel);
  if (layout->profile == nullptr) layout->profile = &ts_profile();
  const EngineProfile& profile = *layout->profile;
  layout->relid = RelationGetRelid(rel);
  layout->storage_id = rel->rd_node.relNode;
  layout->natts = desc->natts;
  layout->attrs.resize(desc->natts);
  for (int i = 0; i < desc->natts; i++) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    TsAttr& a = layout->attrs[i];
    a.type = att->attisdropped ? InvalidOid : att->atttypid;
    a.typlen = att->attlen;
    a.byval = att->attbyval;
    a.align = att->attalign;
    a.name = NameStr(att->attname);
    a.kind = kind_for(a);
  }

  char* time_name = nullptr;
  char** key_names = nullptr;
  Oid relid = layout->relid;
  // A table being rewritten (ALTER TABLE, as cluster.c's make_new_heap names it pg_temp_<oid>)
  // is written with the settings of the table it replaces.
  unsigned int rewritten = 0;
  char tail = '\0';
  Oid options_of = relid;
  if (sscanf(RelationGetRelationName(rel), "pg_temp_%u%c", &rewritten, &tail) == 1 && rewritten != 0)
    options_of = rewritten;
  bool has_options = pg_guard([&] { return ts_read_options(options_of, &time_name, &key_names); });

  auto find_att = [&](const char* name) {
    for (int i = 0; i < desc->natts; i++)
      if (layout->attrs[i].type != InvalidOid && layout->attrs[i].name == name) return i;
    throw Error(ErrorKind::kInvalidParameter,
                std::string("column \"") + name + "\" of " + profile.am_name + " table does not exist");
  };
  if (has_options && time_name != nullptr) {
    layout->time_att = find_att(time_name);
  } else {
    for (int i = 0; i < desc->natts && layout->time_att < 0; i++)
      if (layout->attrs[i].type == TIMESTAMPTZOID || layout->attrs[i].type == TIMESTAMPOID)
        layout->time_att = i;
  }
  if (layout->time_att < 0 || (layout->attrs[layout->time_att].type != TIMESTAMPTZOID &&
                               layout->attrs[layout->time_att].type != TIMESTAMPOID))
    throw Error(ErrorKind::kFeatureNotSupported,
                std::string("an ") + profile.am_name + " table needs a time column of type timestamptz or timestamp");

  if (has_options && key_names != nullptr) {
    for (char** k = key_names; *k != nullptr; ++k) {
      int att = find_att(*k);
      if (att == layout->time_att)
        throw Error(ErrorKind::kInvalidParameter, "the time column cannot be a series key column");
      layout->key_atts.push_back(att);
    }
  } else {
    for (int i = 0; i < desc->natts; i++)
      if (i != layout->time_att && layout->attrs[i].type != InvalidOid && profile.default_key(layout->attrs[i]))
        layout->key_atts.push_back(i);
  }
  std::vector<bool> is_key(desc->natts, false);
  for (int k : layout->key_atts) is_key[k] = true;
  for (int i = 0; i < desc->natts; i++) {
    if (i == layout->time_att || is_key[i]) continue;
    layout->attrs[i].column = static_cast<int>(layout->value_atts.size());
    layout->value_atts.push_back(i);
  }

  // The metric shape: exactly time, name text, labels jsonb (keys) and a float8 value.
  int live = 0;
  for (int i = 0; i < desc->natts; i++) {
    const TsAttr& a = layout->attrs[i];
    if (a.type == InvalidOid) continue;
    live++;
    if (a.name == "name" && a.type == TEXTOID && is_key[i]) layout->name_att = i;
    if (a.name == "labels" && a.type == JSONBOID && is_key[i]) layout->labels_att = i;
    if (a.name == "value" && a.type == FLOAT8OID && !is_key[i]) layout->value_att = i;
  }
  layout->metrics_shape = live == 4 && layout->key_atts.size() == 2 && layout->name_att >= 0 &&
                          layout->labels_att >= 0 && layout->value_att >= 0 &&
                          layout->attrs[layout->time_att].type == TIMESTAMPTZOID;
  return layout;
}

std::shared_ptr<const TsLayout> ts_layout(Relation rel) {
  auto& cache = layout_cache();
  auto it = cache.find(RelationGetRelid(rel));
  if (it != cache.end() && it->second->storage_id == rel->rd_node.relNode &&
      it->second->natts == RelationGetDescr(rel)->natts)
    return it->second;
  auto layout = compute_layout(rel, RelationGetDescr(rel));
  cache[RelationGetRelid(rel)] = layout;
  return layout;
}

std::shared_ptr<const TsLayout> ts_layout_for_desc(Relation rel, TupleDesc desc) {
  return compute_layout(rel, desc);
}

}  // namespace observe::pg
