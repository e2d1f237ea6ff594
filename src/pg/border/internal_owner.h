// The extension's own tables (settings, member settings) are written by SQL functions that any
// table owner may call (observe.set_retention, set_series_key) and by security-label restores.
// Those writes run with the privileges of the owner of the extension's tables, never the caller's:
// the caller has been checked for ownership of the table the settings are about, and needs no
// grant on observe's private tables. search_path is pinned while they run so that no function or
// operator of the caller's schemas can be picked up with the owner's privileges.
#pragma once

#include "pg/border/pg_headers.h"

namespace observe::pg {

// Runs fn(arg) (plain PostgreSQL code, may ereport) as the owner of observe._ts_options with
// search_path = pg_catalog, pg_temp; the caller's user and search_path come back however fn ends.
void run_as_internal_owner(void (*fn)(void* arg), void* arg);

}  // namespace observe::pg
