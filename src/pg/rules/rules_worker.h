// The rules worker: a background worker that evaluates observe.rule_groups on their intervals,
// as Prometheus's rule manager does (see docs/alerting.md).
#pragma once

namespace observe::pg {

// Registers the worker; called from _PG_init when loaded by shared_preload_libraries.
void register_rules_worker();

}  // namespace observe::pg
