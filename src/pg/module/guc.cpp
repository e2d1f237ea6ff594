#include "pg/module/guc.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <string>

#include "core/common/error.h"
#include "pg/border/pg_headers.h"
#include "pg/workers/kafka_config.h"

extern "C" {
#include "utils/guc.h"
}

namespace observe::pg {

char* guc_database = nullptr;
int guc_promql_lookback_ms = 300000;
int guc_promql_max_samples = 50000000;
bool guc_copy_input_cache = true;
char* guc_outbound_allow = nullptr;
char* guc_outbound_deny = nullptr;
int guc_outbound_max_redirects = 10;
int guc_logql_max_entries_limit = 5000;
int guc_logql_max_query_series = 500;
int guc_logql_max_entries_read = 0;

namespace {

// A list that does not parse is refused when set (SET, ALTER SYSTEM, reload), naming the entry.
bool check_network_list(char** newval, void**, GucSource) {
  char detail[256] = "";  // trivially destructible: GUC_check_errdetail may palloc (and jump)
  try {
    std::vector<net::Network> list;
    std::string error;
    if (net::parse_network_list(*newval != nullptr ? *newval : "", &list, &error)) return true;
    snprintf(detail, sizeof detail, "%s", error.c_str());
  } catch (...) {
    snprintf(detail, sizeof detail, "out of memory");
  }
  GUC_check_errdetail("%s", detail);
  return false;
}

}  // namespace

std::shared_ptr<const net::OutboundPolicy> outbound_policy() {
  static std::string allow_text, deny_text;
  static std::shared_ptr<const net::OutboundPolicy> cached;
  std::string allow = guc_outbound_allow != nullptr ? guc_outbound_allow : "";
  std::string deny = guc_outbound_deny != nullptr ? guc_outbound_deny : "";
  if (cached == nullptr || allow != allow_text || deny != deny_text) {
    auto policy = std::make_shared<net::OutboundPolicy>();
    std::string error;
    if (!net::OutboundPolicy::parse(allow, deny, policy.get(), &error))
      throw Error(ErrorKind::kInvalidParameter, "observe outbound networks: " + error);
    cached = std::move(policy);
    allow_text = std::move(allow);
    deny_text = std::move(deny);
  }
  return cached;
}

int guc_worker_lock_timeout_ms = 1000;
int guc_kafka_workers = 1;
int guc_scrape_workers = 1;
int guc_scrape_dictionary_keys = 65536;
int guc_series_dictionary_max_mb = 1024;
int guc_scrape_series_per_step = 4000;
int guc_scrape_write_group_ms = 250;
char* guc_kafka_test_refuse_line = nullptr;
char* guc_scrape_dns_server = nullptr;

// A quarter of the machine's physical memory, in MB (1 GB when it cannot be read).
static int default_series_dictionary_max_mb() {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 1024;
  long long mb = static_cast<long long>(pages) * page / 4 / (1 << 20);
  return static_cast<int>(std::max<long long>(16, std::min<long long>(mb, INT_MAX)));
}

void define_gucs() {
  DefineCustomStringVariable("observe.database",
                             "Database in which pg_observe's background workers work.", nullptr,
                             &guc_database, "postgres", PGC_POSTMASTER, 0, nullptr, nullptr,
                             nullptr);
  DefineCustomIntVariable("observe.promql_lookback_delta",
                          "How far back PromQL instant selectors look for a sample (Prometheus's "
                          "--query.lookback-delta).",
                          nullptr, &guc_promql_lookback_ms, 300000, 1, INT_MAX, PGC_USERSET,
                          GUC_UNIT_MS, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.promql_max_samples",
                          "Samples one PromQL query may hold in memory at once (Prometheus's "
                          "--query.max-samples).",
                          nullptr, &guc_promql_max_samples, 50000000, 1, INT_MAX, PGC_USERSET, 0,
                          nullptr, nullptr, nullptr);
  DefineCustomBoolVariable("observe.copy_input_cache",
                           "COPY FROM STDIN into observe_ts tables parses a repeated jsonb or "
                           "timestamp field once.",
                           "Off: such a COPY takes PostgreSQL's standard path, including the "
                           "ProcessUtility hooks of libraries loaded before pg_observe.",
                           &guc_copy_input_cache, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
  // Superuser only (PGC_SUSET): a role that may add scrape targets must not be able to lift
  // the limits on where they point.
  DefineCustomStringVariable("observe.outbound_allow_networks",
                             "Networks (CIDR) pg_observe may connect to; empty: all not denied.",
                             "The most specific matching network of the allow and deny lists "
                             "decides (a tie denies); checked on each connection's address.",
                             &guc_outbound_allow, "", PGC_SUSET, GUC_LIST_INPUT,
                             check_network_list, nullptr, nullptr);
  DefineCustomStringVariable("observe.outbound_deny_networks",
                             "Networks (CIDR) pg_observe never connects to.",
                             "Default: link-local, this-host and cloud metadata addresses.",
                             &guc_outbound_deny, net::kDefaultDenyNetworks, PGC_SUSET,
                             GUC_LIST_INPUT, check_network_list, nullptr, nullptr);
  DefineCustomIntVariable("observe.outbound_max_redirects",
                          "HTTP redirects pg_observe follows per request; each is checked against "
                          "the outbound networks.",
                          nullptr, &guc_outbound_max_redirects, 10, 0, 100, PGC_SUSET, 0, nullptr,
                          nullptr, nullptr);

  DefineCustomIntVariable("observe.worker_lock_timeout",
                          "Longest the scrape and maintenance workers wait for a lock a user "
                          "session holds.",
                          "On timeout the worker logs it, counts it in its health view and goes "
                          "on with the other targets or tables.",
                          &guc_worker_lock_timeout_ms, 1000, 1, INT_MAX, PGC_SIGHUP, GUC_UNIT_MS,
                          nullptr, nullptr, nullptr);
  // Read at server start: the pool is registered when the library is preloaded.
  DefineCustomIntVariable("observe.kafka_workers",
                          "Background worker processes that run the consumers of observe.kafka_sources.",
                          "Each source's consumers are spread over them; 0 disables Kafka ingestion.",
                          &guc_kafka_workers, 1, 0, 32, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.scrape_workers",
                          "Background worker processes that scrape the targets.",
                          "Each target is scraped by one of them, chosen by a hash of its job and "
                          "URL (it moves only when this number changes); 0 disables scraping.",
                          &guc_scrape_workers, 1, 0, 32, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.scrape_dictionary_keys",
                          "Series keys each scrape worker's series dictionary remembers.",
                          "A scraped series keeps its id itself; the dictionary only serves series "
                          "new to the worker and forgets everything past this size. 0: the full "
                          "dictionary (every series with its labels) other backends keep.",
                          &guc_scrape_dictionary_keys, 65536, 0, INT_MAX, PGC_POSTMASTER, 0, nullptr,
                          nullptr, nullptr);
  // Superuser only: a reader must not be able to lift the bound that keeps its queries from
  // taking the server's memory. Default: a quarter of the machine's memory.
  DefineCustomIntVariable("observe.series_dictionary_max_mb",
                          "Memory one backend's series dictionary of an observe_ts or observe_log "
                          "table may take.",
                          "Each backend that reads a table keeps every series' labels (about 1 kB "
                          "a series); past this, the statement fails with SQLSTATE 54000 instead "
                          "of growing until the server runs out of memory. Default: a quarter of "
                          "the machine's memory.",
                          &guc_series_dictionary_max_mb, default_series_dictionary_max_mb(), 16,
                          INT_MAX, PGC_SUSET, GUC_UNIT_MB, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("observe.scrape_series_per_step",
                          "New series a scrape worker creates in one transaction.",
                          "The samples of a scrape's other new series wait in memory, in order, "
                          "for the following steps, between which the worker goes on scraping the "
                          "targets that are due (series creation does not delay other targets).",
                          &guc_scrape_series_per_step, 4000, 1, INT_MAX, PGC_SIGHUP, 0, nullptr, nullptr,
                          nullptr);
  DefineCustomIntVariable("observe.scrape_write_group_ms",
                          "How long a completed scrape waits to be written with the scrapes that "
                          "complete after it, in one transaction.",
                          "0 writes the scrapes of each poll at once. Grouping saves a commit (WAL "
                          "write and flush) per scrape; samples become visible that much later.",
                          &guc_scrape_write_group_ms, 250, 0, 10000, PGC_SIGHUP, GUC_UNIT_MS, nullptr,
                          nullptr, nullptr);
  DefineCustomStringVariable("observe.scrape_dns_server",
                             "DNS server (ipv4:port) that dns_sd_configs ask instead of the system's.",
                             "Empty (the default): the servers and search list of /etc/resolv.conf, "
                             "through the system resolver.",
                             &guc_scrape_dns_server, "", PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  define_kafka_gucs();
  // A test hook (test/integration/kafka_ingest.sh): proves that a row the store refuses after
  // decoding sends its message, and only it, to the dead letters.
  DefineCustomStringVariable("observe.kafka_test_refuse_line",
                             "Testing only: the Kafka workers' store refuses lines containing this text.",
                             "Empty (the default): off.", &guc_kafka_test_refuse_line, "", PGC_SIGHUP,
                             GUC_NOT_IN_SAMPLE | GUC_NO_SHOW_ALL, nullptr, nullptr, nullptr);
  // LogQL's limits, named and defaulted as Loki's per-tenant limits are.
  DefineCustomIntVariable("observe.logql_max_entries_limit",
                          "Largest max_lines a LogQL log query may ask for (Loki's "
                          "max_entries_limit_per_query).",
                          nullptr, &guc_logql_max_entries_limit, 5000, 1, INT_MAX, PGC_USERSET, 0, nullptr,
                          nullptr, nullptr);
  DefineCustomIntVariable("observe.logql_max_query_series",
                          "Series a LogQL metric query may produce (Loki's max_query_series).", nullptr,
                          &guc_logql_max_query_series, 500, 1, INT_MAX, PGC_USERSET, 0, nullptr, nullptr,
                          nullptr);
  DefineCustomIntVariable("observe.logql_max_entries_read",
                          "Log lines one LogQL log query may read; 0: no limit.",
                          "Lines skipped with their chunk by the token filter are not read.",
                          &guc_logql_max_entries_read, 0, 0, INT_MAX, PGC_USERSET, 0, nullptr, nullptr,
                          nullptr);
  MarkGUCPrefixReserved("observe");
}

}  // namespace observe::pg
