#include "core/promconfig/target_request.h"

#include <map>
#include <vector>

#include "core/common/base64.h"

namespace observe::promconfig {
namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

void percent(unsigned char c, std::string* out) {
  static const char kHex[] = "0123456789ABCDEF";
  out->push_back('%');
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}

// url.QueryEscape: space becomes '+'.
std::string query_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (unreserved(c)) out.push_back(static_cast<char>(c));
    else if (c == ' ') out.push_back('+');
    else percent(c, &out);
  }
  return out;
}

// escape(path, encodePath) of net/url: $&+,/:;=@ stay as they are.
std::string path_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    bool keep = unreserved(c);
    switch (c) {
      case '$': case '&': case '+': case ',': case '/': case ':': case ';': case '=': case '@':
        keep = true;
        break;
      default:
        break;
    }
    if (keep) out.push_back(static_cast<char>(c));
    else percent(c, &out);
  }
  return out;
}

}  // namespace

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
      query += query_escape(key) + "=" + query_escape(v);
    }
  std::string path(target.get("__metrics_path__"));
  std::string url = std::string(target.get("__scheme__")) + "://" + std::string(target.get("__address__"));
  // URL.String() puts a '/' between host and a path that lacks one.
  if (!path.empty() && path[0] != '/') url.push_back('/');
  url += path_escape(path);
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
