// rules_test FILE...: our `promtool test rules`: each unit-test file's report printed as
// promtool prints it; exit 1 when any file fails.
#include <iostream>

#include "core/rules/unit_test_file.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: rules_test FILE...\n";
    return 2;
  }
  bool failed = false;
  for (int i = 1; i < argc; i++) {
    auto rep = observe::rules::run_rule_unit_test_file(argv[i]);
    std::cout << rep.output << "\n";
    failed |= !rep.ok;
  }
  return failed ? 1 : 0;
}
