#include "pg/rules/alert_sender.h"

#include <ctime>
#include <sstream>

#include "core/common/go_time.h"
#include "core/common/go_url.h"
#include "core/httpapi/json.h"
#include "pg/border/border.h"
#include "pg/module/guc.h"
#include "pg/rules/rules_guc.h"

namespace observe::pg {

namespace {

constexpr size_t kMaxBatch = 64;  // Prometheus's notifier maxBatchSize

// RFC 3339 in UTC with milliseconds, as Alertmanager reads it.
std::string rfc3339(int64_t ms) { return go_format_time(ms * 1000000, "2006-01-02T15:04:05.000Z07:00"); }

std::vector<std::string> url_list(const char* setting, const char* suffix) {
  std::vector<std::string> out;
  std::stringstream in(setting ? setting : "");
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t b = item.find_first_not_of(" \t"), e = item.find_last_not_of(" \t/");
    if (b == std::string::npos) continue;
    out.push_back(item.substr(b, e - b + 1) + suffix);
  }
  return out;
}

std::string generator_url(const std::string& external, const std::string& expr) {
  return external + "/graph?g0.expr=" + go_query_escape(expr) + "&g0.tab=1";
}

// Labels every alert of the batch has with the same value (Alertmanager's commonLabels).
Labels common(const std::vector<const Labels*>& sets) {
  std::vector<Label> out;
  if (sets.empty()) return Labels();
  for (const auto& l : sets[0]->items()) {
    bool everywhere = true;
    for (const Labels* other : sets) everywhere &= other->has(l.name) && other->get(l.name) == l.value;
    if (everywhere) out.push_back(l);
  }
  return Labels::with_empty_values(std::move(out));
}

std::string webhook_json(const std::string& group, const std::vector<std::pair<std::string, rules::Alert>>& alerts,
                         const std::string& external) {
  bool any_firing = false;
  std::vector<const Labels*> labels, annotations;
  for (const auto& [expr, a] : alerts) {
    any_firing |= a.resolved_at_ms == 0;
    labels.push_back(&a.labels);
    annotations.push_back(&a.annotations);
  }
  std::string o = "{\"version\":\"4\",\"groupKey\":";
  httpapi::append_json_string(o, "{}:{rule_group=" + group + "}");
  o += ",\"truncatedAlerts\":0,\"status\":\"";
  o += any_firing ? "firing" : "resolved";
  o += "\",\"receiver\":\"pg_observe\",\"groupLabels\":{},\"commonLabels\":";
  httpapi::append_labels_object(o, common(labels));
  o += ",\"commonAnnotations\":";
  httpapi::append_labels_object(o, common(annotations));
  o += ",\"externalURL\":";
  httpapi::append_json_string(o, external);
  o += ",\"alerts\":[";
  for (size_t i = 0; i < alerts.size(); i++) {
    const rules::Alert& a = alerts[i].second;
    if (i) o += ',';
    o += "{\"status\":\"";
    o += a.resolved_at_ms == 0 ? "firing" : "resolved";
    o += "\",\"labels\":";
    httpapi::append_labels_object(o, a.labels);
    o += ",\"annotations\":";
    httpapi::append_labels_object(o, a.annotations);
    o += ",\"startsAt\":\"" + rfc3339(a.fired_at_ms) + "\"";
    // Alertmanager's webhook: the zero time while firing.
    o += ",\"endsAt\":\"" + (a.resolved_at_ms != 0 ? rfc3339(a.resolved_at_ms) : "0001-01-01T00:00:00Z") + "\"";
    o += ",\"generatorURL\":";
    httpapi::append_json_string(o, generator_url(external, alerts[i].first));
    o += ",\"fingerprint\":\"" + alert_fingerprint(a.labels) + "\"}";
  }
  return o + "]}";
}

}  // namespace

std::string alert_fingerprint(const Labels& labels) {
  uint64_t h = 14695981039346656037ull;
  auto add = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
  };
  for (const auto& l : labels.items()) {
    add(l.name);
    add("\xff");
    add(l.value);
    add("\xff");
  }
  char buf[17];
  snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string alertmanager_alert_json(const rules::Alert& a, const std::string& expr, const std::string& external_url) {
  std::string o = "{\"labels\":";
  httpapi::append_labels_object(o, a.labels);
  o += ",\"annotations\":";
  httpapi::append_labels_object(o, a.annotations);
  o += ",\"startsAt\":\"" + rfc3339(a.fired_at_ms) + "\"";
  o += ",\"endsAt\":\"" + rfc3339(a.resolved_at_ms != 0 ? a.resolved_at_ms : a.valid_until_ms) + "\"";
  o += ",\"generatorURL\":";
  httpapi::append_json_string(o, generator_url(external_url, expr));
  return o + "}";
}

void AlertSender::post(const std::string& url, const std::string& body) {
  http::FetchRequest req;
  req.id = next_id_++;
  req.url = url;
  req.post = true;
  req.post_body = body;
  req.headers = {"Content-Type: application/json", "User-Agent: pg_observe"};
  req.timeout_ms = guc_rules_alertmanager_timeout_ms;
  req.max_body_bytes = 1 << 20;
  req.policy = outbound_policy();
  fetcher_.start(req);
}

void AlertSender::send(const std::string& group, const std::vector<std::pair<std::string, rules::Alert>>& alerts) {
  if (alerts.empty()) return;
  std::string external = guc_rules_external_url ? guc_rules_external_url : "";
  std::vector<std::string> urls = url_list(guc_rules_alertmanager_urls, "/api/v2/alerts");
  for (size_t start = 0; !urls.empty() && start < alerts.size(); start += kMaxBatch) {
    std::string body = "[";
    for (size_t i = start; i < std::min(alerts.size(), start + kMaxBatch); i++) {
      if (i > start) body += ',';
      body += alertmanager_alert_json(alerts[i].second, alerts[i].first, external);
    }
    body += "]";
    for (const auto& url : urls) post(url, body);
  }
  std::vector<std::string> hooks = url_list(guc_rules_webhook_urls, "");
  if (!hooks.empty()) {
    std::string body = webhook_json(group, alerts, external);
    for (const auto& url : hooks) post(url, body);
  }
}

void AlertSender::poll(int wait_ms) {
  for (const http::FetchResult& r : fetcher_.poll(wait_ms)) {
    if (r.ok) continue;
    std::string msg = r.error;
    pg_guard([&msg] {
      ereport(WARNING, (errmsg("pg_observe rules worker: sending alerts failed: %s", msg.c_str())));
    });
  }
}

}  // namespace observe::pg
