// The C++/PostgreSQL border (docs/architecture.md, DESIGN.md §2).
//
// PostgreSQL reports errors with longjmp; C++ unwinds with exceptions. Two pieces keep them apart:
//
//  * invoke_cpp(f): every entry from PostgreSQL into C++ (SQL function, AM callback, hook,
//    worker loop) runs its body through it. Any C++ exception is caught, its scope ends (so every
//    destructor has run), and only then is it raised as ereport(ERROR) with a fitting SQLSTATE.
//
//  * pg_guard(f): C++ code that must call a PostgreSQL function that may ereport wraps the call in
//    it. A PostgreSQL error is caught with PG_TRY, copied, and re-thrown as a C++ PgError, so the
//    C++ frames above unwind normally; invoke_cpp re-raises the original error unchanged.
//    The callable given to pg_guard must itself hold no object with a non-trivial destructor.
#pragma once

#include <exception>
#include <new>
#include <type_traits>
#include <utility>

#include "core/common/error.h"
#include "pg/border/pg_headers.h"

namespace observe::pg {

// A PostgreSQL error in flight through C++ frames. Only invoke_cpp may catch it for good:
// the transaction is in an error state until the error is re-raised.
class PgError : public std::exception {
 public:
  explicit PgError(ErrorData* edata) : edata_(edata) {}
  ErrorData* edata() const { return edata_; }
  const char* what() const noexcept override;

 private:
  ErrorData* edata_;
};

// What a failed call left to report, in palloc'd memory only: nothing here has a destructor,
// so ereport may jump over it.
struct PendingError {
  ErrorKind kind = ErrorKind::kInternal;
  char* message = nullptr;
  int position = -1;       // 0-based offset in the query text, or -1
  ErrorData* pg = nullptr;  // a PostgreSQL error to re-raise as it was
  bool out_of_memory = false;
};

int sqlstate_for(ErrorKind kind);

// Sets the text that core error positions refer to (a PromQL/LogQL query argument) for the
// current call; shown as QUERY with a caret. Cleared at every invoke_cpp entry.
void set_error_query(const char* query_text);

// Records the exception being handled into `out` (call only inside a catch block).
void capture_current_exception(PendingError& out) noexcept;

[[noreturn]] void raise_pending(const PendingError& pending);

template <typename F>
auto invoke_cpp(F&& body) -> decltype(body()) {
  PendingError pending;
  set_error_query(nullptr);
  try {
    return body();
  } catch (...) {
    capture_current_exception(pending);
  }
  // The exception object and every C++ frame of `body` are gone: safe to longjmp now.
  raise_pending(pending);
}

// Runs call(arg) under PG_TRY; returns the copied PostgreSQL error, or nullptr when none.
// Not a template, so the setjmp frame holds no locals that the call modifies.
ErrorData* run_guarded(void (*call)(void*), void* arg);

template <typename F>
auto pg_guard(F&& call) -> decltype(call()) {
  using R = decltype(call());
  struct Closure {
    F& call;
    std::conditional_t<std::is_void_v<R>, int, R> result{};
    std::exception_ptr cpp_error;  // a C++ exception must not unwind through PG_TRY's frame
  } closure{call};
  ErrorData* edata = run_guarded(
      [](void* arg) {
        auto* c = static_cast<Closure*>(arg);
        try {
          if constexpr (std::is_void_v<R>)
            c->call();
          else
            c->result = c->call();
        } catch (...) {
          c->cpp_error = std::current_exception();
        }
      },
      &closure);
  if (edata != nullptr) throw PgError(edata);
  if (closure.cpp_error) std::rethrow_exception(closure.cpp_error);
  if constexpr (!std::is_void_v<R>) return closure.result;
}

// Allocates a C++ object whose lifetime ends with the memory context `context`: a reset
// callback deletes it (a context reset runs no destructors by itself).
template <typename T, typename... Args>
T* make_owned_by(MemoryContext context, Args&&... args) {
  auto* callback = static_cast<MemoryContextCallback*>(
      pg_guard([&] { return MemoryContextAllocZero(context, sizeof(MemoryContextCallback)); }));
  T* object = new T(std::forward<Args>(args)...);
  callback->func = [](void* arg) { delete static_cast<T*>(arg); };
  callback->arg = object;
  MemoryContextRegisterResetCallback(context, callback);
  return object;
}

// Raises 42P01 unless relid names a relation: a regclass argument can hold any OID (0, a
// dropped table's), the caller's mistake rather than the internal error table_open reports.
// May ereport: call it under pg_guard from C++ code.
void check_relation_exists(Oid relid);

// True when a cancel or termination is pending. Core loops poll this (through a callback)
// and throw ErrorKind::kCanceled; the border then lets PostgreSQL report it properly.
bool interrupt_pending();

}  // namespace observe::pg

// Defines a SQL-callable function whose body is C++ run under invoke_cpp:
//   OBSERVE_FUNCTION(observe_version) { return CStringGetTextDatum("0.1.0"); }
#define OBSERVE_FUNCTION(name)                                            \
  static Datum name##_body(FunctionCallInfo fcinfo);                      \
  extern "C" {                                                            \
  PG_FUNCTION_INFO_V1(name);                                              \
  }                                                                       \
  extern "C" Datum name(PG_FUNCTION_ARGS) {                               \
    return observe::pg::invoke_cpp([fcinfo] { return name##_body(fcinfo); }); \
  }                                                                       \
  static Datum name##_body(FunctionCallInfo fcinfo)
