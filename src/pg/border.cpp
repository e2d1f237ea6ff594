#include "pg/border.h"

#include <cstring>
#include <string>

namespace observe::pg {

static const char* error_query_text = nullptr;

const char* PgError::what() const noexcept {
  return edata_ != nullptr && edata_->message != nullptr ? edata_->message : "PostgreSQL error";
}

int sqlstate_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kSyntax: return ERRCODE_SYNTAX_ERROR;
    case ErrorKind::kInvalidParameter: return ERRCODE_INVALID_PARAMETER_VALUE;
    case ErrorKind::kDataException: return ERRCODE_DATA_EXCEPTION;
    case ErrorKind::kLimitExceeded: return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
    case ErrorKind::kFeatureNotSupported: return ERRCODE_FEATURE_NOT_SUPPORTED;
    case ErrorKind::kCanceled: return ERRCODE_QUERY_CANCELED;
    case ErrorKind::kInternal: break;
  }
  return ERRCODE_INTERNAL_ERROR;
}

void set_error_query(const char* query_text) { error_query_text = query_text; }

// pstrdup may itself ereport (out of memory); here that would jump over the active catch
// block, so allocate without throwing and fall back to a static text.
static char* copy_message(const char* text) {
  size_t len = std::strlen(text);
  char* copy = static_cast<char*>(MemoryContextAllocExtended(CurrentMemoryContext, len + 1,
                                                            MCXT_ALLOC_NO_OOM));
  if (copy == nullptr) return const_cast<char*>("out of memory while reporting an error");
  std::memcpy(copy, text, len + 1);
  return copy;
}

void capture_current_exception(PendingError& out) noexcept {
  try {
    throw;
  } catch (const PgError& e) {
    out.pg = e.edata();
  } catch (const Error& e) {
    out.kind = e.kind();
    out.message = copy_message(e.what());
    out.position = e.position();
  } catch (const std::bad_alloc&) {
    out.out_of_memory = true;
  } catch (const std::exception& e) {
    out.kind = ErrorKind::kInternal;
    out.message = copy_message(e.what());
  } catch (...) {
    out.kind = ErrorKind::kInternal;
    out.message = copy_message("unknown C++ exception");
  }
}

void raise_pending(const PendingError& pending) {
  if (pending.pg != nullptr) ReThrowError(pending.pg);
  if (pending.kind == ErrorKind::kCanceled) CHECK_FOR_INTERRUPTS();  // PostgreSQL's own message
  const char* query = error_query_text;
  error_query_text = nullptr;
  if (query != nullptr && pending.position >= 0) {
    ereport(ERROR, (errcode(sqlstate_for(pending.kind)), errmsg("%s", pending.message),
                    internalerrposition(pending.position + 1), internalerrquery(query)));
  }
  if (pending.out_of_memory) ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
  ereport(ERROR, (errcode(sqlstate_for(pending.kind)), errmsg("%s", pending.message)));
  pg_unreachable();
}

ErrorData* run_guarded(void (*call)(void*), void* arg) {
  MemoryContext caller_context = CurrentMemoryContext;
  ErrorData* volatile edata = nullptr;  // assigned after the longjmp, read after PG_END_TRY
  PG_TRY();
  {
    call(arg);
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller_context);
    edata = CopyErrorData();
    FlushErrorState();
  }
  PG_END_TRY();
  return edata;
}

bool interrupt_pending() { return InterruptPending && (QueryCancelPending || ProcDiePending); }

}  // namespace observe::pg
