// pg_observe's configuration parameters (GUCs), defined once at library load.
#pragma once

namespace observe::pg {

// observe.database: the database the background workers connect to.
extern char* guc_database;

void define_gucs();

}  // namespace observe::pg
