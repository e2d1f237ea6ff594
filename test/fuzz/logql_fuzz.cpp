// libFuzzer target for the LogQL parser and the pipeline: any input either fails with a
// SyntaxError / Error or parses; a parsed query then runs against a small in-memory store
// (log queries and metric queries at one instant), which must also end normally or with an
// observe::Error. Anything else (crash, other exception, sanitizer report) is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/common/error.h"
#include "core/logql/engine.h"
#include "core/logql/parser.h"

using namespace observe;
using namespace observe::logql;

namespace {

MemoryLogStore& store() {
  static MemoryLogStore* s = [] {
    auto* st = new MemoryLogStore();
    const int64_t sec = 1000000000;
    st->append({{"app", "a"}, {"env", "prod"}}, 10 * sec, R"({"level":"error","status":500,"user":{"id":"u1"},"tags":["x"]})");
    st->append({{"app", "a"}, {"env", "prod"}}, 20 * sec, "level=info status=200 took=1.5s size=2KB addr=10.0.0.1");
    st->append({{"app", "b"}}, 30 * sec, "GET /api/v1 200 \x1b[31mred\x1b[0m 192.168.1.5", Labels{{"trace", "t1"}});
    st->append({{"app", "b"}}, 40 * sec, R"({"_entry":"code=42","lvl":"warn"})");
    return st;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string q(reinterpret_cast<const char*>(data), size);
  Query parsed;
  try {
    parsed = parse_query(q);
  } catch (const SyntaxError&) {
    return 0;
  }
  EngineOptions opts;
  opts.promql.max_samples = 100000;
  opts.limits.max_series = 1000;
  try {
    if (parsed.is_log) {
      log_query(store(), parsed, 0, 100 * 1000000000LL, 50, Direction::kBackward, opts);
    } else {
      instant_query(store(), parsed, 60000, opts);
    }
  } catch (const Error&) {
  }
  return 0;
}
