// observe.backfill_rules(group, start, end, max_block_duration): a group's recording rules
// evaluated over the past as `promtool tsdb create-blocks-from rules` evaluates them (range
// queries per block, core/rules/backfill.h), their series written into the group's target with
// the caller's privileges.
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/promql/engine.h"
#include "core/rules/backfill.h"
#include "pg/border/border.h"
#include "pg/border/relation_closer.h"
#include "pg/border/time_convert.h"
#include "pg/border/write_check.h"
#include "pg/promql/promql_request.h"
#include "pg/promql/promql_storage.h"
#include "pg/rules/rule_store.h"
#include "pg/rules/rules_guc.h"
#include "pg/ts/ts_store.h"

extern "C" {
#include "access/table.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace {

observe::pg::StoredRuleGroup read_group(const std::string& name) {
  observe::pg::pg_guard([] {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
  });
  std::vector<observe::pg::StoredRuleGroup> groups = observe::pg::read_rule_groups(name.c_str());
  observe::pg::pg_guard([] { SPI_finish(); });
  if (groups.empty())
    throw observe::Error(observe::ErrorKind::kInvalidParameter, "rule group \"" + name + "\" does not exist");
  return std::move(groups[0]);
}

}  // namespace

OBSERVE_FUNCTION(observe_backfill_rules) {
  std::string name = text_to_cstring(PG_GETARG_TEXT_PP(0));
  // promtool works in whole seconds
  int64_t start_s = observe::pg::timestamptz_to_ms(PG_GETARG_TIMESTAMPTZ(1)) / 1000;
  int64_t end_s = observe::pg::timestamptz_to_ms(PG_GETARG_TIMESTAMPTZ(2)) / 1000;
  Interval* max_block = PG_GETARG_INTERVAL_P(3);
  int64_t max_block_ms =
      (max_block->time + (static_cast<int64_t>(max_block->day) + max_block->month * 30LL) * USECS_PER_DAY) / 1000;
  if (start_s >= end_s)
    throw observe::Error(observe::ErrorKind::kInvalidParameter, "start time is not before end time");

  observe::pg::StoredRuleGroup stored = read_group(name);
  observe::rules::RuleGroup group;
  std::vector<std::string> errors = observe::pg::validate_rule_group(stored.group, &group);
  if (!errors.empty()) {
    std::string msg = "rule group \"" + name + "\" does not validate:";
    for (const auto& e : errors) msg += "\n" + e;
    throw observe::Error(observe::ErrorKind::kInvalidParameter, msg);
  }
  const int64_t interval_ms = group.interval_ms > 0 ? group.interval_ms : observe::pg::guc_rules_evaluation_interval_ms;
  std::vector<observe::rules::BackfillQuery> queries =
      observe::rules::backfill_queries(group.name, stored.file, interval_ms, start_s, end_s, max_block_ms);

  observe::pg::TsQueryable source(stored.target);
  observe::pg::RelationCloser target{observe::pg::open_for_writing(stored.target, RowExclusiveLock, ACL_INSERT,
                                                      "observe.backfill_rules")};
  int64 written = 0;
  for (const observe::rules::Rule& rule : group.rules) {
    if (rule.is_alert()) continue;  // ALERTS are not backfilled (promtool documents the same)
    if (rule.language != observe::rules::QueryLanguage::kPromQL)
      throw observe::Error(observe::ErrorKind::kFeatureNotSupported, "backfill of LogQL rules is not supported");
    for (const observe::rules::BackfillQuery& q : queries) {
      observe::promql::Value v = observe::promql::range_query(source, rule.expr, q.start_ms, q.end_ms, interval_ms,
                                                              observe::pg::promql_engine_options());
      if (v.type != observe::promql::ValueType::kMatrix)
        throw observe::Error(observe::ErrorKind::kInvalidParameter,
                             "rule " + rule.record + ": rule result is wrong type " + observe::promql::value_type_name(v.type));
      for (const observe::promql::Series& s : v.matrix) {
        observe::Labels labels = observe::rules::backfill_series_labels(s.metric, rule.labels, rule.record);
        std::vector<int64_t> ts;
        std::vector<double> vals;
        ts.reserve(s.samples.size());
        vals.reserve(s.samples.size());
        for (const auto& p : s.samples) {
          ts.push_back(p.t);
          vals.push_back(p.v);
        }
        observe::pg::ts_append_samples(target.rel, labels, ts.data(), vals.data(), ts.size());
        written += static_cast<int64>(ts.size());
      }
    }
  }
  PG_RETURN_INT64(written);
}
