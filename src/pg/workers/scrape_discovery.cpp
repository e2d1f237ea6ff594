#include "pg/workers/scrape_discovery.h"

#include <sys/stat.h>

#include <set>

#include "core/promconfig/dns_sd.h"
#include "core/promconfig/duration.h"
#include "core/promconfig/file_sd.h"
#include "core/promconfig/populate.h"
#include "core/promconfig/target_request.h"
#include "pg/border/border.h"
#include "pg/module/guc.h"
#include "pg/workers/scrape_job_json.h"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/timestamp.h"
}

namespace observe::pg {

// One DNS query's longest wait (glibc tries twice): discovery runs in the scrape loop.
constexpr int kDnsTimeoutMs = 2000;

void ScrapeDiscovery::warn_once(const std::string& message) {
  warned_now_[message] = true;
  if (warned_.count(message)) return;
  pg_guard([&message] { ereport(WARNING, (errmsg("pg_observe scrape discovery: %s", message.c_str()))); });
}

// A file is parsed again only when its modification time or size changed; a file that no
// longer parses keeps its last good groups, as Prometheus's file discovery keeps them.
std::vector<promconfig::TargetGroup> ScrapeDiscovery::file_groups(const std::string& file) {
  used_files_.insert(file);
  struct stat st;
  CachedFile& cached = files_[file];
  if (::stat(file.c_str(), &st) != 0) return cached.groups;
  int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  if (mtime == cached.mtime_ns && st.st_size == cached.size) return cached.groups;
  try {
    cached.groups = promconfig::read_sd_file(file);
    cached.mtime_ns = mtime;
    cached.size = st.st_size;
  } catch (const Error& e) {
    warn_once("file_sd file " + file + ": " + e.what());
  }
  return cached.groups;
}

// A name is asked again once its refresh_interval has passed; an answer that fails keeps the
// name's last good targets (Prometheus's refresh keeps the previous groups on an error).
promconfig::TargetGroup ScrapeDiscovery::dns_group(const promconfig::DnsSdConfig& sd, const std::string& name,
                                                   int64_t now_ms) {
  const std::string key = promconfig::dns_record_type(sd.type) + " " + std::to_string(sd.port) + " " + name;
  used_dns_.insert(key);
  CachedDns& cached = dns_[key];
  if (cached.asked_ms >= 0 && now_ms - cached.asked_ms < sd.refresh_interval_ms) return cached.group;
  cached.asked_ms = now_ms;
  const std::string server = guc_scrape_dns_server != nullptr ? guc_scrape_dns_server : "";
  promconfig::DnsLookup found = promconfig::dns_lookup(name, promconfig::dns_query_type(sd.type), server, kDnsTimeoutMs);
  if (!found.error.empty()) {
    warn_once("dns_sd " + found.error);
    if (cached.group.source.empty()) cached.group.source = name;
    return cached.group;
  }
  cached.group = promconfig::dns_target_group(name, found.records, sd.port);
  return cached.group;
}

void ScrapeDiscovery::add_row(const std::string& job, const std::string& source,
                              const std::string& discovered, const std::string& labels,
                              const std::string& url, const std::string& error) {
  rows_json_ += (rows_json_.size() > 1 ? ", " : "");
  rows_json_ += "{\"job\": " + json_string(job) + ", \"source\": " + json_string(source) +
                ", \"discovered\": " + discovered + ", \"labels\": " + (labels.empty() ? "null" : labels) +
                ", \"url\": " + (url.empty() ? "null" : json_string(url)) +
                ", \"error\": " + (error.empty() ? "null" : json_string(error)) + "}";
}

void ScrapeDiscovery::discover_job(const ScrapeJobDocument& job, std::vector<ScrapeTargetConfig>* out) {
  promconfig::ScrapeConfig cfg;
  try {
    promconfig::PromConfig pc = promconfig::load_config(job.document);
    if (pc.scrape_configs.size() != 1) throw Error(ErrorKind::kInvalidParameter, "not one scrape config");
    cfg = std::move(pc.scrape_configs[0]);
  } catch (const Error& e) {
    // The row check makes this rare (a row stored by an older version, say): no targets.
    add_row(job.job, "", "{}", "", "", e.what());
    warn_once("job " + job.job + ": " + e.what());
    return;
  }
  std::vector<promconfig::TargetGroup> groups = cfg.static_configs;
  for (const auto& sd : cfg.file_sd_configs) {
    std::set<std::string> seen;
    for (const auto& pattern : sd.files)
      for (const auto& file : promconfig::glob_sd_files(pattern))
        if (seen.insert(file).second)
          for (auto& g : file_groups(file)) groups.push_back(std::move(g));
  }
  const int64_t now_ms = static_cast<int64_t>(GetCurrentTimestamp() / 1000);
  for (const auto& sd : cfg.dns_sd_configs)
    for (const auto& name : sd.names) groups.push_back(dns_group(sd, name, now_ms));
  std::vector<ScrapeTargetConfig> active;
  std::set<std::string> urls;
  const std::string auth = promconfig::authorization_header(cfg);
  for (const auto& group : groups) {
    promconfig::GroupTargets found = promconfig::targets_from_group(group, cfg);
    for (const auto& failure : found.failures) add_row(job.job, group.source, "{}", "", "", failure);
    for (const auto& t : found.targets) {
      if (t.dropped()) {
        add_row(job.job, group.source, labels_json(t.discovered), "", "", "");
        continue;
      }
      ScrapeTargetConfig c;
      c.job = cfg.job_name;
      c.url = promconfig::target_url(t.labels, cfg);
      add_row(job.job, group.source, labels_json(t.discovered), labels_json(t.labels), c.url, "");
      // Prometheus keys targets by labels and URL; the status table by URL: the first wins.
      if (!urls.insert(c.url).second) continue;
      c.interval_ms = promconfig::parse_duration(t.labels.get("__scrape_interval__"));
      c.timeout_ms = promconfig::parse_duration(t.labels.get("__scrape_timeout__"));
      c.labels = promconfig::public_labels(t.labels);
      c.labels_final = true;
      c.honor_labels = cfg.honor_labels;
      c.honor_timestamps = cfg.honor_timestamps;
      c.sample_limit = static_cast<int64_t>(cfg.sample_limit);
      c.label_limit = cfg.label_limit;
      c.label_name_length_limit = cfg.label_name_length_limit;
      c.label_value_length_limit = cfg.label_value_length_limit;
      c.metric_relabel = cfg.metric_relabel_configs;
      c.job_document = job.document;
      if (!auth.empty()) c.headers.push_back("Authorization: " + auth);
      c.tls_ca_file = cfg.tls_config.ca_file;
      c.tls_cert_file = cfg.tls_config.cert_file;
      c.tls_key_file = cfg.tls_config.key_file;
      c.tls_insecure_skip_verify = cfg.tls_config.insecure_skip_verify;
      active.push_back(std::move(c));
    }
  }
  // target_limit: every target of the job fails its scrapes (scrapePool.sync's forcedErr).
  if (cfg.target_limit > 0 && active.size() > cfg.target_limit) {
    std::string error = "target_limit exceeded (number of targets: " + std::to_string(active.size()) +
                        ", limit: " + std::to_string(cfg.target_limit) + ")";
    for (auto& c : active) c.forced_error = error;
  }
  for (auto& c : active) out->push_back(std::move(c));
}

void ScrapeDiscovery::discover(const std::vector<ScrapeJobDocument>& jobs, std::vector<ScrapeTargetConfig>* targets) {
  rows_json_ = "[";
  warned_now_.clear();
  for (const auto& job : jobs) discover_job(job, targets);
  rows_json_ += "]";
  warned_ = warned_now_;
  // Files no pattern names any more leave the cache.
  for (auto it = files_.begin(); it != files_.end();)
    it = used_files_.count(it->first) ? std::next(it) : files_.erase(it);
  used_files_.clear();
  for (auto it = dns_.begin(); it != dns_.end();)
    it = used_dns_.count(it->first) ? std::next(it) : dns_.erase(it);
  used_dns_.clear();
}

void ScrapeDiscovery::write() {
  const std::string& rows = rows_json_;
  pg_guard([&rows] {
    if (SPI_execute("DELETE FROM observe._scrape_discovered", false, 0) != SPI_OK_DELETE)
      elog(ERROR, "could not clear observe._scrape_discovered");
    Oid types[1] = {TEXTOID};
    Datum values[1] = {CStringGetTextDatum(rows.c_str())};
    if (SPI_execute_with_args(
            "INSERT INTO observe._scrape_discovered (job, source, discovered, labels, url, error) "
            "SELECT job, source, discovered, labels, url, error FROM jsonb_to_recordset($1::jsonb) "
            "AS r(job text, source text, discovered jsonb, labels jsonb, url text, error text)",
            1, types, values, nullptr, false, 0) != SPI_OK_INSERT)
      elog(ERROR, "could not write observe._scrape_discovered");
  });
  written_json_ = rows_json_;
}

}  // namespace observe::pg
