// libFuzzer target: any bytes as a PromQL query. A SyntaxError or Error is the expected answer
// to garbage (with a position inside the query and a valid UTF-8 message); a query that parses
// prints back to text that parses to the same text, and evaluates (instant and range) on a
// small store or fails with Error. Anything else escaping, a sanitizer report, a timeout or a
// broken invariant is a bug.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/promql/engine.h"
#include "core/promql/memory_storage.h"
#include "core/promql/parser.h"
#include "core/promql/printer.h"

using namespace observe;
using namespace observe::promql;

static void check(bool ok) {
  if (!ok) std::abort();
}

static void check_error(const Error& e, size_t size) {
  check(valid_utf8(e.what()));
  check(escape_message(e.what()) == e.what());  // no control characters either
  check(e.position() <= static_cast<int>(size));
}

static MemoryStorage& store() {
  static MemoryStorage* st = [] {
    auto* s = new MemoryStorage();
    const char* series[] = {"m{job=\"a\"}", "m{job=\"b\",src=\"host-1\"}", "n_total{job=\"a\"}",
                            "h_bucket{le=\"0.1\"}", "h_bucket{le=\"1\"}", "h_bucket{le=\"+Inf\"}"};
    int k = 0;
    for (const char* text : series) {
      Labels l = parse_series(text);
      for (int i = 0; i < 40; i++) s->add(l, i * 15000, (i * 7 + k) % 11);
      k++;
    }
    return s;
  }();
  return *st;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string query(reinterpret_cast<const char*>(bytes), size);
  NodePtr n;
  try {
    n = parse_expr(query);
  } catch (const Error& e) {
    check_error(e, size);
    return 0;
  }
  std::string printed = to_string(*n);
  try {
    check(to_string(*parse_expr(printed)) == printed);
  } catch (const Error&) {
    std::abort();  // what the printer wrote must parse
  }
  // Bounded work per input: few samples, and a deadline through the interrupt hook.
  EngineOptions opts;
  opts.max_samples = 20000;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  opts.interrupted = [deadline] { return std::chrono::steady_clock::now() > deadline; };
  try {
    instant_query(store(), n, 300000, opts);
  } catch (const Error& e) {
    check_error(e, size);
  }
  try {
    range_query(store(), n, 0, 600000, 45000, opts);
  } catch (const Error& e) {
    check_error(e, size);
  }
  return 0;
}
