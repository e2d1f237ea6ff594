// Prometheus's status endpoints that describe the server rather than the data: rules and
// alerts (the rules worker's tables, extension/0.4.0/60_rules.sql), targets (the scrape
// worker's, 30_scrape.sql and 55_scrape_config.sql) and the configuration. Each reads the
// views as the request's role, so a reader sees what observe_reader may see and no secret.
// Field names, order and formats are web/api/v1/api.go's (Prometheus 2.53).
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/httpapi/json.h"
#include "core/httpapi/params.h"
#include "core/httpapi/responses.h"
#include "core/promql/parser.h"
#include "core/promql/printer.h"
#include "pg/border/border.h"
#include "pg/border/spi_text.h"
#include "pg/http/http_api.h"

extern "C" {
#include "executor/spi.h"
}

namespace observe::pg {

namespace {

using httpapi::Form;

void key(std::string& out, const char* name, bool first = false) {
  if (!first) out += ',';
  out += '"';
  out += name;
  out += "\":";
}

void string_field(std::string& out, const char* name, std::string_view value, bool first = false) {
  key(out, name, first);
  httpapi::append_json_string(out, value);
}

// A number as encoding/json writes a float64 (shortest round trip, no quotes).
void number_field(std::string& out, const char* name, double value) {
  key(out, name);
  httpapi::append_prom_float(out, value);
}

double number_or_zero(const std::optional<std::string>& text) { return text ? std::stod(*text) : 0.0; }

// timestamptz columns are selected as extract(epoch ...) * 1e9 rounded: ns since the epoch.
std::optional<int64_t> ns_or_null(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  return static_cast<int64_t>(std::stoll(*text));
}

bool has_privilege(const char* check_sql) {
  spi_execute_text(check_sql, {}, SPI_OK_SELECT, true);
  return spi_rows() == 1 && spi_text(0, 0).value_or("f") == "t";
}

// ---- rules and alerts ----------------------------------------------------------------------

struct ApiAlert {
  Labels labels, annotations;
  std::string state;
  std::optional<int64_t> active_at_ns;
  double value = 0;
};

void append_alert(std::string& out, const ApiAlert& a) {
  out += "{\"labels\":";
  httpapi::append_labels_object(out, a.labels);
  out += ",\"annotations\":";
  httpapi::append_labels_object(out, a.annotations);
  string_field(out, "state", a.state);
  key(out, "activeAt");
  httpapi::append_go_time(out, a.active_at_ns);
  key(out, "value");
  out += '"';
  httpapi::append_go_float_e(out, a.value);
  out += "\"}";
}

// Active alerts of every rule the role may read, keyed by (group, rule position).
std::map<std::pair<std::string, int>, std::vector<ApiAlert>> active_alerts() {
  spi_execute_text(
      "SELECT group_name, rule_position, labels, annotations, state,"
      "       round(extract(epoch FROM active_at) * 1e9)::int8, value"
      "  FROM observe.alerts ORDER BY group_name, rule_position, active_at, labels::text",
      {}, SPI_OK_SELECT, true);
  std::map<std::pair<std::string, int>, std::vector<ApiAlert>> out;
  for (size_t i = 0; i < spi_rows(); i++) {
    ApiAlert a;
    a.labels = spi_labels(i, 2);
    a.annotations = spi_labels(i, 3);
    a.state = spi_text(i, 4).value_or("");
    a.active_at_ns = ns_or_null(spi_text(i, 5));
    std::optional<std::string> v = spi_text(i, 6);
    a.value = v ? std::stod(*v) : 0.0;
    out[{spi_text(i, 0).value_or(""), std::stoi(spi_text(i, 1).value_or("0"))}].push_back(std::move(a));
  }
  return out;
}

// Prometheus shows a rule's expression as its parser prints it back.
std::string printed_query(const std::string& expr) {
  try {
    return promql::to_string(*promql::parse_expr(expr));
  } catch (const observe::Error&) {
    return expr;
  }
}

std::set<std::string> form_set(const Form& f, const char* name) {
  std::vector<std::string> v = f.all(name);
  return std::set<std::string>(v.begin(), v.end());
}

bool wanted(const std::set<std::string>& filter, const std::string& value) {
  return filter.empty() || filter.count(value) > 0;
}

bool rule_matches(const std::vector<Matchers>& sets, const Labels& labels) {
  if (sets.empty()) return true;
  for (const Matchers& m : sets)
    if (matches_all(m, labels)) return true;
  return false;
}

int state_rank(const std::string& s) { return s == "firing" ? 2 : s == "pending" ? 1 : 0; }

}  // namespace

void prom_alerts(const HttpRequest&, const std::string&, HttpResponse& resp) {
  std::string data = "{\"alerts\":[";
  bool first = true;
  for (const auto& [rule, alerts] : active_alerts())
    for (const ApiAlert& a : alerts) {
      if (!first) data += ',';
      first = false;
      append_alert(data, a);
    }
  prom_success(resp, data + "]}");
}

void prom_rules(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  std::string type = req.form.value("type");
  for (char& c : type) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  if (!type.empty() && type != "alert" && type != "record")
    throw observe::Error(ErrorKind::kInvalidParameter, "invalid parameter \"type\": not supported value \"" + type + "\"");
  std::string exclude = req.form.value("exclude_alerts");
  std::optional<bool> exclude_flag = exclude.empty() ? std::optional<bool>(false) : httpapi::parse_go_bool(exclude);
  if (!exclude_flag)
    throw observe::Error(ErrorKind::kInvalidParameter, "invalid parameter \"exclude_alerts\": error converting exclude_alerts: strconv.ParseBool: parsing \"" + exclude + "\": invalid syntax");
  bool exclude_alerts = *exclude_flag;
  std::set<std::string> rule_names = form_set(req.form, "rule_name[]");
  std::set<std::string> group_names = form_set(req.form, "rule_group[]");
  std::set<std::string> files = form_set(req.form, "file[]");
  std::vector<Matchers> matcher_sets = prom_match_params(req.form);

  auto alerts = active_alerts();

  // Rules first (the statement below replaces SPI's result), grouped by their group.
  struct ApiRule {
    int position;
    std::string kind, name, query, health, last_error;
    double for_s, keep_firing_s;
    Labels labels, annotations;
  };
  std::map<std::string, std::vector<ApiRule>> rules_of;
  spi_execute_text(
      "SELECT r.group_name, r.position, r.kind, r.name, r.expr, extract(epoch FROM r.\"for\"),"
      "       extract(epoch FROM r.keep_firing_for), r.labels, r.annotations, h.health, h.last_error"
      "  FROM observe.rules r JOIN observe.rule_health h USING (group_name, position)"
      " ORDER BY r.group_name, r.position",
      {}, SPI_OK_SELECT, true);
  for (size_t i = 0; i < spi_rows(); i++) {
    ApiRule r;
    r.position = std::stoi(spi_text(i, 1).value_or("0"));
    r.kind = spi_text(i, 2).value_or("");
    r.name = spi_text(i, 3).value_or("");
    r.query = printed_query(spi_text(i, 4).value_or(""));
    r.for_s = number_or_zero(spi_text(i, 5));
    r.keep_firing_s = number_or_zero(spi_text(i, 6));
    r.labels = spi_labels(i, 7);
    r.annotations = spi_labels(i, 8);
    r.health = spi_text(i, 9).value_or("unknown");
    r.last_error = spi_text(i, 10).value_or("");
    rules_of[spi_text(i, 0).value_or("")].push_back(std::move(r));
  }

  // Groups in Prometheus's order: by file, then name.
  spi_execute_text(
      "SELECT g.name, g.file,"
      "       extract(epoch FROM coalesce(g.\"interval\", current_setting('observe.rules_evaluation_interval')::interval)),"
      "       g.\"limit\", h.last_duration_seconds, round(extract(epoch FROM h.last_evaluation) * 1e9)::int8"
      "  FROM observe.rule_groups g JOIN observe.rule_group_health h ON h.group_name = g.name"
      " ORDER BY g.file, g.name",
      {}, SPI_OK_SELECT, true);
  std::string data = "{\"groups\":[";
  bool first_group = true;
  for (size_t i = 0; i < spi_rows(); i++) {
    std::string group = spi_text(i, 0).value_or("");
    std::string file = spi_text(i, 1).value_or("");
    if (!wanted(group_names, group) || !wanted(files, file)) continue;
    std::optional<int64_t> last_eval = ns_or_null(spi_text(i, 5));
    std::string group_json = "{";
    string_field(group_json, "name", group, true);
    string_field(group_json, "file", file);
    group_json += ",\"rules\":[";
    bool any_rule = false;
    for (const ApiRule& r : rules_of[group]) {
      bool alerting = r.kind == "alert";
      if ((alerting && type == "record") || (!alerting && type == "alert")) continue;
      if (!wanted(rule_names, r.name) || !rule_matches(matcher_sets, r.labels)) continue;
      if (any_rule) group_json += ',';
      any_rule = true;
      group_json += '{';
      const std::vector<ApiAlert>* active = nullptr;
      if (auto it = alerts.find({group, r.position}); it != alerts.end()) active = &it->second;
      if (alerting) {
        std::string state = "inactive";
        if (active)
          for (const ApiAlert& a : *active)
            if (state_rank(a.state) > state_rank(state)) state = a.state;
        string_field(group_json, "state", state, true);
        string_field(group_json, "name", r.name);
        string_field(group_json, "query", r.query);
        number_field(group_json, "duration", r.for_s);
        number_field(group_json, "keepFiringFor", r.keep_firing_s);
        key(group_json, "labels");
        httpapi::append_labels_object(group_json, r.labels);
        key(group_json, "annotations");
        httpapi::append_labels_object(group_json, r.annotations);
        key(group_json, "alerts");
        if (exclude_alerts) {
          group_json += "null";
        } else {
          group_json += '[';
          if (active)
            for (size_t k = 0; k < active->size(); k++) {
              if (k > 0) group_json += ',';
              append_alert(group_json, (*active)[k]);
            }
          group_json += ']';
        }
      } else {
        string_field(group_json, "name", r.name, true);
        string_field(group_json, "query", r.query);
        if (!r.labels.empty()) {  // omitempty in 2.53's RecordingRule
          key(group_json, "labels");
          httpapi::append_labels_object(group_json, r.labels);
        }
      }
      string_field(group_json, "health", r.health);
      if (!r.last_error.empty()) string_field(group_json, "lastError", r.last_error);
      // The worker times groups, not single rules: each rule shows its group's evaluation.
      number_field(group_json, "evaluationTime", 0);
      key(group_json, "lastEvaluation");
      httpapi::append_go_time(group_json, last_eval);
      string_field(group_json, "type", alerting ? "alerting" : "recording");
      group_json += '}';
    }
    if (!any_rule) continue;  // every rule filtered out: Prometheus leaves the group out
    group_json += ']';
    number_field(group_json, "interval", number_or_zero(spi_text(i, 2)));
    number_field(group_json, "limit", number_or_zero(spi_text(i, 3)));
    number_field(group_json, "evaluationTime", number_or_zero(spi_text(i, 4)));
    key(group_json, "lastEvaluation");
    httpapi::append_go_time(group_json, last_eval);
    group_json += '}';
    if (!first_group) data += ',';
    first_group = false;
    data += group_json;
  }
  prom_success(resp, data + "]}");
}

// ---- targets ---------------------------------------------------------------------------------

namespace {

struct ApiTarget {
  std::string pool, url, health, last_error, interval, timeout;
  Labels discovered, labels;
  std::optional<int64_t> last_scrape_ns;
  double last_duration = 0;
};

std::string health_of(const std::optional<std::string>& up) {
  if (!up) return "unknown";
  return *up == "t" ? "up" : "down";
}

void append_target(std::string& out, const ApiTarget& t) {
  out += "{\"discoveredLabels\":";
  httpapi::append_labels_object(out, t.discovered);
  key(out, "labels");
  httpapi::append_labels_object(out, t.labels);
  string_field(out, "scrapePool", t.pool);
  string_field(out, "scrapeUrl", t.url);
  string_field(out, "globalUrl", t.url);
  string_field(out, "lastError", t.last_error);
  key(out, "lastScrape");
  httpapi::append_go_time(out, t.last_scrape_ns);
  number_field(out, "lastScrapeDuration", t.last_duration);
  string_field(out, "health", t.health);
  string_field(out, "scrapeInterval", t.interval);
  string_field(out, "scrapeTimeout", t.timeout);
  out += '}';
}

}  // namespace

void prom_targets(const HttpRequest& req, const std::string&, HttpResponse& resp) {
  std::string state = req.form.value("state");
  for (char& c : state) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  bool show_active = state.empty() || state == "any" || state == "active";
  bool show_dropped = state.empty() || state == "any" || state == "dropped";
  std::string pool_filter = req.form.value("scrapePool");

  std::vector<ApiTarget> active;
  std::vector<std::pair<std::string, Labels>> dropped;  // 2.53 shows no pool for them
  std::map<std::string, int> dropped_counts;
  // Both statements give the same columns: job, discovered labels, labels, dropped, URL, up,
  // last scrape (ns), its duration, last error, interval, timeout.
  auto collect = [&](const char* sql) {
    spi_execute_text(sql, {}, SPI_OK_SELECT, true);
    for (size_t i = 0; i < spi_rows(); i++) {
      std::string pool = spi_text(i, 0).value_or("");
      if (spi_text(i, 3).value_or("f") == "t") {
        dropped_counts[pool]++;
        if (pool_filter.empty() || pool == pool_filter) dropped.emplace_back(pool, spi_labels(i, 1));
        continue;
      }
      if (!pool_filter.empty() && pool != pool_filter) continue;
      ApiTarget t;
      t.pool = pool;
      t.discovered = spi_labels(i, 1);
      t.labels = spi_labels(i, 2);
      t.url = spi_text(i, 4).value_or("");
      t.health = health_of(spi_text(i, 5));
      t.last_scrape_ns = ns_or_null(spi_text(i, 6));
      t.last_duration = number_or_zero(spi_text(i, 7));
      t.last_error = spi_text(i, 8).value_or("");
      t.interval = spi_text(i, 9).value_or("");
      t.timeout = spi_text(i, 10).value_or("");
      active.push_back(std::move(t));
    }
  };
  // Targets of observe.scrape_jobs (discovery and relabeling), as every reader sees them.
  collect(
      "SELECT job, discovered_labels, labels, dropped, scrape_url, up,"
      "       round(extract(epoch FROM last_scrape) * 1e9)::int8, last_duration_seconds, last_error,"
      "       labels_with_internal->>'__scrape_interval__', labels_with_internal->>'__scrape_timeout__'"
      "  FROM observe.scrape_targets_discovered WHERE discovery_error IS NULL"
      " ORDER BY job, scrape_url, labels::text");
  // Rows of observe.scrape_targets, for roles that may read their health view (URLs redacted).
  if (show_active && has_privilege("SELECT has_table_privilege('observe.scrape_target_health', 'SELECT')"))
    collect(
        "SELECT job, jsonb_strip_nulls(jsonb_build_object('job', job, 'instance', instance)),"
        "       jsonb_strip_nulls(jsonb_build_object('job', job, 'instance', instance)),"  // no instance before a scrape
        "       false, url, up, round(extract(epoch FROM last_scrape) * 1e9)::int8, last_duration_seconds, last_error,"
        "       observe._prom_duration(scrape_interval), observe._prom_duration(scrape_timeout)"
        "  FROM observe.scrape_target_health WHERE enabled ORDER BY job, url");

  std::string data = "{\"activeTargets\":[";
  if (show_active)
    for (size_t i = 0; i < active.size(); i++) {
      if (i > 0) data += ',';
      append_target(data, active[i]);
    }
  data += "],\"droppedTargets\":[";
  if (show_dropped)
    for (size_t i = 0; i < dropped.size(); i++) {
      if (i > 0) data += ',';
      data += "{\"discoveredLabels\":";
      httpapi::append_labels_object(data, dropped[i].second);
      data += '}';
    }
  data += "],\"droppedTargetCounts\":";
  if (!show_dropped) {
    data += "null";
  } else {
    data += '{';
    bool first = true;
    for (const auto& [pool, n] : dropped_counts) {
      if (!first) data += ',';
      first = false;
      httpapi::append_json_string(data, pool);
      data += ':' + std::to_string(n);
    }
    data += '}';
  }
  prom_success(resp, data + "}");
}

// The loaded configuration as Prometheus shows it: secrets as <secret>. Only roles that may
// read the scrape jobs (observe.prometheus_config) see them; others see the global section.
void prom_config(const HttpRequest&, const std::string&, HttpResponse& resp) {
  std::string yaml;
  if (has_privilege("SELECT has_function_privilege('observe.prometheus_config()', 'EXECUTE')")) {
    spi_execute_text(
        "WITH c AS (SELECT observe.prometheus_config()::jsonb AS doc)"
        " SELECT jsonb_pretty(jsonb_set(doc, '{scrape_configs}', coalesce((SELECT jsonb_agg("
        "          CASE WHEN j #> '{authorization,credentials}' IS NOT NULL"
        "               THEN jsonb_set(j2, '{authorization,credentials}', '\"<secret>\"') ELSE j2 END ORDER BY n)"
        "        FROM jsonb_array_elements(doc->'scrape_configs') WITH ORDINALITY AS e(j, n),"
        "             LATERAL (SELECT CASE WHEN j #> '{basic_auth,password}' IS NOT NULL"
        "                                  THEN jsonb_set(j, '{basic_auth,password}', '\"<secret>\"') ELSE j END) AS x(j2)),"
        "        '[]'))) FROM c",
        {}, SPI_OK_SELECT, true);
    yaml = spi_rows() == 1 ? spi_text(0, 0).value_or("") : "";
  } else {
    spi_execute_text(
        "SELECT 'global:' || E'\\n' || '  evaluation_interval: ' ||"
        "       observe._prom_duration(current_setting('observe.rules_evaluation_interval')::interval) || E'\\n'",
        {}, SPI_OK_SELECT, true);
    yaml = spi_rows() == 1 ? spi_text(0, 0).value_or("") : "";
  }
  std::string data = "{\"yaml\":";
  httpapi::append_json_string(data, yaml);
  prom_success(resp, data + "}");
}

}  // namespace observe::pg
