#include "pg/rules/rule_store.h"

#include "core/common/error.h"
#include "core/httpapi/json.h"
#include "core/promconfig/duration.h"
#include "core/rules/rule_file_format.h"
#include "pg/border/border.h"
#include "pg/border/jsonb_labels.h"
#include "pg/border/spi_text.h"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
}

namespace observe::pg {

namespace {

// Durations as ms; NULL stays NULL (the column's meaning "not set").
const char* kReadQuery = R"sql(
  SELECT g.name, g.file, g.target::oid::int8, g.enabled,
         (extract(epoch FROM g."interval") * 1000)::int8, (extract(epoch FROM g.query_offset) * 1000)::int8,
         g."limit"::int8, g.labels,
         r.kind, r.name, r.expr, (extract(epoch FROM r."for") * 1000)::int8,
         (extract(epoch FROM r.keep_firing_for) * 1000)::int8, r.labels, r.annotations, r.position,
         g.log_source::oid::int8, r.language,
         (SELECT s.external_labels FROM observe.scrape_global s LIMIT 1)
    FROM observe.rule_groups g
    LEFT JOIN observe.rules r ON r.group_name = g.name
   WHERE $1::text IS NULL OR g.name = $1
   ORDER BY g.name COLLATE "C", r.position)sql";

struct Cell {
  bool null = true;
  std::string text;
  Datum datum = 0;
};

Cell cell(uint64 row, int col, bool binary) {
  Cell c;
  pg_guard([&] {
    bool isnull = false;
    Datum d = SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col, &isnull);
    c.null = isnull;
    if (isnull) return;
    if (binary) {
      c.datum = d;
    } else {
      char* s = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
      c.text = s;
    }
  });
  return c;
}

rules::StringPairs pairs(const Cell& c) {
  rules::StringPairs out;
  if (c.null) return out;
  Labels l = jsonb_to_labels(c.datum, true);
  for (const auto& item : l.items()) out.emplace_back(item.name, item.value);
  return out;
}

int64_t ms(const Cell& c) { return c.null ? 0 : std::stoll(c.text); }

std::string json_object(const rules::StringPairs& pairs) {
  std::string out = "{";
  for (size_t i = 0; i < pairs.size(); i++) {
    if (i) out += ',';
    httpapi::append_json_string(out, pairs[i].first);
    out += ':';
    httpapi::append_json_string(out, pairs[i].second);
  }
  return out + "}";
}

}  // namespace

std::vector<StoredRuleGroup> read_rule_groups(const char* only_group) {
  uint64 rows = pg_guard([only_group] {
    Oid types[1] = {TEXTOID};
    Datum values[1] = {only_group ? CStringGetTextDatum(only_group) : (Datum)0};
    char nulls[2] = {only_group ? ' ' : 'n', 0};
    if (SPI_execute_with_args(kReadQuery, 1, types, values, nulls, true, 0) != SPI_OK_SELECT)
      elog(ERROR, "could not read observe.rule_groups");
    return SPI_processed;
  });
  std::vector<StoredRuleGroup> out;
  for (uint64 r = 0; r < rows; r++) {
    std::string name = cell(r, 1, false).text;
    if (out.empty() || out.back().group.name != name) {
      StoredRuleGroup g;
      g.group.name = name;
      g.file = cell(r, 2, false).text;
      g.target = static_cast<Oid>(std::stoll(cell(r, 3, false).text));
      g.enabled = cell(r, 4, false).text == "t";
      g.group.interval_ms = ms(cell(r, 5, false));
      Cell offset = cell(r, 6, false);
      g.group.has_query_offset = !offset.null;
      g.group.query_offset_ms = ms(offset);
      g.group.limit = ms(cell(r, 7, false));
      g.group.labels = pairs(cell(r, 8, true));
      g.log_source = static_cast<Oid>(std::stoll(cell(r, 17, false).text));
      Cell ext = cell(r, 19, true);
      if (!ext.null) g.external_labels = jsonb_to_labels(ext.datum);
      out.push_back(std::move(g));
    }
    Cell kind = cell(r, 9, false);
    if (kind.null) continue;  // a group without rules
    rules::Rule rule;
    (kind.text == "alert" ? rule.alert : rule.record) = cell(r, 10, false).text;
    rule.expr = cell(r, 11, false).text;
    rule.for_ms = ms(cell(r, 12, false));
    rule.keep_firing_for_ms = ms(cell(r, 13, false));
    rule.labels = pairs(cell(r, 14, true));
    rule.annotations = pairs(cell(r, 15, true));
    rule.language = cell(r, 18, false).text == "logql" ? rules::QueryLanguage::kLogQL : rules::QueryLanguage::kPromQL;
    out.back().group.rules.push_back(std::move(rule));
    out.back().positions.push_back(static_cast<int>(std::stoll(cell(r, 16, false).text)));
  }
  return out;
}

std::vector<std::string> validate_rule_group(const rules::RuleGroup& stored, rules::RuleGroup* out) {
  rules::RuleFileOptions opts;
  if (!stored.rules.empty()) opts.language = stored.rules[0].language;
  for (const rules::Rule& r : stored.rules)
    if (r.language != opts.language)
      return {"group \"" + stored.name + "\": mixes PromQL and LogQL rules (a group is one rule file's: Prometheus's or Loki's)"};
  rules::RuleFile file;
  file.groups.push_back(stored);
  rules::RuleFile parsed;
  std::vector<std::string> errors = rules::check_rule_file(rules::format_rule_file(file), &parsed, opts);
  if (errors.empty()) {
    if (parsed.groups.size() != 1) return {"group \"" + stored.name + "\": not one group after validation"};
    *out = std::move(parsed.groups[0]);
  }
  return errors;
}

// What PostgreSQL cannot store as the file says, refused with the group's name rather than a
// constraint's.
static void check_storable(const rules::RuleGroup& g, const std::string& file) {
  auto fail = [&g](const std::string& why) {
    throw Error(ErrorKind::kInvalidParameter, "group \"" + g.name + "\": " + why);
  };
  if (g.interval_ms > 0 && g.interval_ms < 1000)
    fail("interval " + promconfig::format_duration(g.interval_ms) + " is below pg_observe's minimum of 1s");
  auto nul = [](const std::string& s) { return s.find('\0') != std::string::npos; };
  auto nul_pairs = [&nul](const rules::StringPairs& p) {
    for (const auto& [k, v] : p)
      if (nul(k) || nul(v)) return true;
    return false;
  };
  bool has_nul = nul(g.name) || nul(file) || nul_pairs(g.labels);
  for (const auto& r : g.rules) has_nul |= nul(r.name()) || nul(r.expr) || nul_pairs(r.labels) || nul_pairs(r.annotations);
  if (has_nul) fail("a NUL character (\\u0000) cannot be stored in PostgreSQL text");
}

void write_rule_group(const rules::RuleGroup& g, const std::string& file) {
  check_storable(g, file);
  std::string interval = std::to_string(g.interval_ms), offset = std::to_string(g.query_offset_ms),
              limit = std::to_string(g.limit), labels = json_object(g.labels);
  spi_execute_text(R"sql(
    INSERT INTO observe.rule_groups AS g (name, file, "interval", query_offset, "limit", labels)
    VALUES ($1, $2, $3::float8 * interval '1 millisecond', $4::float8 * interval '1 millisecond', $5::int8,
            $6::jsonb)
    ON CONFLICT (name) DO UPDATE SET file = excluded.file, "interval" = excluded."interval",
      query_offset = excluded.query_offset, "limit" = excluded."limit", labels = excluded.labels)sql",
          {g.name.c_str(), file.c_str(), g.interval_ms ? interval.c_str() : nullptr,
           g.has_query_offset ? offset.c_str() : nullptr, limit.c_str(), labels.c_str()},
          SPI_OK_INSERT);
  spi_execute_text("DELETE FROM observe.rules WHERE group_name = $1", {g.name.c_str()}, SPI_OK_DELETE);
  for (size_t i = 0; i < g.rules.size(); i++) {
    const rules::Rule& r = g.rules[i];
    std::string pos = std::to_string(i + 1), for_ms = std::to_string(r.for_ms),
                keep = std::to_string(r.keep_firing_for_ms), rl = json_object(r.labels),
                ann = json_object(r.annotations);
    spi_execute_text(R"sql(
      INSERT INTO observe.rules (group_name, position, kind, name, expr, "for", keep_firing_for, labels, annotations,
                                 language)
      VALUES ($1, $2::int, $3, $4, $5, $6::float8 * interval '1 millisecond', $7::float8 * interval '1 millisecond',
              $8::jsonb, $9::jsonb, $10))sql",
            {g.name.c_str(), pos.c_str(), r.is_alert() ? "alert" : "record", r.name().c_str(), r.expr.c_str(),
             for_ms.c_str(), keep.c_str(), rl.c_str(), ann.c_str(), rules::query_language_name(r.language)},
            SPI_OK_INSERT);
  }
}

}  // namespace observe::pg
