// pg_observe's configuration parameters (GUCs), defined once at library load.
#pragma once

#include <memory>

#include "core/net/outbound_policy.h"

namespace observe::pg {

// observe.database: the database the background workers connect to.
extern char* guc_database;

// observe.promql_lookback_delta (ms): how far back an instant selector looks for a sample.
extern int guc_promql_lookback_ms;
// observe.promql_max_samples: samples one PromQL query may hold at once.
extern int guc_promql_max_samples;

// observe.copy_input_cache: COPY FROM STDIN into observe_ts tables reuses the parsed datum of
// a repeated jsonb/timestamp text (copy_fastpath.h).
extern bool guc_copy_input_cache;

// observe.outbound_allow_networks / observe.outbound_deny_networks (superuser only): where
// the server may connect on a user's behalf (core/net/outbound_policy.h), and
// observe.outbound_max_redirects.
extern char* guc_outbound_allow;
extern char* guc_outbound_deny;
extern int guc_outbound_max_redirects;
// The policy the two settings describe; parsed again only after they change. Call from C++.
std::shared_ptr<const net::OutboundPolicy> outbound_policy();
// observe.logql_max_entries_limit, observe.logql_max_query_series, observe.logql_max_entries_read:
// LogQL's limits (Loki's max_entries_limit_per_query, max_query_series; 0 = no limit).
extern int guc_logql_max_entries_limit;
extern int guc_logql_max_query_series;
extern int guc_logql_max_entries_read;
// observe.worker_lock_timeout (ms): the background workers' lock_timeout.
extern int guc_worker_lock_timeout_ms;
// observe.kafka_workers: background workers running the Kafka sources' consumers (postmaster).
extern int guc_kafka_workers;
// observe.scrape_workers: background workers scraping the targets, each its share by hash
// (core/scrape/assign.h) (postmaster).
extern int guc_scrape_workers;
// observe.scrape_dictionary_keys: series keys a scrape worker's series dictionary keeps
// (ts_series_set_lookup_only); 0: a full dictionary (postmaster).
extern int guc_scrape_dictionary_keys;
// observe.series_dictionary_max_mb: heap one backend's series dictionary of a table may take.
extern int guc_series_dictionary_max_mb;
// observe.scrape_series_per_step: new series a scrape worker creates in one transaction; the
// samples of the others wait for the following steps (sighup).
extern int guc_scrape_series_per_step;
// observe.scrape_write_group_ms: how long completed scrapes wait to be written together.
extern int guc_scrape_write_group_ms;
// observe.scrape_dns_server: "ipv4:port" that DNS discovery asks; empty: /etc/resolv.conf (sighup).
extern char* guc_scrape_dns_server;
// observe.kafka_test_refuse_line: testing only; the Kafka store refuses lines containing it.
extern char* guc_kafka_test_refuse_line;

void define_gucs();

}  // namespace observe::pg
