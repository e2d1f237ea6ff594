// libFuzzer target: the label parsers outside the query grammar. Any bytes as a series
// description (observe.labels(), the regression data loader): it parses to labels that print
// back and parse to the same labels, or fails with a valid UTF-8 message. The same bytes, cut
// in two, as a label matcher of each kind: the regex compiles or fails with Error, and the
// matcher answers for a few values.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/common/error.h"
#include "core/common/matcher.h"
#include "core/common/utf8.h"
#include "core/promql/parser.h"

using namespace observe;

static void check(bool ok) {
  if (!ok) std::abort();
}

// Labels::to_string writes names as they are: only legacy names print back parseable.
static bool legacy_name(const std::string& n, bool metric) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); i++) {
    char c = n[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

static void check_error(const Error& e) {
  check(valid_utf8(e.what()));
  check(escape_message(e.what()) == e.what());
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string_view data(reinterpret_cast<const char*>(bytes), size);
  try {
    Labels labels = promql::parse_series(data);
    bool printable = true;
    for (const auto& l : labels.items()) {
      check(!l.name.empty());
      printable &= l.name == "__name__" ? legacy_name(l.value, true) : legacy_name(l.name, false);
    }
    if (printable) check(promql::parse_series(labels.to_string()) == labels);
  } catch (const Error& e) {
    check_error(e);
  }

  if (size == 0) return 0;
  size_t cut = data.find('\0');
  std::string name(data.substr(1, cut == std::string_view::npos ? 0 : cut - 1));
  std::string value(cut == std::string_view::npos ? data.substr(1) : data.substr(cut + 1));
  auto op = static_cast<MatchOp>(static_cast<unsigned char>(data[0]) % 4);
  try {
    LabelMatcher m(op, name.empty() ? "job" : name, value);
    bool self = m.matches(value);
    if (op == MatchOp::kEqual) check(self);
    if (op == MatchOp::kNotEqual) check(!self);
    m.matches("");
    m.matches(data);
    check(!m.to_string().empty());
  } catch (const Error& e) {
    check_error(e);
  }
  return 0;
}
