// What `promtool check config` (Prometheus 2.42) checks beyond loading the file: rule files
// exist, credential and TLS client files exist (cert and key come together), file_sd target
// files parse, and every static or file_sd target survives PopulateLabels.
#pragma once

#include <string>
#include <vector>

#include "core/promconfig/config.h"

namespace observe::promconfig {

struct CheckResult {
  bool ok = true;
  std::string error;                 // promtool's FAILED reason (ours)
  std::vector<std::string> warnings;  // e.g. a file_sd file that does not exist
  PromConfig config;
};

// Loads `path` and runs promtool's checks. Never throws for a bad configuration.
CheckResult check_config_file(const std::string& path);

}  // namespace observe::promconfig
