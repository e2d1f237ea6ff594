#include "core/common/utf8.h"
#include "pg/border/border.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

extern "C" {
#include "mb/pg_wchar.h"
#include "utils/syscache.h"
}

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
// block, so allocate without throwing and fall back to a static text. The last line of defence
// for UTF-8: core errors arrive escaped (observe::Error), other exceptions' texts may quote
// anything (a library's message with the input in it).
static char* copy_message(const char* text) {
  static const char kNoMemory[] = "out of memory while reporting an error";
  std::string escaped;
  try {
    escaped = escape_message(text);
  } catch (...) {
    return const_cast<char*>(kNoMemory);
  }
  char* copy = static_cast<char*>(MemoryContextAllocExtended(CurrentMemoryContext,
                                                            escaped.size() + 1, MCXT_ALLOC_NO_OOM));
  if (copy == nullptr) return const_cast<char*>(kNoMemory);
  std::memcpy(copy, escaped.c_str(), escaped.size() + 1);
  return copy;
}

// A PostgreSQL error raised inside pg_guard may carry text the glue built from input (a label
// value in a detail): escape what is not valid UTF-8 before it is re-raised.
static void escape_error_data(ErrorData* edata) {
  for (char** field : {&edata->message, &edata->detail, &edata->hint, &edata->context}) {
    if (*field != nullptr && !valid_utf8(*field)) *field = copy_message(*field);
  }
}

void capture_current_exception(PendingError& out) noexcept {
  try {
    throw;
  } catch (const PgError& e) {
    out.pg = e.edata();
    escape_error_data(out.pg);
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

// Past this size the query is not shown under an error: it would be copied to the client and
// to the server log with every error (a fuzzer's 40 MB query is a legal text argument).
static constexpr size_t kMaxShownQuery = 64 * 1024;

// The query to show under an error, or nullptr: escaped when it is not valid UTF-8 (possible in
// a SQL_ASCII database). *cursor gets the 1-based character position of byte_pos in it, as
// PostgreSQL counts cursors (characters, where core positions are byte offsets).
static const char* shown_query(const char* query, int byte_pos, int* cursor) noexcept {
  size_t len = std::strlen(query);
  if (len > kMaxShownQuery) return nullptr;
  size_t bytes = std::min(len, static_cast<size_t>(byte_pos));
  if (valid_utf8(std::string_view(query, len))) {
    *cursor = pg_mbstrlen_with_len(query, static_cast<int>(bytes)) + 1;
    return query;
  }
  char* escaped = copy_message(query);
  std::string prefix;
  try {
    prefix = escape_message(std::string_view(query, bytes));
  } catch (...) {
    return nullptr;
  }
  *cursor = pg_mbstrlen_with_len(prefix.c_str(), static_cast<int>(prefix.size())) + 1;
  return escaped;
}

void raise_pending(const PendingError& pending) {
  if (pending.pg != nullptr) ReThrowError(pending.pg);
  if (pending.kind == ErrorKind::kCanceled) CHECK_FOR_INTERRUPTS();  // PostgreSQL's own message
  const char* query = error_query_text;
  error_query_text = nullptr;
  int cursor = 0;
  const char* shown = nullptr;  // only an error with a position shows the query
  if (query != nullptr && pending.position >= 0) shown = shown_query(query, pending.position, &cursor);
  if (shown != nullptr) {
    ereport(ERROR, (errcode(sqlstate_for(pending.kind)), errmsg("%s", pending.message),
                    internalerrposition(cursor), internalerrquery(shown)));
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

void check_relation_exists(Oid relid) {
  if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(relid)))
    ereport(ERROR, (errcode(ERRCODE_UNDEFINED_TABLE), errmsg("relation with OID %u does not exist", relid)));
}

bool interrupt_pending() { return InterruptPending && (QueryCancelPending || ProcDiePending); }

}  // namespace observe::pg
