// observe.version(): the version of the loaded library (may differ from the installed SQL
// objects' version until ALTER EXTENSION ... UPDATE runs).
#include "pg/border/border.h"

#ifndef OBSERVE_VERSION
#error "OBSERVE_VERSION is set by the Makefile from pg_observe.control"
#endif

OBSERVE_FUNCTION(observe_version) {
  (void)fcinfo;
  return CStringGetTextDatum(OBSERVE_VERSION);
}
