// The observe_log table a LogQL function reads, opened and checked as a SELECT would be, and
// the engine options from the GUCs.
#pragma once

#include <memory>

#include "core/logql/engine.h"
#include "core/logql/storage.h"
#include "pg/border/pg_headers.h"

extern "C" {
#include "utils/relcache.h"
}

namespace observe::pg {

class LogSource {
 public:
  // Opens the table (AccessShareLock, kept to the end of the transaction); refuses one that is
  // not an observe_log table shaped like observe.logs, or that the user may not read.
  explicit LogSource(Oid relid);
  ~LogSource();
  LogSource(const LogSource&) = delete;
  LogSource& operator=(const LogSource&) = delete;

  logql::LogStore& store() { return *store_; }

 private:
  Relation rel_;
  std::unique_ptr<logql::LogStore> store_;
};

logql::EngineOptions logql_engine_options();

}  // namespace observe::pg
