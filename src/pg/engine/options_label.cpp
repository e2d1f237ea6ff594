// The security label provider "observe" that carries observe_ts settings through pg_dump
// (see ts_options.h). Setting the label applies the settings; set_series_key and set_retention
// rewrite the label.
#include <cstring>
#include <string>

#include "pg/border/border.h"
#include "pg/border/internal_owner.h"
#include "pg/ts/ts_am.h"
#include "pg/engine/profile.h"
#include "pg/engine/table_am.h"
#include "pg/engine/layout.h"
#include "pg/engine/options.h"
#include "pg/engine/pg_engine_headers.h"

extern "C" {
#include "catalog/dependency.h"
#include "catalog/pg_authid.h"
#include "miscadmin.h"
}

namespace observe::pg {

namespace {

constexpr const char* kProvider = "observe";
bool writing_label = false;  // our own SetSecurityLabel: the settings are already applied

struct SpiRow {
  const char* sql;
  Oid arg_type;
  Datum arg;
  int ncols;
  Datum* out;
  bool* isnull;
  MemoryContext caller;
};

void spi_row_as_owner(void* arg) {
  auto* r = static_cast<SpiRow*>(arg);
  const char* sql = r->sql;
  Oid arg_type = r->arg_type;
  int ncols = r->ncols;
  Datum* out = r->out;
  bool* isnull = r->isnull;
  MemoryContext caller = r->caller;
  SPI_connect();
  Oid types[1] = {arg_type};
  Datum values[1] = {r->arg};
  // Not read-only: the query must see settings this command has just written.
  int rc = SPI_execute_with_args(sql, 1, types, values, nullptr, false, 1);
  if (rc != SPI_OK_SELECT) elog(ERROR, "observe label query failed: %s", SPI_result_code_string(rc));
  for (int c = 0; c < ncols; c++) {
    out[c] = 0;
    isnull[c] = true;
  }
  if (SPI_processed > 0) {
    for (int c = 0; c < ncols; c++) {
      Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, c + 1, &isnull[c]);
      if (!isnull[c]) {
        Form_pg_attribute att = TupleDescAttr(SPI_tuptable->tupdesc, c);
        MemoryContext old = MemoryContextSwitchTo(caller);
        out[c] = datumCopy(d, att->attbyval, att->attlen);
        MemoryContextSwitchTo(old);
      }
    }
  }
  SPI_finish();
}

// One SPI query with one argument, returning the first row's columns as palloc'd copies in the
// caller's context (NULL for SQL NULL). Its queries read observe._ts_options: run as the
// extension's owner (see internal_owner.h).
void spi_row(const char* sql, Oid arg_type, Datum arg, int ncols, Datum* out, bool* isnull) {
  SpiRow r{sql, arg_type, arg, ncols, out, isnull, CurrentMemoryContext};
  run_as_internal_owner(spi_row_as_owner, &r);
}

// The install marks the roles it creates with the label "pg_observe" (extension/0.3.0/
// 00_schema.sql); a superuser alone may set it, so a role made by anyone with CREATEROLE
// cannot pass for one of pg_observe's.
void role_label(const char* seclabel) {
  if (!superuser())
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("only a superuser may set or drop the \"%s\" security label of a role", kProvider)));
  if (seclabel != nullptr && strcmp(seclabel, "pg_observe") != 0)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("the \"%s\" security label of a role can only be 'pg_observe'", kProvider)));
}

void label_hook(const ObjectAddress* object, const char* seclabel) {
  if (writing_label) return;
  if (object->classId == AuthIdRelationId) return role_label(seclabel);
  if (object->classId != RelationRelationId || object->objectSubId != 0 ||
      engine_relid_profile(object->objectId) == nullptr)
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("security labels of provider \"%s\" apply only to observe_ts and observe_log tables", kProvider)));
  if (seclabel == nullptr) return;  // dropping the label keeps the settings (they are no longer dumped)
  Oid relid = object->objectId;
  // ok, time_column, series_key, has_retention, retention, has_stream_retention,
  // stream_retention (normalised: priority defaults to 0, retention checked as an interval),
  // its selectors
  Datum v[8];
  bool n[8];
  spi_row("SELECT CASE WHEN jsonb_typeof(x) = 'object' THEN NOT EXISTS (SELECT FROM "
          "jsonb_object_keys(x) k WHERE k NOT IN ('time_column', 'series_key', 'retention', 'stream_retention')) "
          "AND (NOT x ? 'stream_retention' OR jsonb_typeof(x->'stream_retention') IN ('array', 'null')) END, "
          "(x->>'time_column')::name, CASE WHEN x ? 'series_key' THEN "
          "ARRAY(SELECT jsonb_array_elements_text(x->'series_key'))::name[] END, "
          "x ? 'retention', (x->>'retention')::interval, x ? 'stream_retention', "
          "(SELECT jsonb_agg(jsonb_build_object('selector', e->>'selector', 'priority', "
          "   coalesce((e->>'priority')::int, 0), 'retention', ((e->>'retention')::interval)::text)) "
          " FROM jsonb_array_elements(CASE jsonb_typeof(x->'stream_retention') WHEN 'array' "
          "   THEN x->'stream_retention' ELSE '[]' END) e), "
          "ARRAY(SELECT e->>'selector' FROM jsonb_array_elements(CASE jsonb_typeof(x->'stream_retention') "
          "   WHEN 'array' THEN x->'stream_retention' ELSE '[]' END) e) "
          "FROM (SELECT $1::jsonb AS x) label",
          TEXTOID, CStringGetTextDatum(seclabel), 8, v, n);
  if (n[0] || !DatumGetBool(v[0]))
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("invalid observe_ts settings label: %s", seclabel),
                    errhint("A JSON object with \"time_column\", \"series_key\" (an array of column "
                            "names), \"retention\" (an interval) and \"stream_retention\" (an array of "
                            "{\"selector\", \"priority\", \"retention\"}), as observe.set_series_key and "
                            "observe.set_retention write it.")));
  if (!n[1] || !n[2]) {
    if (n[1])
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("an observe_ts settings label with \"series_key\" needs \"time_column\"")));
    Datum keys = n[2] ? PointerGetDatum(construct_empty_array(NAMEOID)) : v[2];
    // The same settings again (a label rewritten as it is) need no empty table.
    char* time_column = nullptr;
    char** key_columns = nullptr;
    bool same = false;
    if (ts_read_options(relid, &time_column, &key_columns) && time_column != nullptr &&
        strcmp(time_column, NameStr(*DatumGetName(v[1]))) == 0) {
      ArrayType* arr = DatumGetArrayTypeP(keys);
      Datum* elems;
      int nelems;
      deconstruct_array(arr, NAMEOID, NAMEDATALEN, false, TYPALIGN_CHAR, &elems, nullptr, &nelems);
      int i = 0;
      same = true;
      for (; key_columns != nullptr && key_columns[i] != nullptr; i++)
        if (i >= nelems || strcmp(key_columns[i], NameStr(*DatumGetName(elems[i]))) != 0) same = false;
      if (i != nelems) same = false;
    }
    if (!same) {
      const char* time_name = NameStr(*DatumGetName(v[1]));
      invoke_cpp([&] { ts_apply_series_key(relid, time_name, keys); });
    }
  }
  if (DatumGetBool(v[3])) invoke_cpp([&] { ts_apply_retention(relid, v[4], n[4]); });
  if (DatumGetBool(v[5])) {
    ArrayType* selectors = DatumGetArrayTypeP(v[7]);
    Datum* elems;
    bool* enulls;
    int nelems;
    deconstruct_array(selectors, TEXTOID, -1, false, TYPALIGN_INT, &elems, &enulls, &nelems);
    for (int i = 0; i < nelems; i++) {
      if (enulls[i])
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("a \"stream_retention\" rule of an observe settings label needs a \"selector\"")));
      char* selector = TextDatumGetCString(elems[i]);
      invoke_cpp([&] { (void)ts_parse_stream_selector(selector); });
    }
    Datum rules = v[6];
    bool no_rules = n[6];
    invoke_cpp([&] { ts_apply_stream_rules(relid, rules, no_rules); });
  }
}

// pg_dump writes no security labels of an extension's member tables (observe.metrics), but it
// dumps the rows of observe._member_ts_options (a configuration table of the extension); a
// trigger there sets the label again when a restore inserts the row, which applies the settings.
struct MemberLabel {
  const char* relation;
  const char* label;
};

void write_member_label(void* arg) {
  const char* relation = static_cast<MemberLabel*>(arg)->relation;
  const char* label = static_cast<MemberLabel*>(arg)->label;
  SPI_connect();
  Oid types[2] = {TEXTOID, TEXTOID};
  Datum values[2] = {CStringGetTextDatum(relation), label != nullptr ? CStringGetTextDatum(label) : (Datum)0};
  const char nulls[2] = {' ', label != nullptr ? ' ' : 'n'};
  const char* sql = label != nullptr
      ? "INSERT INTO observe._member_ts_options (relation, settings) VALUES ($1, $2) "
        "ON CONFLICT (relation) DO UPDATE SET settings = excluded.settings"
      : "DELETE FROM observe._member_ts_options WHERE relation = $1";
  int rc = SPI_execute_with_args(sql, label != nullptr ? 2 : 1, types, values, nulls, false, 0);
  if (rc != SPI_OK_INSERT && rc != SPI_OK_DELETE)
    elog(ERROR, "observe member settings update failed: %s", SPI_result_code_string(rc));
  SPI_finish();
}

// observe._member_ts_options is the extension's: written as its owner.
void mirror_member_label(Oid relid, const char* label) {
  // Absent while a newer library runs under a 0.1.0 schema, before ALTER EXTENSION UPDATE.
  Oid observe_ns = get_namespace_oid("observe", true);
  if (!OidIsValid(observe_ns) || !OidIsValid(get_relname_relid("_member_ts_options", observe_ns))) return;
  MemberLabel m{quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid)),
                label};
  run_as_internal_owner(write_member_label, &m);
}

}  // namespace

void ts_options_label_sync(Oid relid) {
  Datum v[1];
  bool n[1];
  // to_jsonb(o): an install not yet updated to 0.4.0 has no stream_retention column.
  spi_row("SELECT jsonb_strip_nulls(jsonb_build_object('time_column', time_column, "
          "         'series_key', to_jsonb(key_columns), 'retention', retention::text, "
          "         'stream_retention', to_jsonb(o)->'stream_retention'))::text "
          "FROM observe._ts_options o WHERE relid = $1",
          OIDOID, ObjectIdGetDatum(relid), 1, v, n);
  ObjectAddress address;
  ObjectAddressSet(address, RelationRelationId, relid);
  char* label = n[0] ? nullptr : TextDatumGetCString(v[0]);
  writing_label = true;
  PG_TRY();
  {
    SetSecurityLabel(&address, kProvider, label);
    if (OidIsValid(getExtensionOfObject(RelationRelationId, relid))) mirror_member_label(relid, label);
  }
  PG_FINALLY();
  { writing_label = false; }
  PG_END_TRY();
}

void ts_options_label_init() { register_label_provider(kProvider, label_hook); }

}  // namespace observe::pg
