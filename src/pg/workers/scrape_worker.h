// The scrape worker: a background worker that scrapes observe.scrape_targets on their
// intervals and writes the samples into observe.metrics, as a Prometheus server would.
#pragma once

namespace observe::pg {

// Registers the worker; called from _PG_init when loaded by shared_preload_libraries.
void register_scrape_worker();

}  // namespace observe::pg
