// ObserveTsAgg: GROUP BY and aggregates over an observe_ts table answered from its chunks.
//
// `SELECT name, avg(value) FROM metrics WHERE time > now() - '1h' GROUP BY name` needs no row
// per sample: the groups are functions of the series key, so each series is put in its group
// once, and count/sum/avg/min/max are accumulated straight from decoded chunk columns.
// The planner hook (ts_agg_plan.cpp) offers this as a custom path of the grouping relation when
//   * the query reads one observe_ts table (no joins, inheritance, grouping sets, SRFs),
//   * every WHERE clause is a time bound, a series-key clause (ts_pushdown.h), or a comparison of
//     a float8 value column with a constant (or IS [NOT] NULL), tested on decoded columns,
//   * every GROUP BY expression reads only series key columns, except at most one that is a
//     function of floor(extract(epoch from time) / C) (Grafana's $__timeGroup), and is hashable,
//   * every aggregate is count(*), count(col), sum/avg/min/max(float8 value column) or
//     min/max(time column), without DISTINCT, ORDER BY or FILTER.
// Anything else plans as before. `observe.enable_aggregate_pushdown` turns it off.
//
// The CustomScan has no scan relation (scanrelid 0); its scan tuple (custom_scan_tlist) is
//   [the relation's attributes as Vars, resjunk] ++ [GROUP BY expressions] ++ [Aggrefs],
// so that PostgreSQL's setrefs turns the output target list and HAVING into references to the
// group and aggregate columns, and the time and key clauses (custom_exprs) into references to
// the attribute prefix, which the executor fills from a series' key exactly as a row of the
// relation would have it.
#pragma once

#include "core/chunk/aggregate.h"
#include "pg/engine/pg_engine_headers.h"

namespace observe::pg {

// custom_private of the plan: list of
//   [0] int list: relid, range table index at planning, natts, number of groups, number of
//       aggregates, number of time clauses, number of value filters
//   [1] int list: per aggregate: AggKind, chunk column or -1, key attribute (0-based) or -1
//   [2] oid list: per group, its equality operator
//   [3] int list: per time clause, btree strategy and whether the Var is on the left
//   [4] NIL, or int8 Consts: the time-bucket group's index, bucket width and offset (µs)
//   [5] per value filter, Consts: chunk::ValueFilter::Op (int4), chunk column (int4), float8
// custom_exprs: the time clauses, the key clauses, then the value filters (for EXPLAIN; they are
// applied to decoded columns).
enum TsAggPrivate { kAggMeta = 0, kAggSpecs, kAggEqOps, kAggTimeInfo, kAggBucket, kAggFilters };
enum TsAggMeta { kMetaRelid = 0, kMetaRti, kMetaNatts, kMetaGroups, kMetaAggs, kMetaTime, kMetaFilters };

// How the scan computes one aggregate; custom_private [1] holds kAggSpecWidth ints per aggregate.
struct TsAggSpec {
  chunk::AggKind kind = chunk::AggKind::kCountRows;
  int column = -1;   // chunk column of the aggregated value attribute, or -1
  int key_att = -1;  // count(key column): that attribute (0-based), counted where not null; or -1
};
inline constexpr int kAggSpecWidth = 3;
inline List* ts_agg_spec_append(List* specs, const TsAggSpec& spec) {
  specs = lappend_int(specs, static_cast<int>(spec.kind));
  specs = lappend_int(specs, spec.column);
  return lappend_int(specs, spec.key_att);
}
inline TsAggSpec ts_agg_spec_at(List* specs, int i) {
  return {static_cast<chunk::AggKind>(list_nth_int(specs, i * kAggSpecWidth)),
          list_nth_int(specs, i * kAggSpecWidth + 1), list_nth_int(specs, i * kAggSpecWidth + 2)};
}

extern const CustomScanMethods ts_agg_scan_methods;

// Registers the planner hook, the scan methods and observe.enable_aggregate_pushdown.
void ts_agg_init();

}  // namespace observe::pg
