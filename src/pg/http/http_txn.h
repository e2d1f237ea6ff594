// One HTTP request's database work: a transaction of its own, authenticated and run as the
// request's role (grants and row-level security apply as to that role's session), bounded by
// observe.http_request_timeout (statement_timeout) and observe.worker_lock_timeout.
#pragma once

#include <string>

#include "pg/http/http_api.h"
#include "pg/http/http_request.h"

namespace observe::pg {

struct HttpTxnError {
  int sqlerrcode = 0;
  std::string message;
};

// Authenticates req (http_auth.h), then runs handler as that role in a new transaction and
// commits. False with *error when authentication, the handler or the commit failed (the
// transaction is then rolled back: nothing of it is stored).
// Inside a handler: the request ends with a timeout error after ms from now if that comes
// before observe.http_request_timeout (Prometheus's `timeout` parameter: the shorter wins).
void shorten_request_timeout(int64_t ms);

bool run_http_request(const HttpRequest& req, const HttpRoute& route, const std::string& path_param,
                      HttpResponse& resp, HttpTxnError* error);

}  // namespace observe::pg
