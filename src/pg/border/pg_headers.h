// The one place glue files get PostgreSQL's headers from. Include core headers *before*
// this file: PostgreSQL's macros must never be seen by core code.
#pragma once

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}
