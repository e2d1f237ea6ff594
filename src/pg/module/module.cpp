// Module entry: the library magic, GUCs, the COPY hook, and (when preloaded) the background workers.
#include "pg/engine/copy_fastpath.h"
#include "pg/module/guc.h"
#include "pg/border/pg_headers.h"
#include "pg/http/http_guc.h"
#include "pg/http/http_worker.h"
#include "pg/rules/rules_guc.h"
#include "pg/rules/rules_worker.h"
#include "pg/workers/kafka_worker.h"
#include "pg/workers/scrape_worker.h"
#include "pg/ts/ts_am.h"

extern "C" {
PG_MODULE_MAGIC;
void _PG_init(void);
}

void _PG_init(void) {
  observe::pg::ts_am_init();  // before define_gucs reserves the observe. prefix
  observe::pg::define_http_gucs();  // before define_gucs reserves the observe. prefix
  observe::pg::define_rules_gucs();  // before define_gucs reserves the observe. prefix
  observe::pg::define_gucs();
  observe::pg::copy_fastpath_init();
  // Workers exist only when the library is preloaded: they start with the postmaster.
  if (process_shared_preload_libraries_in_progress) {
    observe::pg::register_scrape_worker();
    observe::pg::register_http_workers();  // none unless observe.http_port is set
    observe::pg::register_kafka_workers();
    observe::pg::register_rules_worker();
  }
}
