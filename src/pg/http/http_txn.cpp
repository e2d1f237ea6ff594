#include "pg/http/http_txn.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "pg/border/border.h"
#include "pg/http/http_auth.h"
#include "pg/http/http_guc.h"
#include "pg/workers/worker_txn.h"

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"
}

namespace observe::pg {

namespace {

struct Call {
  const HttpRequest* req;
  const HttpRoute* route;
  const std::string* param;
  HttpResponse* resp;
};

// C++ under invoke_cpp: its exceptions become PostgreSQL errors after its destructors ran.
void call_handler(void* arg) {
  invoke_cpp([arg] {
    Call* c = static_cast<Call*>(arg);
    Oid role = http_authenticate(*c->req);
    Oid saved_user;
    int saved_context;
    GetUserIdAndSecContext(&saved_user, &saved_context);
    // SECURITY_LOCAL_USERID_CHANGE: as inside a SECURITY DEFINER function, SET ROLE and
    // SET SESSION AUTHORIZATION cannot undo the switch. An abort restores the worker's user.
    SetUserIdAndSecContext(role, saved_context | SECURITY_LOCAL_USERID_CHANGE);
    c->route->handler(*c->req, *c->param, *c->resp);
    SetUserIdAndSecContext(saved_user, saved_context);
  });
}

// No C++ object lives in this frame: a longjmp to PG_CATCH skips nothing.
bool run_raw(Call* call, const char* activity, int* code, char** message) {
  MemoryContext caller_context = CurrentMemoryContext;
  volatile bool ok = true;
  PG_TRY();
  {
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    set_worker_lock_timeout();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, activity);
    enable_timeout_after(STATEMENT_TIMEOUT, guc_http_timeout_ms);
    call_handler(call);
    disable_timeout(STATEMENT_TIMEOUT, false);
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller_context);
    disable_timeout(STATEMENT_TIMEOUT, false);
    ErrorData* edata = CopyErrorData();
    FlushErrorState();
    AbortCurrentTransaction();
    *code = edata->sqlerrcode;
    *message = strdup(edata->message != nullptr ? edata->message : "unknown error");
    FreeErrorData(edata);
    ok = false;
  }
  PG_END_TRY();
  // A timeout that fired after the work ended must not cancel the next request.
  QueryCancelPending = false;
  pgstat_report_activity(STATE_IDLE, nullptr);
  return ok;
}

}  // namespace

void shorten_request_timeout(int64_t ms) {
  pg_guard([ms] {
    int64 wanted = std::max<int64>(ms, 1);
    if (get_timeout_active(STATEMENT_TIMEOUT)) {
      long secs;
      int usecs;
      TimestampDifference(GetCurrentTimestamp(), get_timeout_finish_time(STATEMENT_TIMEOUT), &secs, &usecs);
      if (secs * 1000 + usecs / 1000 <= wanted) return;
      disable_timeout(STATEMENT_TIMEOUT, false);
    }
    enable_timeout_after(STATEMENT_TIMEOUT, static_cast<int>(std::min<int64>(wanted, INT_MAX)));
  });
}

bool run_http_request(const HttpRequest& req, const HttpRoute& route, const std::string& path_param,
                      HttpResponse& resp, HttpTxnError* error) {
  Call call{&req, &route, &path_param, &resp};
  std::string activity = req.method + " " + req.path;
  int code = 0;
  char* message = nullptr;
  bool ok = run_raw(&call, activity.c_str(), &code, &message);
  if (!ok) {
    error->sqlerrcode = code;
    error->message = message != nullptr ? message : "unknown error";
  }
  free(message);
  return ok;
}

}  // namespace observe::pg
