// observe._parse_prometheus_config(text) RETURNS jsonb: prometheus.yml through the core's
// loader (Prometheus 2.42's rules), as the rows observe.load_prometheus_config stores.
#include <string>
#include <string_view>

#include "core/promconfig/config.h"
#include "pg/border/border.h"
#include "pg/workers/scrape_job_json.h"

extern "C" {
#include "utils/jsonb.h"
}

namespace {

using observe::Error;
using observe::ErrorKind;
namespace promconfig = observe::promconfig;

// What a scrape job would do differently here than in Prometheus: refused with its line.
// Keys outside the scrape configuration only warn: a real prometheus.yml has rule_files,
// alerting and remote_write, and leaving them aside changes no scrape.
std::string not_importable(const promconfig::PromConfig& cfg, std::string* warnings) {
  std::string errors;
  auto add = [](std::string* to, int line, const std::string& what) {
    *to += (to->empty() ? "" : "; ") + ("line " + std::to_string(line) + ": " + what);
  };
  for (const auto& n : cfg.not_imported) {
    if (n.path.rfind("scrape_configs", 0) == 0) add(&errors, n.line, n.path);
    else add(warnings, n.line, n.path);
  }
  for (size_t i = 0; i < cfg.scrape_configs.size(); i++) {
    const auto& c = cfg.scrape_configs[i];
    std::string at = "scrape_configs[" + std::to_string(i) + "] (job \"" + c.job_name + "\").";
    // The worker reading a server file and sending its content to the target would let an
    // ingest admin read any file the server can: the secret goes in the row instead.
    if (c.basic_auth && !c.basic_auth->password_file.empty())
      add(&errors, c.line, at + "basic_auth.password_file (store the password itself)");
    if (c.authorization && !c.authorization->credentials_file.empty())
      add(&errors, c.line, at + "authorization.credentials_file or bearer_token_file (store the credentials themselves)");
    if (!c.tls_config.server_name.empty())
      add(&errors, c.line, at + "tls_config.server_name");
  }
  return errors;
}

Datum parse_prometheus_config(std::string_view yaml) {
  promconfig::PromConfig cfg;
  try {
    cfg = promconfig::load_config(yaml);
  } catch (const promconfig::ConfigError& e) {
    throw Error(ErrorKind::kInvalidParameter, std::string("invalid prometheus.yml: ") + e.what());
  }
  std::string warnings;
  std::string errors = not_importable(cfg, &warnings);
  if (!errors.empty())
    throw Error(ErrorKind::kFeatureNotSupported, "prometheus.yml has settings pg_observe cannot import: " + errors);
  if (!warnings.empty()) {
    std::string message = "not imported (not scrape configuration): " + warnings;
    observe::pg::pg_guard([&message] { ereport(WARNING, (errmsg("%s", message.c_str()))); });
  }
  std::string json = "{\"global\": " + observe::pg::scrape_global_json(cfg.global) + ", \"scrape_configs\": [";
  for (size_t i = 0; i < cfg.scrape_configs.size(); i++)
    json += (i ? ", " : "") + observe::pg::scrape_job_row_json(cfg.scrape_configs[i]);
  json += "]}";
  return observe::pg::pg_guard([&json] { return DirectFunctionCall1(jsonb_in, CStringGetDatum(json.c_str())); });
}

}  // namespace

OBSERVE_FUNCTION(observe_parse_prometheus_config) {
  text* t = PG_GETARG_TEXT_PP(0);
  return parse_prometheus_config(std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}
