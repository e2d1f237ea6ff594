#include "pg/workers/scrape_job_json.h"

#include <cstdio>

#include "core/common/utf8.h"

namespace observe::pg {
namespace {

std::string ms_interval(int64_t ms) { return json_string(std::to_string(ms) + " milliseconds"); }

std::string string_array(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); i++) out += (i ? ", " : "") + json_string(v[i]);
  return out + "]";
}

std::string map_json(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    out += (first ? "" : ", ") + json_string(k) + ": " + json_string(v);
    first = false;
  }
  return out + "}";
}

std::string nullable(const std::string& s, bool present) { return present ? json_string(s) : "null"; }

// A rule in prometheus.yml's field names. The regex only when it was given: keepequal and
// dropequal refuse any regex key, and the default is `(.*)` anyway.
std::string relabel_json(const relabel::Config& r) {
  std::string out = "{";
  if (r.source_labels_given || !r.source_labels.empty())
    out += "\"source_labels\": " + string_array(r.source_labels) + ", ";
  out += "\"separator\": " + json_string(r.separator) + ", ";
  if (r.regex_given) out += "\"regex\": " + json_string(r.regex->source()) + ", ";
  if (r.modulus != 0) out += "\"modulus\": " + std::to_string(r.modulus) + ", ";
  if (!r.target_label.empty()) out += "\"target_label\": " + json_string(r.target_label) + ", ";
  out += "\"replacement\": " + json_string(r.replacement) + ", ";
  out += "\"action\": " + json_string(std::string(relabel::action_name(r.action))) + "}";
  return out;
}

std::string relabel_array(const std::vector<relabel::Config>& rules) {
  std::string out = "[";
  for (size_t i = 0; i < rules.size(); i++) out += (i ? ", " : "") + relabel_json(rules[i]);
  return out + "]";
}

// Prometheus's duration text for a refresh_interval (model.Duration.String is not needed:
// ParseDuration reads milliseconds).
std::string ms_duration(int64_t ms) { return json_string(std::to_string(ms) + "ms"); }

}  // namespace

std::string json_string(std::string_view s) {
  std::string valid = valid_utf8(s) ? std::string(s) : to_valid_utf8(s);
  std::string out = "\"";
  for (unsigned char c : valid) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c == 0) {
          out += "\\ufffd";  // jsonb holds no NUL
        } else if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

std::string labels_json(const Labels& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.items().size(); i++) {
    const auto& l = labels.items()[i];
    out += (i ? ", " : "") + json_string(l.name) + ": " + json_string(l.value);
  }
  return out + "}";
}

std::string scrape_job_row_json(const promconfig::ScrapeConfig& c) {
  std::string o = "{";
  auto field = [&o](const char* name, const std::string& json) {
    if (o.size() > 1) o += ", ";
    o += "\"" + std::string(name) + "\": " + json;
  };
  field("job_name", json_string(c.job_name));
  field("scrape_interval", ms_interval(c.scrape_interval_ms));
  field("scrape_timeout", ms_interval(c.scrape_timeout_ms));
  field("metrics_path", json_string(c.metrics_path));
  field("scheme", json_string(c.scheme));
  std::string params = "{";
  for (const auto& [k, v] : c.params) params += (params.size() > 1 ? ", " : "") + json_string(k) + ": " + string_array(v);
  field("params", params + "}");
  field("honor_labels", c.honor_labels ? "true" : "false");
  field("honor_timestamps", c.honor_timestamps ? "true" : "false");
  field("basic_auth_username", nullable(c.basic_auth ? c.basic_auth->username : "", c.basic_auth.has_value()));
  field("basic_auth_password", nullable(c.basic_auth ? c.basic_auth->password : "",
                                        c.basic_auth && !c.basic_auth->password.empty()));
  field("authorization_type", nullable(c.authorization ? c.authorization->type : "", c.authorization.has_value()));
  field("authorization_credentials",
        nullable(c.authorization ? c.authorization->credentials : "",
                 c.authorization && !c.authorization->credentials.empty()));
  field("tls_ca_file", nullable(c.tls_config.ca_file, !c.tls_config.ca_file.empty()));
  field("tls_cert_file", nullable(c.tls_config.cert_file, !c.tls_config.cert_file.empty()));
  field("tls_key_file", nullable(c.tls_config.key_file, !c.tls_config.key_file.empty()));
  field("tls_insecure_skip_verify", c.tls_config.insecure_skip_verify ? "true" : "false");
  field("sample_limit", std::to_string(c.sample_limit));
  field("label_limit", std::to_string(c.label_limit));
  field("label_name_length_limit", std::to_string(c.label_name_length_limit));
  field("label_value_length_limit", std::to_string(c.label_value_length_limit));
  field("target_limit", std::to_string(c.target_limit));
  std::string statics = "[";
  for (size_t i = 0; i < c.static_configs.size(); i++) {
    const auto& g = c.static_configs[i];
    statics += std::string(i ? ", " : "") + "{\"targets\": " + string_array(g.targets);
    if (!g.labels.empty()) statics += ", \"labels\": " + map_json(g.labels);
    statics += "}";
  }
  field("static_configs", statics + "]");
  std::string files = "[";
  for (size_t i = 0; i < c.file_sd_configs.size(); i++) {
    const auto& f = c.file_sd_configs[i];
    files += std::string(i ? ", " : "") + "{\"files\": " + string_array(f.files) +
             ", \"refresh_interval\": " + ms_duration(f.refresh_interval_ms) + "}";
  }
  field("file_sd_configs", files + "]");
  std::string dns = "[";
  for (size_t i = 0; i < c.dns_sd_configs.size(); i++) {
    const auto& d = c.dns_sd_configs[i];
    dns += std::string(i ? ", " : "") + "{\"names\": " + string_array(d.names) + ", \"type\": " + json_string(d.type) +
           ", \"port\": " + std::to_string(d.port) + ", \"refresh_interval\": " + ms_duration(d.refresh_interval_ms) + "}";
  }
  field("dns_sd_configs", dns + "]");
  field("relabel_configs", relabel_array(c.relabel_configs));
  field("metric_relabel_configs", relabel_array(c.metric_relabel_configs));
  field("enabled", "true");
  return o + "}";
}

std::string scrape_global_json(const promconfig::GlobalConfig& g) {
  return "{\"singleton\": true, \"scrape_interval\": " + ms_interval(g.scrape_interval_ms) +
         ", \"scrape_timeout\": " + ms_interval(g.scrape_timeout_ms) +
         ", \"evaluation_interval\": " + ms_interval(g.evaluation_interval_ms) +
         ", \"external_labels\": " + labels_json(g.external_labels) + "}";
}

}  // namespace observe::pg
