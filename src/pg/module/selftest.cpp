// Entry points that exercise the C++/PostgreSQL border from SQL. They are not part of the
// extension's SQL objects: the regression suite creates functions on them in its own schema
// (sql/border.sql), so tests can prove that exceptions and PostgreSQL errors cross cleanly.
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/common/matcher.h"
#include "pg/border/border.h"

namespace {

// Counts live instances, so a test can see that every destructor ran after an error.
int live_tracked_objects = 0;

struct Tracked {
  std::vector<std::string> payload{std::string(64, 'x'), std::string(64, 'y')};
  Tracked() { ++live_tracked_objects; }
  ~Tracked() { --live_tracked_objects; }
};

observe::ErrorKind kind_from_name(const std::string& name) {
  using observe::ErrorKind;
  if (name == "syntax") return ErrorKind::kSyntax;
  if (name == "invalid_parameter") return ErrorKind::kInvalidParameter;
  if (name == "data") return ErrorKind::kDataException;
  if (name == "limit") return ErrorKind::kLimitExceeded;
  if (name == "canceled") return ErrorKind::kCanceled;
  return ErrorKind::kInternal;
}

// Recurses with live C++ objects on every level, then fails at the bottom.
void fail_at_depth(int depth, const std::string& kind) {
  Tracked guard_object;
  if (depth > 0) return fail_at_depth(depth - 1, kind);
  if (kind == "regex") observe::LabelMatcher(observe::MatchOp::kRegexMatch, "job", "(unclosed");
  if (kind == "std") throw std::runtime_error("a std::exception from the core");
  if (kind == "bad_alloc") throw std::bad_alloc();
  throw observe::Error(kind_from_name(kind), "selftest failure of kind " + kind, 3);
}

}  // namespace

// observe_selftest_throw(kind text, depth int, query text DEFAULT NULL) RETURNS void
OBSERVE_FUNCTION(observe_selftest_throw) {
  std::string kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
  int depth = PG_GETARG_INT32(1);
  if (!PG_ARGISNULL(2)) observe::pg::set_error_query(text_to_cstring(PG_GETARG_TEXT_PP(2)));
  fail_at_depth(depth, kind);
  PG_RETURN_VOID();
}

// observe_selftest_live_objects() RETURNS int
OBSERVE_FUNCTION(observe_selftest_live_objects) {
  (void)fcinfo;
  PG_RETURN_INT32(live_tracked_objects);
}

// observe_selftest_guarded_int4(input text) RETURNS int: parses input with int4in, a
// PostgreSQL function that ereports on bad input, while C++ objects are alive around the call.
OBSERVE_FUNCTION(observe_selftest_guarded_int4) {
  char* input = text_to_cstring(PG_GETARG_TEXT_PP(0));
  Tracked outer;
  std::vector<Tracked> more(3);
  int32 value = observe::pg::pg_guard(
      [input] { return DatumGetInt32(DirectFunctionCall1(int4in, CStringGetDatum(input))); });
  PG_RETURN_INT32(value + static_cast<int32>(more.size()) - 3);
}
