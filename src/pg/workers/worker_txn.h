// Running a unit of work in its own transaction from a background worker, the way every
// pg_observe worker needs: errors are logged, the transaction aborted, and the worker goes on.
#pragma once

#include <string>

#include "pg/border/pg_headers.h"

namespace observe::pg {

// Runs body() in a new transaction with SPI connected and a snapshot pushed, then commits.
// body is C++: it runs under invoke_cpp, so its exceptions become errors after its
// destructors ran. On any error the error is logged (prefixed with what), the transaction
// aborted, and false returned with the message in *error (when given). Lock waits are bounded
// by observe.worker_lock_timeout (a user's open transaction must not stall a worker);
// *lock_timeout (when given) tells whether the failure was such a timeout.
template <typename F>
bool run_in_transaction(const char* what, F&& body, std::string* error = nullptr,
                        bool* lock_timeout = nullptr);

// The untyped core of run_in_transaction; `message` receives a malloc'd copy of the error,
// `sqlerrcode` its code.
bool run_in_transaction_raw(const char* what, void (*call)(void*), void* arg, char** message,
                            int* sqlerrcode);

// SET LOCAL lock_timeout = observe.worker_lock_timeout, in the current transaction.
void set_worker_lock_timeout();
// Whether an error code is a lock wait that timed out (lock_timeout).
bool is_lock_timeout(int sqlerrcode);

}  // namespace observe::pg

#include "pg/border/border.h"

namespace observe::pg {

template <typename F>
bool run_in_transaction(const char* what, F&& body, std::string* error, bool* lock_timeout) {
  char* message = nullptr;
  int code = 0;
  bool ok = run_in_transaction_raw(
      what, [](void* arg) { invoke_cpp([arg] { (*static_cast<std::remove_reference_t<F>*>(arg))(); }); }, &body, &message,
      &code);
  if (!ok && error != nullptr) *error = message != nullptr ? message : "unknown error";
  if (lock_timeout != nullptr) *lock_timeout = !ok && is_lock_timeout(code);
  free(message);
  return ok;
}

}  // namespace observe::pg
