// Target discovery for the jobs of observe.scrape_jobs, as Prometheus's discovery manager and
// scrape pool do it: static_configs, file_sd_configs (files re-read when they change) and
// dns_sd_configs groups (names asked again every refresh_interval), relabel_configs through PopulateLabels, the scrape URL, target_limit. What it found
// (dropped targets included) goes to observe._scrape_discovered when it changes.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/promconfig/config.h"
#include "pg/workers/scrape_config.h"

namespace observe::pg {

class ScrapeDiscovery {
 public:
  // No transaction needed (reads files, asks DNS). Appends the targets to scrape to *targets.
  void discover(const std::vector<ScrapeJobDocument>& jobs, std::vector<ScrapeTargetConfig>* targets);
  // True when the last discover() found another set of targets than the last one written.
  bool changed() const { return rows_json_ != written_json_; }
  // Inside a transaction (run_in_transaction): replaces observe._scrape_discovered.
  void write();

 private:
  struct CachedFile {
    int64_t mtime_ns = -1;
    int64_t size = -1;
    std::vector<promconfig::TargetGroup> groups;
  };
  // A name's last good DNS answer and when it was asked (refresh_interval apart).
  struct CachedDns {
    int64_t asked_ms = -1;
    promconfig::TargetGroup group;
  };
  std::vector<promconfig::TargetGroup> file_groups(const std::string& file);
  promconfig::TargetGroup dns_group(const promconfig::DnsSdConfig& sd, const std::string& name, int64_t now_ms);
  void discover_job(const ScrapeJobDocument& job, std::vector<ScrapeTargetConfig>* targets);
  void add_row(const std::string& job, const std::string& source, const std::string& discovered,
               const std::string& labels, const std::string& url, const std::string& error);
  void warn_once(const std::string& message);

  std::map<std::string, CachedFile> files_;  // by file name: the last good parse
  std::set<std::string> used_files_;         // the files of this discover()
  std::map<std::string, CachedDns> dns_;     // by type, port and name
  std::set<std::string> used_dns_;
  std::map<std::string, bool> warned_;       // messages logged (each once while it lasts)
  std::map<std::string, bool> warned_now_;
  std::string rows_json_;
  std::string written_json_;  // "" until the first write: rows left by an earlier run go
};

}  // namespace observe::pg
