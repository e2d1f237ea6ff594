// rules_check FILE...: our rule-file validation printed as `promtool check rules` prints it
// (FAILED with one `FILE: message` line per error, or SUCCESS), exit 1 when a file is invalid.
// --promtool-2.42 first: refuse the group fields of later versions, as that promtool does.
// rules_check --slot GROUP FILE INTERVAL_NS NOW_NS: the evaluation slot (ns) Prometheus picks
// for that group at that time (prometheus_slots.py compares it with a real Prometheus).
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/rules/evaluator.h"
#include "core/rules/rule_file.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: rules_check FILE...\n";
    return 2;
  }
  if (std::string(argv[1]) == "--slot" && argc == 6) {
    std::cout << observe::rules::group_eval_timestamp_ns(argv[2], argv[3], std::stoll(argv[4]), std::stoll(argv[5]))
              << "\n";
    return 0;
  }
  int rc = 0;
  observe::rules::RuleFileOptions opts;
  int first = 1;
  if (std::string(argv[1]) == "--promtool-2.42") {
    opts.newer_group_fields = false;
    first = 2;
  }
  for (int i = first; i < argc; i++) {
    std::cout << "Checking " << argv[i] << "\n";
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::cerr << "  FAILED:\n" << argv[i] << ": cannot read\n";
      rc = 1;
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    observe::rules::RuleFile f;
    auto errors = observe::rules::check_rule_file(ss.str(), &f, opts);
    if (!errors.empty()) {
      std::cerr << "  FAILED:\n";
      for (const auto& e : errors) std::cerr << argv[i] << ": " << e << "\n";
      rc = 1;
      continue;
    }
    size_t n = 0;
    for (const auto& g : f.groups) n += g.rules.size();
    std::cout << "  SUCCESS: " << n << " rules found\n";
  }
  return rc;
}
