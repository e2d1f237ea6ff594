// observe.load_rule_file(content, file, language) and observe.rule_file(group): Prometheus (and
// Loki) rule files into and out of observe.rule_groups / observe.rules, with the caller's
// privileges on them.
#include "core/common/error.h"
#include "core/rules/rule_file.h"
#include "core/rules/rule_file_format.h"
#include "pg/border/border.h"
#include "pg/rules/rule_store.h"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
}

namespace {

// promtool check rules' messages, one a line as it prints them after the file name.
std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += (out.empty() ? "" : "\n") + e;
  return out;
}

struct SpiConnection {
  SpiConnection() {
    observe::pg::pg_guard([] {
      if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    });
  }
  // An error unwinding past here aborts the transaction, and the abort closes SPI.
  void finish() {
    observe::pg::pg_guard([] { SPI_finish(); });
  }
};

}  // namespace

OBSERVE_FUNCTION(observe_load_rule_file) {
  std::string content = text_to_cstring(PG_GETARG_TEXT_PP(0));
  std::string file = text_to_cstring(PG_GETARG_TEXT_PP(1));
  std::string language = text_to_cstring(PG_GETARG_TEXT_PP(2));
  observe::rules::RuleFileOptions opts;
  if (language == "logql") {
    opts.language = observe::rules::QueryLanguage::kLogQL;
  } else if (language != "promql") {
    throw observe::Error(observe::ErrorKind::kInvalidParameter,
                         "language must be promql (a Prometheus rule file) or logql (a Loki rule file)");
  }
  observe::rules::RuleFile parsed;
  std::vector<std::string> errors = observe::rules::check_rule_file(content, &parsed, opts);
  if (!errors.empty())
    throw observe::Error(observe::ErrorKind::kInvalidParameter, "invalid rule file: " + joined(errors));
  SpiConnection spi;
  int32 rules = 0;
  for (const auto& g : parsed.groups) {
    observe::pg::write_rule_group(g, file);
    rules += static_cast<int32>(g.rules.size());
  }
  spi.finish();
  PG_RETURN_INT32(rules);
}

OBSERVE_FUNCTION(observe_rule_file) {
  std::string only = PG_ARGISNULL(0) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(0));
  SpiConnection spi;
  auto stored = observe::pg::read_rule_groups(PG_ARGISNULL(0) ? nullptr : only.c_str());
  spi.finish();
  if (!PG_ARGISNULL(0) && stored.empty())
    throw observe::Error(observe::ErrorKind::kInvalidParameter, "rule group \"" + only + "\" does not exist");
  observe::rules::RuleFile file;
  for (auto& s : stored) file.groups.push_back(std::move(s.group));
  std::string yaml = observe::rules::format_rule_file(file);
  return observe::pg::pg_guard([&] { return PointerGetDatum(cstring_to_text_with_len(yaml.data(), yaml.size())); });
}
