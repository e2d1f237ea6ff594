// Running a unit of work in its own transaction from a background worker, the way every
// pg_observe worker needs: errors are logged, the transaction aborted, and the worker goes on.
#pragma once

#include <string>

#include "pg/pg_headers.h"

namespace observe::pg {

// Runs body() in a new transaction with SPI connected and a snapshot pushed, then commits.
// body is C++: it runs under invoke_cpp, so its exceptions become errors after its
// destructors ran. On any error the error is logged (prefixed with what), the transaction
// aborted, and false returned with the message in *error (when given).
template <typename F>
bool run_in_transaction(const char* what, F&& body, std::string* error = nullptr);

// The untyped core of run_in_transaction; `message` receives a malloc'd copy of the error.
bool run_in_transaction_raw(const char* what, void (*call)(void*), void* arg, char** message);

}  // namespace observe::pg

#include "pg/border.h"

namespace observe::pg {

template <typename F>
bool run_in_transaction(const char* what, F&& body, std::string* error) {
  char* message = nullptr;
  bool ok = run_in_transaction_raw(
      what, [](void* arg) { invoke_cpp([arg] { (*static_cast<std::remove_reference_t<F>*>(arg))(); }); }, &body, &message);
  if (!ok && error != nullptr) *error = message != nullptr ? message : "unknown error";
  free(message);
  return ok;
}

}  // namespace observe::pg
