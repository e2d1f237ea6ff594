#include "core/promconfig/check.h"

#include <sys/stat.h>

#include "core/common/utf8.h"
#include "core/promconfig/file_sd.h"
#include "core/promconfig/populate.h"

namespace observe::promconfig {
namespace {

bool exists(const std::string& path) {
  struct stat st;
  return path.empty() || ::stat(path.c_str(), &st) == 0;
}

void check_groups(const std::vector<TargetGroup>& groups, const ScrapeConfig& s) {
  for (const auto& g : groups) {
    auto r = targets_from_group(g, s);
    if (!r.failures.empty()) throw ConfigError(r.failures.front(), s.line);
  }
}

}  // namespace

CheckResult check_config_file(const std::string& path) {
  CheckResult r;
  try {
    r.config = load_config_file(path);
    // rule_files are not imported, so their existence is not checked here.
    for (const auto& s : r.config.scrape_configs) {
      if (s.authorization && !exists(s.authorization->credentials_file))
        throw ConfigError("error checking authorization credentials or bearer token file " +
                              quote_for_message(s.authorization->credentials_file) +
                              ": no such file or directory",
                          s.line);
      const TlsConfig& t = s.tls_config;
      if (!t.cert_file.empty() && t.key_file.empty())
        throw ConfigError("client cert file " + quote_for_message(t.cert_file) + " specified without client key file", s.line);
      if (!t.key_file.empty() && t.cert_file.empty())
        throw ConfigError("client key file " + quote_for_message(t.key_file) + " specified without client cert file", s.line);
      if (!exists(t.cert_file))
        throw ConfigError("error checking client cert file " + quote_for_message(t.cert_file), s.line);
      if (!exists(t.key_file))
        throw ConfigError("error checking client key file " + quote_for_message(t.key_file), s.line);
      for (const auto& f : s.file_sd_configs) {
        for (const auto& pattern : f.files) {
          auto files = glob_sd_files(pattern);
          if (files.empty()) {
            r.warnings.push_back("file " + quote_for_message(pattern) + " for file_sd in scrape job " +
                                 quote_for_message(s.job_name) + " does not exist");
            continue;
          }
          for (const auto& file : files) {
            // promtool's checkSDFile: no __meta_filepath, no group source.
            std::vector<TargetGroup> groups;
            try {
              groups = parse_sd_file(read_file_content(file), sd_format_of(file), "");
            } catch (const ConfigError& e) {
              throw ConfigError("checking SD file " + quote_for_message(pattern) + ": " + e.what(), f.line);
            }
            for (auto& g : groups) g.source.clear();
            check_groups(groups, s);
          }
        }
      }
      check_groups(s.static_configs, s);
    }
  } catch (const ConfigError& e) {
    r.ok = false;
    r.error = e.what();
  }
  return r;
}

}  // namespace observe::promconfig
