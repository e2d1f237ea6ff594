#include "pg/rules/rules_guc.h"

#include <climits>

#include "pg/border/pg_headers.h"

extern "C" {
#include "utils/guc.h"
}

namespace observe::pg {

bool guc_rules_enabled = true;
int guc_rules_evaluation_interval_ms = 60000;
int guc_rules_for_grace_period_ms = 600000;
int guc_rules_for_outage_tolerance_ms = 3600000;
int guc_rules_resend_delay_ms = 60000;
char* guc_rules_external_url = nullptr;
char* guc_rules_alertmanager_urls = nullptr;
int guc_rules_alertmanager_timeout_ms = 10000;
char* guc_rules_webhook_urls = nullptr;

void define_rules_gucs() {
  DefineCustomBoolVariable("observe.rules_enabled", "Whether the rules worker evaluates observe.rule_groups.",
                           nullptr, &guc_rules_enabled, true, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.rules_evaluation_interval",
                          "Interval of rule groups without their own (Prometheus's global.evaluation_interval).",
                          nullptr, &guc_rules_evaluation_interval_ms, 60000, 1000, INT_MAX, PGC_SIGHUP,
                          GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.rules_for_grace_period",
                          "Minimum time an alert restored after a restart stays pending before it fires again "
                          "(Prometheus's --rules.alert.for-grace-period); alerts whose `for` is shorter are not "
                          "restored.",
                          nullptr, &guc_rules_for_grace_period_ms, 600000, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS,
                          nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.rules_for_outage_tolerance",
                          "How far back the `for` state of alerts is restored after a restart "
                          "(Prometheus's --rules.alert.for-outage-tolerance).",
                          nullptr, &guc_rules_for_outage_tolerance_ms, 3600000, 0, INT_MAX, PGC_SIGHUP,
                          GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.rules_resend_delay",
                          "Minimum time before a firing alert is sent again (Prometheus's "
                          "--rules.alert.resend-delay); also sets the alerts' valid-until time.",
                          nullptr, &guc_rules_resend_delay_ms, 60000, 0, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS,
                          nullptr, nullptr, nullptr);
  DefineCustomStringVariable("observe.rules_external_url",
                             "URL alert templates see as $externalURL (Prometheus's --web.external-url).", nullptr,
                             &guc_rules_external_url, "", PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomStringVariable("observe.rules_alertmanager_urls",
                             "Alertmanagers (base URLs, comma-separated) the rules worker sends alerts to over the "
                             "v2 API; empty sends none. Connections follow the outbound network policy.",
                             nullptr, &guc_rules_alertmanager_urls, "", PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomStringVariable("observe.rules_webhook_urls",
                             "Webhooks (URLs, comma-separated) the rules worker posts alerts to in Alertmanager's "
                             "webhook format; empty posts none. Connections follow the outbound network policy.",
                             nullptr, &guc_rules_webhook_urls, "", PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.rules_alertmanager_timeout",
                          "Timeout of one request to an Alertmanager or a webhook.",
                          nullptr, &guc_rules_alertmanager_timeout_ms, 10000, 100, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS,
                          nullptr, nullptr, nullptr);
}

}  // namespace observe::pg
