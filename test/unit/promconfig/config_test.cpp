#include <gtest/gtest.h>

#include "core/promconfig/config.h"

namespace observe::promconfig {
namespace {

std::string load_error(const std::string& yaml) {
  try {
    load_config(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(PromConfig, DefaultsFromGlobal) {
  auto cfg = load_config(R"(
global:
  scrape_interval: 15s
  evaluation_interval: 30s
  external_labels:
    region: eu
    dc: fra1
scrape_configs:
  - job_name: a
  - job_name: b
    scrape_interval: 5s
  - job_name: c
    scrape_interval: 1m
    scrape_timeout: 20s
    metrics_path: /probe
    scheme: https
    honor_labels: yes
    honor_timestamps: false
    params:
      module: [http_2xx]
    sample_limit: 1000
    label_limit: 30
    label_name_length_limit: 100
    label_value_length_limit: 200
    target_limit: 0x10
)");
  EXPECT_EQ(cfg.global.scrape_interval_ms, 15000);
  EXPECT_EQ(cfg.global.scrape_timeout_ms, 10000);
  EXPECT_EQ(cfg.global.evaluation_interval_ms, 30000);
  EXPECT_EQ(cfg.global.external_labels.to_string(), "{dc=\"fra1\", region=\"eu\"}");
  ASSERT_EQ(cfg.scrape_configs.size(), 3u);
  const auto& a = cfg.scrape_configs[0];
  EXPECT_EQ(a.scrape_interval_ms, 15000);
  EXPECT_EQ(a.scrape_timeout_ms, 10000);
  EXPECT_EQ(a.metrics_path, "/metrics");
  EXPECT_EQ(a.scheme, "http");
  EXPECT_TRUE(a.honor_timestamps);
  EXPECT_FALSE(a.honor_labels);
  EXPECT_EQ(a.line, 9);
  // The global timeout is longer than this job's interval: the interval is its timeout.
  EXPECT_EQ(cfg.scrape_configs[1].scrape_timeout_ms, 5000);
  const auto& c = cfg.scrape_configs[2];
  EXPECT_EQ(c.scrape_timeout_ms, 20000);
  EXPECT_EQ(c.metrics_path, "/probe");
  EXPECT_EQ(c.scheme, "https");
  EXPECT_TRUE(c.honor_labels);
  EXPECT_FALSE(c.honor_timestamps);
  EXPECT_EQ(c.params.at("module"), std::vector<std::string>{"http_2xx"});
  EXPECT_EQ(c.sample_limit, 1000u);
  EXPECT_EQ(c.label_limit, 30u);
  EXPECT_EQ(c.label_name_length_limit, 100u);
  EXPECT_EQ(c.label_value_length_limit, 200u);
  EXPECT_EQ(c.target_limit, 16u);
}

TEST(PromConfig, EmptyFileIsTheDefaults) {
  auto cfg = load_config("");
  EXPECT_EQ(cfg.global.scrape_interval_ms, 60000);
  EXPECT_EQ(cfg.global.scrape_timeout_ms, 10000);
  EXPECT_TRUE(cfg.scrape_configs.empty());
  // A global interval under 10s lowers the global timeout with it.
  EXPECT_EQ(load_config("global: {scrape_interval: 5s}").global.scrape_timeout_ms, 5000);
}

TEST(PromConfig, AuthTlsAndTargets) {
  auto cfg = load_config(R"(
scrape_configs:
  - job_name: secure
    basic_auth:
      username: u
      password_file: /etc/p
    tls_config:
      ca_file: ca.pem
      cert_file: c.pem
      key_file: k.pem
      server_name: example
      insecure_skip_verify: true
      min_version: TLS12
    static_configs:
      - targets: ['127.0.0.1:9100', 'localhost:9090']
        labels: {env: prod}
      - targets: []
    file_sd_configs:
      - files: [targets/*.json]
        refresh_interval: 30s
  - job_name: token
    bearer_token: abc
  - job_name: authz
    authorization:
      type: '  Custom '
      credentials_file: /c
)");
  const auto& s = cfg.scrape_configs[0];
  ASSERT_TRUE(s.basic_auth);
  EXPECT_EQ(s.basic_auth->username, "u");
  EXPECT_EQ(s.basic_auth->password_file, "/etc/p");
  EXPECT_EQ(s.tls_config.server_name, "example");
  EXPECT_TRUE(s.tls_config.insecure_skip_verify);
  ASSERT_EQ(s.static_configs.size(), 2u);
  EXPECT_EQ(s.static_configs[0].targets.size(), 2u);
  EXPECT_EQ(s.static_configs[0].labels.at("env"), "prod");
  EXPECT_EQ(s.static_configs[1].source, "1");
  ASSERT_EQ(s.file_sd_configs.size(), 1u);
  EXPECT_EQ(s.file_sd_configs[0].refresh_interval_ms, 30000);
  ASSERT_TRUE(cfg.scrape_configs[1].authorization);
  EXPECT_EQ(cfg.scrape_configs[1].authorization->type, "Bearer");
  EXPECT_EQ(cfg.scrape_configs[1].authorization->credentials, "abc");
  EXPECT_EQ(cfg.scrape_configs[2].authorization->type, "Custom");
  ASSERT_EQ(cfg.not_imported.size(), 1u);
  EXPECT_EQ(cfg.not_imported[0].path, "scrape_configs[0].tls_config.min_version");
  EXPECT_EQ(cfg.not_imported[0].line, 13);
}

TEST(PromConfig, NotImportedKeysWithLines) {
  auto cfg = load_config(R"(global:
  query_log_file: q.log
rule_files: [a.yml]
alerting:
  alertmanagers: []
scrape_configs:
  - job_name: k
    consul_sd_configs:
      - server: 127.0.0.1:1
    oauth2: {}
remote_write:
  - url: http://127.0.0.1:1/w
)");
  std::vector<std::string> got;
  for (const auto& n : cfg.not_imported) got.push_back(n.path + "@" + std::to_string(n.line));
  EXPECT_EQ(got, (std::vector<std::string>{"global.query_log_file@2", "rule_files@3", "alerting@4",
                                           "remote_write@11", "scrape_configs[0].consul_sd_configs@8",
                                           "scrape_configs[0].oauth2@10"}));
}

TEST(PromConfig, RelabelRules) {
  auto cfg = load_config(R"(
scrape_configs:
  - job_name: r
    relabel_configs:
      - source_labels: [__address__]
        regex: '(.*):\d+'
        target_label: host
      - action: LabelDrop
        regex: tmp_.*
      - regex:
        replacement: static
        target_label: abc
    metric_relabel_configs:
      - source_labels: [__name__]
        action: hashmod
        modulus: 4
        target_label: shard
)");
  const auto& s = cfg.scrape_configs[0];
  ASSERT_EQ(s.relabel_configs.size(), 3u);
  EXPECT_EQ(s.relabel_configs[0].regex->source(), "(.*):\\d+");
  EXPECT_EQ(s.relabel_configs[1].action, relabel::Action::kLabelDrop);
  EXPECT_EQ(s.relabel_configs[2].regex->source(), "");  // `regex:` null is the empty regex
  EXPECT_EQ(s.metric_relabel_configs[0].modulus, 4u);
}

TEST(PromConfig, ErrorsCarryPrometheusWordsAndLines) {
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    scrape_intervall: 1s\n"),
            "line 3: field scrape_intervall not found in type config.ScrapeConfig");
  EXPECT_EQ(load_error("scrape_configs:\n  - scrape_interval: 1s\n"), "line 2: job_name is empty");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n  - job_name: a\n"),
            "line 3: found multiple scrape configs with job name \"a\"");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 6s\n"),
            "line 2: scrape timeout greater than scrape interval for scrape config with job name \"a\"");
  EXPECT_EQ(load_error("global:\n  scrape_interval: 5x\n"),
            "line 2: not a valid duration string: \"5x\"");
  EXPECT_EQ(load_error("global:\n  scrape_interval: 5s\n  scrape_timeout: 6s\n"),
            "line 2: global scrape timeout greater than scrape interval");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - regex: abc(def\n"),
            "line 4: error parsing regexp: missing closing ): `^(?:abc(def)$`");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: copy\n"),
            "line 4: unknown relabel action \"copy\"");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: hashmod\n        target_label: x\n"),
            "line 4: relabel configuration for hashmod requires non-zero modulus");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - source_labels: [a-b]\n        target_label: x\n"),
            "line 4: \"a-b\" is not a valid label name");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['http://bad']\n"),
            "line 2: \"http://bad\" is not a valid hostname");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    honor_labels: 'true'\n"),
            "line 3: cannot unmarshal !!str `true` into bool");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    sample_limit: -1\n"),
            "line 3: cannot unmarshal !!int `-1` into uint");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n  - ~\n"), "line 3: empty or null scrape config section");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    static_configs: [~]\n"),
            "line 3: empty or null section in static_configs");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    relabel_configs: [~]\n"),
            "line 3: empty or null target relabeling rule in scrape config");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - files: [x.txt]\n"),
            "line 4: path name \"x.txt\" is not valid for file discovery");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - refresh_interval: 1m\n"),
            "line 4: file service discovery config must contain at least one path name");
  EXPECT_EQ(load_error("global:\n  external_labels:\n    not$allowed: v\n"),
            "line 2: \"not$allowed\" is not a valid label name");
  EXPECT_EQ(load_error("global:\n  external_labels:\n    name: !!binary \"/w==\"\n"),
            "line 2: \"\\xff\" is not a valid label value");
  EXPECT_EQ(load_error("scrape_configs: []\nscrape_configs: []\n"),
            "line 2: field scrape_configs already set in type config.plain");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    basic_auth: {username: u, password: p, password_file: f}\n"),
            "line 2: at most one of basic_auth password & password_file must be configured");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    authorization: {type: basic}\n"),
            "line 2: authorization type cannot be set to \"basic\", use \"basic_auth\" instead");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: a\n    basic_auth: {username: u}\n    bearer_token: t\n"),
            "line 2: at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured");
  EXPECT_NE(load_error("scrape_configs: [\n"), "");  // a YAML syntax error
}

TEST(PromConfig, AliasBombIsRefused) {
  // An alias names its anchored node again: a few aliases are fine...
  std::string small = "scrape_configs:\n  - job_name: a\n    static_configs: &g [{targets: ['127.0.0.1:1']}]\n"
                      "  - job_name: b\n    static_configs: *g\n";
  auto cfg = load_config(small);
  EXPECT_EQ(cfg.scrape_configs[1].static_configs[0].targets[0], "127.0.0.1:1");
  // ...but 3,000 aliases of a 200-group node decode 600,000 groups from 100 kB of text.
  std::string big = "scrape_configs:\n  - job_name: big\n    static_configs: &g [";
  for (int i = 0; i < 200; ++i) big += std::string(i ? ", " : "") + "{targets: ['127.0.0.1:9100'], labels: {a: b}}";
  big += "]\n";
  for (int j = 0; j < 3000; ++j) big += "  - job_name: k" + std::to_string(j) + "\n    static_configs: *g\n";
  EXPECT_EQ(load_error(big), "line 3: yaml: document contains excessive aliasing");
}

TEST(PromConfig, Yaml11Numbers) {
  auto limit = [](const std::string& v) {
    return load_config("scrape_configs:\n  - job_name: j\n    sample_limit: " + v + "\n").scrape_configs[0].sample_limit;
  };
  EXPECT_EQ(limit("1_000"), 1000u);
  EXPECT_EQ(limit("0o17"), 15u);
  EXPECT_EQ(limit("017"), 15u);
  EXPECT_EQ(limit("+5"), 5u);
  EXPECT_EQ(limit("1e3"), 1000u);  // a float, truncated, as yaml.v2 stores it
  EXPECT_EQ(limit("1.5"), 1u);
  EXPECT_EQ(limit("-1.5"), 18446744073709551615u);
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: j\n    sample_limit: inf\n"),
            "line 3: cannot unmarshal !!str `inf` into uint");
  EXPECT_EQ(load_error("scrape_configs:\n  - job_name: j\n    sample_limit: .inf\n"),
            "line 3: cannot unmarshal !!float `.inf` into uint");
}

TEST(PromConfig, JoinDir) {
  EXPECT_EQ(join_dir("/etc/prometheus", "targets/a.json"), "/etc/prometheus/targets/a.json");
  EXPECT_EQ(join_dir("/etc/prometheus", "/abs"), "/abs");
  EXPECT_EQ(join_dir("/etc/prometheus", ""), "");
  EXPECT_EQ(join_dir("conf", "../x.yml"), "x.yml");
}

}  // namespace
}  // namespace observe::promconfig
