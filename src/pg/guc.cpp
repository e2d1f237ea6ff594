#include "pg/guc.h"

#include "pg/pg_headers.h"

extern "C" {
#include "utils/guc.h"
}

namespace observe::pg {

char* guc_database = nullptr;

void define_gucs() {
  DefineCustomStringVariable("observe.database",
                             "Database in which pg_observe's background workers work.", nullptr,
                             &guc_database, "postgres", PGC_POSTMASTER, 0, nullptr, nullptr,
                             nullptr);
  MarkGUCPrefixReserved("observe");
}

}  // namespace observe::pg
