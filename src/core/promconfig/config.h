// prometheus.yml as Prometheus 2.42 reads it (config.Load with yaml.v2's strict mode): the
// `global` block and the `scrape_configs` we import. Keys Prometheus knows but we do not import
// are reported in `not_imported` with their lines; any other key is an error, as in Prometheus.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/error.h"
#include "core/common/labels.h"
#include "core/relabel/relabel.h"

namespace observe::promconfig {

// A configuration Prometheus would refuse: its message (Prometheus's wording where we know
// it) and the 1-based line of the YAML node it is about (0 when none). what() is
// "<context>line N: message", e.g. "parsing YAML file p.yml: line 4: job_name is empty".
class ConfigError : public Error {
 public:
  ConfigError(const std::string& message, int line, const std::string& context = "");
  const std::string& message() const { return message_; }
  int line() const { return line_; }

 private:
  std::string message_;
  int line_;
};

struct BasicAuth {
  std::string username;
  std::string password;
  std::string password_file;
};

struct Authorization {
  std::string type = "Bearer";  // trimmed; "" becomes Bearer as HTTPClientConfig.Validate does
  std::string credentials;
  std::string credentials_file;
};

struct TlsConfig {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;
  bool insecure_skip_verify = false;
};

// targetgroup.Group: each target is an __address__; labels apply to every target.
struct TargetGroup {
  std::vector<std::string> targets;
  // Labels of one target (DNS discovery's __meta_dns_*), index-aligned with targets; empty
  // for static and file groups. A target's own label wins over the group's.
  std::vector<std::map<std::string, std::string>> target_labels;
  std::map<std::string, std::string> labels;
  std::string source;  // "<file>:<index>" for file_sd, the index for static_configs, the name for DNS
};

struct FileSdConfig {
  std::vector<std::string> files;  // joined to the configuration's directory when relative
  int64_t refresh_interval_ms = 5 * 60 * 1000;
  int line = 0;
};

// dns_sd_configs (discovery/dns of 2.42): SRV records give host and port; A and AAAA records
// give addresses and need `port`.
struct DnsSdConfig {
  std::vector<std::string> names;
  int64_t refresh_interval_ms = 30 * 1000;
  std::string type = "SRV";  // as written; compared case-insensitively
  int64_t port = 0;
  int line = 0;
};

struct ScrapeConfig {
  std::string job_name;
  int64_t scrape_interval_ms = 0;  // global's when unset
  int64_t scrape_timeout_ms = 0;   // global's, or the interval when global's is longer
  std::string metrics_path = "/metrics";
  std::string scheme = "http";
  std::map<std::string, std::vector<std::string>> params;
  bool honor_labels = false;
  bool honor_timestamps = true;
  std::optional<BasicAuth> basic_auth;
  // Also set from bearer_token / bearer_token_file, as Prometheus converts them.
  std::optional<Authorization> authorization;
  TlsConfig tls_config;
  uint64_t sample_limit = 0;
  uint64_t label_limit = 0;
  uint64_t label_name_length_limit = 0;
  uint64_t label_value_length_limit = 0;
  uint64_t target_limit = 0;
  std::vector<TargetGroup> static_configs;
  std::vector<FileSdConfig> file_sd_configs;
  std::vector<DnsSdConfig> dns_sd_configs;
  std::vector<relabel::Config> relabel_configs;
  std::vector<relabel::Config> metric_relabel_configs;
  int line = 0;
};

struct GlobalConfig {
  int64_t scrape_interval_ms = 60 * 1000;
  int64_t scrape_timeout_ms = 10 * 1000;
  int64_t evaluation_interval_ms = 60 * 1000;
  Labels external_labels;
};

// A key Prometheus accepts that we leave aside, e.g. "scrape_configs[0].kubernetes_sd_configs".
struct NotImported {
  std::string path;
  int line;
};

struct PromConfig {
  GlobalConfig global;
  std::vector<ScrapeConfig> scrape_configs;
  std::vector<NotImported> not_imported;
};

// Parses prometheus.yml text. Relative file paths stay as written. Throws ConfigError.
PromConfig load_config(std::string_view yaml);

// Reads and parses a file; relative paths in it (file_sd files, password_file,
// credentials_file, TLS files) are joined to the file's directory, as Prometheus does.
PromConfig load_config_file(const std::string& path);

// Prometheus's config.JoinDir: `path` unchanged when empty or absolute, else dir/path cleaned.
std::string join_dir(const std::string& dir, const std::string& path);

}  // namespace observe::promconfig
