// promconfig_check FILE: our loader and promtool's extra checks on one prometheus.yml, printed
// the way `promtool check config` prints (FAILED / WARNING / SUCCESS), then the effective
// settings of each job, one line each, for the differential test (promtool_diff.py).
#include <cstdio>
#include <iostream>
#include <set>

#include "core/promconfig/check.h"
#include "core/promconfig/duration.h"
#include "core/promconfig/file_sd.h"
#include "core/promconfig/populate.h"

using namespace observe::promconfig;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: promconfig_check prometheus.yml\n";
    return 2;
  }
  CheckResult r = check_config_file(argv[1]);
  if (!r.ok) {
    std::cerr << "  FAILED: " << r.error << "\n";
    return 1;
  }
  for (const auto& w : r.warnings) std::cout << "  WARNING: " << w << "\n";
  std::cout << " SUCCESS: " << argv[1] << " is valid prometheus config file syntax\n";
  const auto& g = r.config.global;
  std::cout << "global scrape_interval=" << format_duration(g.scrape_interval_ms)
            << " scrape_timeout=" << format_duration(g.scrape_timeout_ms)
            << " evaluation_interval=" << format_duration(g.evaluation_interval_ms)
            << " external_labels=" << g.external_labels.to_string() << "\n";
  for (const auto& s : r.config.scrape_configs) {
    std::cout << "job " << s.job_name << " scrape_interval=" << format_duration(s.scrape_interval_ms)
              << " scrape_timeout=" << format_duration(s.scrape_timeout_ms) << " metrics_path=" << s.metrics_path
              << " scheme=" << s.scheme << " honor_labels=" << (s.honor_labels ? "true" : "false")
              << " honor_timestamps=" << (s.honor_timestamps ? "true" : "false") << " sample_limit=" << s.sample_limit
              << " label_limit=" << s.label_limit << " label_name_length_limit=" << s.label_name_length_limit
              << " label_value_length_limit=" << s.label_value_length_limit << " target_limit=" << s.target_limit
              << " relabel_rules=" << s.relabel_configs.size()
              << " sd=" << s.static_configs.size() + s.file_sd_configs.size() << "\n";
    // Targets as Prometheus's /api/v1/targets lists them: static groups, then file_sd files.
    std::vector<TargetGroup> groups = s.static_configs;
    for (const auto& f : s.file_sd_configs)
      for (const auto& pattern : f.files)
        for (const auto& file : glob_sd_files(pattern)) {
          try {
            for (auto& tg : read_sd_file(file)) groups.push_back(tg);
          } catch (const ConfigError& e) {
            std::cout << "sd_error " << s.job_name << " " << e.what() << "\n";
          }
        }
    // The scrape pool keeps one target per label set (its hash); dropped ones are all listed.
    std::set<std::string> active;
    for (const auto& tg : groups) {
      auto t = targets_from_group(tg, s);
      for (const auto& target : t.targets) {
        if (!target.dropped() && !active.insert(target.labels.to_string()).second) continue;
        if (target.dropped())
          std::cout << "dropped " << s.job_name << " " << target.discovered.to_string() << "\n";
        else
          std::cout << "target " << s.job_name << " " << public_labels(target.labels).to_string() << "\n"
                    << "discovered " << s.job_name << " " << target.discovered.to_string() << "\n";
      }
    }
  }
  for (const auto& n : r.config.not_imported) std::cout << "not_imported " << n.path << " line " << n.line << "\n";
  return 0;
}
