// The decoding follows Prometheus 2.42's UnmarshalYAML methods in order: fields first (a bad
// field is reported when it is read), then each type's own checks, then the checks of the
// whole file (job defaults, timeout <= interval, duplicate job names).
#include "core/promconfig/config.h"

#include <fstream>
#include <set>
#include <sstream>

#include <re2/re2.h>

#include "core/common/utf8.h"
#include "core/promconfig/dns_sd.h"
#include "core/promconfig/duration.h"
#include "core/promconfig/yaml_reader.h"
#include "core/relabel/go_text.h"

namespace observe::promconfig {
namespace {

using yaml::as_bool;
using yaml::as_string;
using yaml::as_string_list;
using yaml::as_int;
using yaml::as_uint;
using yaml::is_null;
using yaml::line_of;
using yaml::MapVisitor;
using yaml::visit_map;

// Keys of Prometheus 2.42's configuration we accept but do not import.
const std::set<std::string> kTopLevelElsewhere = {"alerting", "rule_files", "remote_write",
                                                  "remote_read", "storage", "tracing"};
const std::set<std::string> kScrapeElsewhere = {
    "body_size_limit", "oauth2", "proxy_url", "proxy_connect_header", "follow_redirects",
    "enable_http2",
    // the service discoveries of discovery/install in 2.42 but file, static and DNS
    "azure_sd_configs", "consul_sd_configs", "digitalocean_sd_configs", "docker_sd_configs",
    "dockerswarm_sd_configs", "ec2_sd_configs", "eureka_sd_configs",
    "gce_sd_configs", "hetzner_sd_configs", "http_sd_configs", "ionos_sd_configs",
    "kubernetes_sd_configs", "kuma_sd_configs", "lightsail_sd_configs", "linode_sd_configs",
    "marathon_sd_configs", "nerve_sd_configs", "nomad_sd_configs", "openstack_sd_configs",
    "ovhcloud_sd_configs", "puppetdb_sd_configs", "scaleway_sd_configs", "serverset_sd_configs",
    "triton_sd_configs", "uyuni_sd_configs", "vultr_sd_configs"};

int64_t read_duration(const YAML::Node& n) {
  if (is_null(n)) return 0;
  std::string s = as_string(n);
  try {
    return parse_duration(s);
  } catch (const Error& e) {
    throw ConfigError(e.what(), line_of(n));
  }
}

std::string read_label_name(const YAML::Node& n) {
  std::string s = as_string(n);
  if (!relabel::is_valid_label_name(s))
    throw ConfigError(quote_for_message(s) + " is not a valid label name", line_of(n));
  return s;
}

relabel::Config read_relabel(const YAML::Node& n) {
  relabel::Config c;
  visit_map(n, {"relabel.plain", [&](const std::string& key, const YAML::Node& v, int line) {
                  if (key == "source_labels") {
                    c.source_labels.clear();
                    c.source_labels_given = !is_null(v);
                    if (!is_null(v) && !v.IsSequence()) yaml::type_error(v, "model.LabelNames");
                    if (!is_null(v))
                      for (const auto& item : v) c.source_labels.push_back(read_label_name(item));
                  } else if (key == "separator") {
                    c.separator = as_string(v);
                  } else if (key == "regex") {
                    // null leaves Go's pointer nil, which becomes the empty regex.
                    c.regex_given = true;
                    try {
                      c.regex = std::make_shared<const relabel::Regex>(as_string(v));
                    } catch (const ConfigError&) {
                      throw;
                    } catch (const Error& e) {
                      throw ConfigError(e.what(), line_of(v, line));
                    }
                  } else if (key == "modulus") {
                    c.modulus = as_uint(v);
                  } else if (key == "target_label") {
                    c.target_label = as_string(v);
                  } else if (key == "replacement") {
                    c.replacement = as_string(v);
                  } else if (key == "action") {
                    if (is_null(v)) {
                      c.action = relabel::Action::kEmpty;
                    } else {
                      std::string s = as_string(v);
                      auto a = relabel::parse_action(s);
                      if (!a) throw ConfigError("unknown relabel action " + quote_for_message(s), line_of(v, line));
                      c.action = *a;
                    }
                  } else {
                    return false;
                  }
                  return true;
                }});
  std::string err = relabel::validate(c);
  if (!err.empty()) throw ConfigError(err, line_of(n));
  return c;
}

std::vector<relabel::Config> read_relabel_list(const YAML::Node& n, const char* null_message) {
  std::vector<relabel::Config> out;
  if (is_null(n)) return out;
  if (!n.IsSequence()) yaml::type_error(n, "[]*relabel.Config");
  std::vector<int> null_lines;
  for (const auto& item : n) {
    if (is_null(item)) {
      null_lines.push_back(line_of(item, line_of(n)));
      continue;
    }
    out.push_back(read_relabel(item));
  }
  // Prometheus checks for null rules after reading every field of the scrape config.
  if (!null_lines.empty()) throw ConfigError(null_message, null_lines.front());
  return out;
}

TargetGroup read_group(const YAML::Node& n) {
  TargetGroup g;
  visit_map(n, {"targetgroup.Group", [&](const std::string& key, const YAML::Node& v, int line) {
                  if (key == "targets") {
                    g.targets = as_string_list(v);
                  } else if (key == "labels") {
                    g.labels.clear();
                    visit_map(v, {"model.LabelSet", [&](const std::string&, const YAML::Node&, int) { return true; }});
                    if (!is_null(v))
                      for (const auto& kv : v) g.labels[read_label_name(kv.first)] = as_string(kv.second);
                    (void)line;
                  } else {
                    return false;
                  }
                  return true;
                }});
  return g;
}

FileSdConfig read_file_sd(const YAML::Node& n) {
  FileSdConfig c;
  c.line = line_of(n);
  visit_map(n, {"file.plain", [&](const std::string& key, const YAML::Node& v, int) {
                  if (key == "files") c.files = as_string_list(v);
                  else if (key == "refresh_interval") c.refresh_interval_ms = read_duration(v);
                  else return false;
                  return true;
                }});
  if (c.files.empty())
    throw ConfigError("file service discovery config must contain at least one path name", c.line);
  static const RE2 pattern(R"(^[^*]*(\*[^/]*)?\.(json|yml|yaml|JSON|YML|YAML)$)");
  for (const auto& f : c.files)
    if (!RE2::FullMatch(f, pattern))
      throw ConfigError("path name " + quote_for_message(f) + " is not valid for file discovery", c.line);
  return c;
}

DnsSdConfig read_dns_sd(const YAML::Node& n) {
  DnsSdConfig c;
  c.line = line_of(n);
  visit_map(n, {"dns.plain", [&](const std::string& key, const YAML::Node& v, int) {
                  if (key == "names") c.names = as_string_list(v);
                  else if (key == "refresh_interval") c.refresh_interval_ms = read_duration(v);
                  else if (key == "type") c.type = as_string(v);
                  else if (key == "port") c.port = as_int(v);
                  else return false;
                  return true;
                }});
  // SDConfig.UnmarshalYAML of discovery/dns, in its order.
  if (c.names.empty()) throw ConfigError("DNS-SD config must contain at least one SRV record name", c.line);
  std::string type = dns_record_type(c.type);
  if (type == "A" || type == "AAAA") {
    if (c.port == 0) throw ConfigError("a port is required in DNS-SD configs for all record types except SRV", c.line);
  } else if (type != "SRV") {
    throw ConfigError("invalid DNS-SD records type " + c.type, c.line);
  }
  return c;
}

TlsConfig read_tls(const YAML::Node& n, const std::string& path, std::vector<NotImported>& skipped) {
  TlsConfig t;
  visit_map(n, {"config.plain",
                [&](const std::string& key, const YAML::Node& v, int) {
                  if (key == "ca_file") t.ca_file = as_string(v);
                  else if (key == "cert_file") t.cert_file = as_string(v);
                  else if (key == "key_file") t.key_file = as_string(v);
                  else if (key == "server_name") t.server_name = as_string(v);
                  else if (key == "insecure_skip_verify") t.insecure_skip_verify = as_bool(v);
                  else return false;
                  return true;
                },
                [](const std::string& key) { return key == "min_version" || key == "max_version"; },
                [&](const std::string& key, int line) { skipped.push_back({path + "." + key, line}); }});
  return t;
}

// Every element of a list that must not be null, or Prometheus's "empty or null section".
template <typename F>
void read_sections(const YAML::Node& n, const std::string& name, F&& each) {
  if (is_null(n)) return;
  if (!n.IsSequence()) yaml::type_error(n, name);
  for (const auto& item : n) {
    if (is_null(item)) throw ConfigError("empty or null section in " + name, line_of(item, line_of(n)));
    each(item);
  }
}

std::string trim_space(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n\r\v\f");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\n\r\v\f");
  return s.substr(b, e - b + 1);
}

ScrapeConfig read_scrape(const YAML::Node& n, size_t index, std::vector<NotImported>& skipped) {
  ScrapeConfig c;
  c.line = line_of(n);
  const std::string path = "scrape_configs[" + std::to_string(index) + "]";
  std::string bearer_token, bearer_token_file;
  size_t static_groups = 0;
  std::vector<int> null_relabel, null_metric_relabel;
  visit_map(
      n,
      {"config.ScrapeConfig",
       [&](const std::string& key, const YAML::Node& v, int) {
         if (key == "job_name") c.job_name = as_string(v);
         else if (key == "honor_labels") c.honor_labels = as_bool(v);
         else if (key == "honor_timestamps") c.honor_timestamps = as_bool(v);
         else if (key == "scrape_interval") c.scrape_interval_ms = read_duration(v);
         else if (key == "scrape_timeout") c.scrape_timeout_ms = read_duration(v);
         else if (key == "metrics_path") c.metrics_path = as_string(v);
         else if (key == "scheme") c.scheme = as_string(v);
         else if (key == "sample_limit") c.sample_limit = as_uint(v);
         else if (key == "target_limit") c.target_limit = as_uint(v);
         else if (key == "label_limit") c.label_limit = as_uint(v);
         else if (key == "label_name_length_limit") c.label_name_length_limit = as_uint(v);
         else if (key == "label_value_length_limit") c.label_value_length_limit = as_uint(v);
         else if (key == "params") {
           c.params.clear();
           visit_map(v, {"url.Values", [](const std::string&, const YAML::Node&, int) { return true; }});
           if (!is_null(v))
             for (const auto& kv : v) c.params[as_string(kv.first)] = as_string_list(kv.second);
         } else if (key == "basic_auth") {
           if (is_null(v)) {
             c.basic_auth.reset();
             return true;
           }
           BasicAuth b;
           visit_map(v, {"config.BasicAuth", [&](const std::string& k, const YAML::Node& x, int) {
                           if (k == "username") b.username = as_string(x);
                           else if (k == "password") b.password = as_string(x);
                           else if (k == "password_file") b.password_file = as_string(x);
                           else return false;
                           return true;
                         }});
           c.basic_auth = b;
         } else if (key == "authorization") {
           if (is_null(v)) {
             c.authorization.reset();
             return true;
           }
           Authorization a;
           a.type.clear();
           visit_map(v, {"config.Authorization", [&](const std::string& k, const YAML::Node& x, int) {
                           if (k == "type") a.type = as_string(x);
                           else if (k == "credentials") a.credentials = as_string(x);
                           else if (k == "credentials_file") a.credentials_file = as_string(x);
                           else return false;
                           return true;
                         }});
           c.authorization = a;
         } else if (key == "bearer_token") bearer_token = as_string(v);
         else if (key == "bearer_token_file") bearer_token_file = as_string(v);
         else if (key == "tls_config") c.tls_config = read_tls(v, path + ".tls_config", skipped);
         else if (key == "static_configs") {
           c.static_configs.clear();
           read_sections(v, "static_configs", [&](const YAML::Node& g) {
             c.static_configs.push_back(read_group(g));
           });
         } else if (key == "file_sd_configs") {
           c.file_sd_configs.clear();
           read_sections(v, "file_sd_configs", [&](const YAML::Node& f) {
             c.file_sd_configs.push_back(read_file_sd(f));
           });
         } else if (key == "dns_sd_configs") {
           c.dns_sd_configs.clear();
           read_sections(v, "dns_sd_configs", [&](const YAML::Node& d) {
             c.dns_sd_configs.push_back(read_dns_sd(d));
           });
         } else if (key == "relabel_configs") {
           c.relabel_configs = read_relabel_list(v, "empty or null target relabeling rule in scrape config");
         } else if (key == "metric_relabel_configs") {
           c.metric_relabel_configs = read_relabel_list(v, "empty or null metric relabeling rule in scrape config");
         } else {
           return false;
         }
         return true;
       },
       [](const std::string& key) { return kScrapeElsewhere.count(key) > 0; },
       [&](const std::string& key, int line) { skipped.push_back({path + "." + key, line}); }});
  (void)static_groups;
  for (size_t i = 0; i < c.static_configs.size(); ++i) c.static_configs[i].source = std::to_string(i);

  if (c.job_name.empty()) throw ConfigError("job_name is empty", c.line);

  // HTTPClientConfig.Validate of prometheus/common 0.39 (oauth2 is not imported).
  if (!bearer_token.empty() && !bearer_token_file.empty())
    throw ConfigError("at most one of bearer_token & bearer_token_file must be configured", c.line);
  if (c.basic_auth && (!bearer_token.empty() || !bearer_token_file.empty()))
    throw ConfigError("at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured", c.line);
  if (c.basic_auth && !c.basic_auth->password.empty() && !c.basic_auth->password_file.empty())
    throw ConfigError("at most one of basic_auth password & password_file must be configured", c.line);
  if (c.authorization) {
    if (!bearer_token.empty() || !bearer_token_file.empty())
      throw ConfigError("authorization is not compatible with bearer_token & bearer_token_file", c.line);
    if (!c.authorization->credentials.empty() && !c.authorization->credentials_file.empty())
      throw ConfigError("at most one of authorization credentials & credentials_file must be configured", c.line);
    c.authorization->type = trim_space(c.authorization->type);
    if (c.authorization->type.empty()) c.authorization->type = "Bearer";
    if (relabel::go_to_lower(c.authorization->type) == "basic")
      throw ConfigError("authorization type cannot be set to \"basic\", use \"basic_auth\" instead", c.line);
    if (c.basic_auth)
      throw ConfigError("at most one of basic_auth, oauth2 & authorization must be configured", c.line);
  } else if (!bearer_token.empty()) {
    c.authorization = Authorization{"Bearer", bearer_token, ""};
  } else if (!bearer_token_file.empty()) {
    c.authorization = Authorization{"Bearer", "", bearer_token_file};
  }

  // checkStaticTargets: without relabeling, a static target must be a host[:port].
  if (c.relabel_configs.empty())
    for (const auto& g : c.static_configs)
      for (const auto& t : g.targets)
        if (t.find('/') != std::string::npos)
          throw ConfigError(quote_for_message(t) + " is not a valid hostname", c.line);
  return c;
}

GlobalConfig read_global(const YAML::Node& n, std::vector<NotImported>& skipped) {
  GlobalConfig g;
  g.scrape_interval_ms = g.scrape_timeout_ms = g.evaluation_interval_ms = 0;
  std::map<std::string, std::string> external;
  int external_line = line_of(n);
  visit_map(n, {"config.plain",
                [&](const std::string& key, const YAML::Node& v, int line) {
                  if (key == "scrape_interval") g.scrape_interval_ms = read_duration(v);
                  else if (key == "scrape_timeout") g.scrape_timeout_ms = read_duration(v);
                  else if (key == "evaluation_interval") g.evaluation_interval_ms = read_duration(v);
                  else if (key == "external_labels") {
                    external.clear();
                    external_line = line;
                    std::set<std::string> seen;
                    if (!is_null(v) && !v.IsMap()) yaml::type_error(v, "map[string]string");
                    if (!is_null(v))
                      for (const auto& kv : v) {
                        std::string name = as_string(kv.first);
                        if (!seen.insert(name).second)
                          throw ConfigError("key " + quote_for_message(name) + " already set in map", line_of(kv.first, line));
                        external[name] = as_string(kv.second);
                      }
                  } else {
                    return false;
                  }
                  return true;
                },
                [](const std::string& key) { return key == "query_log_file"; },
                [&](const std::string& key, int line) { skipped.push_back({"global." + key, line}); }});
  // labels.Validate: in name order, the first bad name or value.
  std::vector<Label> labels;
  for (const auto& [name, value] : external) {
    if (!relabel::is_valid_label_name(name))
      throw ConfigError(quote_for_message(name) + " is not a valid label name", external_line);
    if (!valid_utf8(value))
      throw ConfigError(quote_for_message(value) + " is not a valid label value", external_line);
    labels.push_back({name, value});
  }
  g.external_labels = Labels(std::move(labels));
  const GlobalConfig defaults;
  if (g.scrape_interval_ms == 0) g.scrape_interval_ms = defaults.scrape_interval_ms;
  if (g.scrape_timeout_ms > g.scrape_interval_ms)
    throw ConfigError("global scrape timeout greater than scrape interval", line_of(n));
  if (g.scrape_timeout_ms == 0)
    g.scrape_timeout_ms = std::min(defaults.scrape_timeout_ms, g.scrape_interval_ms);
  if (g.evaluation_interval_ms == 0) g.evaluation_interval_ms = defaults.evaluation_interval_ms;
  return g;
}

PromConfig read_config(const YAML::Node& root) {
  PromConfig cfg;
  YAML::Node scrape_node;
  visit_map(root, {"config.plain",
                   [&](const std::string& key, const YAML::Node& v, int) {
                     if (key == "global") cfg.global = read_global(v, cfg.not_imported);
                     else if (key == "scrape_configs") scrape_node = v;
                     else return false;
                     return true;
                   },
                   [](const std::string& key) { return kTopLevelElsewhere.count(key) > 0; },
                   [&](const std::string& key, int line) { cfg.not_imported.push_back({key, line}); }});
  // Scrape configs are read after global here, as the file order does not matter to the
  // checks below; a field error inside one is reported either way.
  if (!is_null(scrape_node)) {
    if (!scrape_node.IsSequence()) yaml::type_error(scrape_node, "[]*config.ScrapeConfig");
    std::vector<int> null_lines;
    size_t i = 0;
    for (const auto& item : scrape_node) {
      if (is_null(item)) {
        cfg.scrape_configs.emplace_back();
        cfg.scrape_configs.back().line = -line_of(item, line_of(scrape_node));  // marks the null
      } else {
        cfg.scrape_configs.push_back(read_scrape(item, i, cfg.not_imported));
      }
      ++i;
    }
  }
  std::set<std::string> jobs;
  for (auto& s : cfg.scrape_configs) {
    if (s.line < 0) throw ConfigError("empty or null scrape config section", -s.line);
    if (s.scrape_interval_ms == 0) s.scrape_interval_ms = cfg.global.scrape_interval_ms;
    if (s.scrape_timeout_ms > s.scrape_interval_ms)
      throw ConfigError("scrape timeout greater than scrape interval for scrape config with job name " +
                            quote_for_message(s.job_name),
                        s.line);
    if (s.scrape_timeout_ms == 0)
      s.scrape_timeout_ms = std::min(cfg.global.scrape_timeout_ms, s.scrape_interval_ms);
    if (!jobs.insert(s.job_name).second)
      throw ConfigError("found multiple scrape configs with job name " + quote_for_message(s.job_name), s.line);
  }
  return cfg;
}

std::string clean_path(const std::string& p) {
  // filepath.Clean for the joined paths we build: drop "." parts and resolve "..".
  bool absolute = !p.empty() && p[0] == '/';
  std::vector<std::string> parts;
  std::stringstream ss(p);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
    } else if (part == ".." && absolute) {
      continue;
    } else {
      parts.push_back(part);
    }
  }
  std::string out = absolute ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  return out.empty() ? "." : out;
}

}  // namespace

ConfigError::ConfigError(const std::string& message, int line, const std::string& context)
    : Error(ErrorKind::kInvalidParameter,
            context + (line > 0 ? "line " + std::to_string(line) + ": " : "") + message),
      message_(message),
      line_(line) {}

std::string join_dir(const std::string& dir, const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  return clean_path(dir + "/" + path);
}

PromConfig load_config(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw ConfigError("yaml: " + e.msg, e.mark.line >= 0 ? e.mark.line + 1 : 0);
  }
  try {
    yaml::DecodeBudget budget(text.size());
    return read_config(root);
  } catch (const YAML::Exception& e) {
    throw ConfigError("yaml: " + e.msg, e.mark.line >= 0 ? e.mark.line + 1 : 0);
  }
}

PromConfig load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("open " + path + ": no such file or directory", 0);
  std::stringstream buf;
  buf << in.rdbuf();
  PromConfig cfg;
  try {
    cfg = load_config(buf.str());
  } catch (const ConfigError& e) {
    throw ConfigError(e.message(), e.line(), "parsing YAML file " + path + ": ");
  }
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  for (auto& s : cfg.scrape_configs) {
    for (auto& f : s.file_sd_configs)
      for (auto& file : f.files) file = join_dir(dir, file);
    if (s.basic_auth) s.basic_auth->password_file = join_dir(dir, s.basic_auth->password_file);
    if (s.authorization) s.authorization->credentials_file = join_dir(dir, s.authorization->credentials_file);
    s.tls_config.ca_file = join_dir(dir, s.tls_config.ca_file);
    s.tls_config.cert_file = join_dir(dir, s.tls_config.cert_file);
    s.tls_config.key_file = join_dir(dir, s.tls_config.key_file);
  }
  return cfg;
}

}  // namespace observe::promconfig
