// Alerts to Alertmanager over its v2 API, and to webhooks in Alertmanager's webhook format.
// Alertmanager: over its v2 API (POST /api/v2/alerts), as Prometheus's notifier
// sends them: startsAt = the time the alert fired, endsAt = its resolution time or, while it
// fires, valid_until (4 x max(resend delay, interval) ahead, so Alertmanager resolves it by
// itself if pg_observe stops); at most 64 alerts a request; every configured Alertmanager gets
// every batch. Asynchronous: the worker's loop drives the transfers between evaluations, so a
// slow Alertmanager does not delay evaluations. Webhooks (observe.rules_webhook_urls) get the
// JSON an Alertmanager webhook receiver gets (version 4: status, receiver, groupLabels,
// commonLabels, commonAnnotations, externalURL, alerts with status, startsAt, endsAt,
// generatorURL and fingerprint), one request for each evaluation's batch of a group.
#pragma once

#include <string>
#include <vector>

#include "core/http/multi_fetcher.h"
#include "core/rules/evaluator.h"

namespace observe::pg {

class AlertSender {
 public:
  // Queues the alerts an evaluation marked for sending (expr: the rule's, for generatorURL).
  void send(const std::string& group, const std::vector<std::pair<std::string, rules::Alert>>& alerts_with_expr);
  // Drives transfers for at most wait_ms; failures are logged.
  void poll(int wait_ms);
  bool busy() const { return fetcher_.in_flight() > 0; }

 private:
  void post(const std::string& url, const std::string& body);

  http::MultiFetcher fetcher_;
  uint64_t next_id_ = 1;
};

// The v2 API's JSON for one alert: labels, annotations, startsAt, endsAt, generatorURL.
std::string alertmanager_alert_json(const rules::Alert& a, const std::string& expr, const std::string& external_url);

// Alertmanager's fingerprint of a label set (model.LabelSet.Fingerprint: FNV-1a 64 over the
// sorted names and values, each followed by 0xff), as 16 hex digits.
std::string alert_fingerprint(const Labels& labels);

}  // namespace observe::pg
