#include "core/promconfig/target_request.h"

#include <map>
#include <vector>

#include "core/common/base64.h"
#include "core/common/go_url.h"

namespace observe::promconfig {
std::string target_url(const Labels& target, const ScrapeConfig& cfg) {
  std::map<std::string, std::vector<std::string>> params = cfg.params;
  constexpr std::string_view kParam = "__param_";
  for (const auto& l : target.items()) {
    if (l.name.compare(0, kParam.size(), kParam) != 0) continue;
    std::string key = l.name.substr(kParam.size());
    auto& values = params[key];
    if (values.empty()) values.push_back(l.value);
    else values[0] = l.value;
  }
  std::string query;
  for (const auto& [key, values] : params)  // std::map: sorted as Encode sorts
    for (const auto& v : values) {
      if (!query.empty()) query.push_back('&');
      query += go_query_escape(key) + "=" + go_query_escape(v);
    }
  std::string path(target.get("__metrics_path__"));
  std::string url = std::string(target.get("__scheme__")) + "://" + std::string(target.get("__address__"));
  // URL.String() puts a '/' between host and a path that lacks one.
  if (!path.empty() && path[0] != '/') url.push_back('/');
  url += go_path_escape(path);
  if (!query.empty()) url += "?" + query;
  return url;
}

std::string authorization_header(const ScrapeConfig& cfg) {
  if (cfg.basic_auth)
    return "Basic " + base64_encode(cfg.basic_auth->username + ":" + cfg.basic_auth->password);
  if (cfg.authorization && !cfg.authorization->credentials.empty())
    return cfg.authorization->type + " " + cfg.authorization->credentials;
  return "";
}

}  // namespace observe::promconfig
