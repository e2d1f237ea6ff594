// The rules worker's settings (observe.rules_*), Prometheus's rule-manager flags.
#pragma once

namespace observe::pg {

extern bool guc_rules_enabled;                 // observe.rules_enabled
extern int guc_rules_evaluation_interval_ms;   // global.evaluation_interval
extern int guc_rules_for_grace_period_ms;      // --rules.alert.for-grace-period
extern int guc_rules_for_outage_tolerance_ms;  // --rules.alert.for-outage-tolerance
extern int guc_rules_resend_delay_ms;          // --rules.alert.resend-delay
extern char* guc_rules_external_url;           // --web.external-url, for templates
extern char* guc_rules_alertmanager_urls;      // Alertmanagers the alerts go to (comma-separated)
extern int guc_rules_alertmanager_timeout_ms;  // alertmanager_config.timeout (webhooks too)
extern char* guc_rules_webhook_urls;           // webhooks given Alertmanager's webhook JSON

// Called from _PG_init before define_gucs reserves the observe. prefix.
void define_rules_gucs();

}  // namespace observe::pg
