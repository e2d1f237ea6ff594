#include "core/scrape/request.h"

#include "core/exposition/numbers.h"

namespace observe::scrape {

std::string scrape_timeout_header_value(double timeout_seconds) {
  return exposition::format_go_fixed(timeout_seconds);
}

std::string user_agent(std::string_view version) { return "pg_observe/" + std::string(version); }

std::vector<std::pair<std::string, std::string>> request_headers(double timeout_seconds,
                                                                 std::string_view version) {
  return {
      {"Accept", std::string(kAcceptHeader)},
      {"Accept-Encoding", std::string(kAcceptEncodingHeader)},
      {"User-Agent", user_agent(version)},
      {std::string(kTimeoutHeaderName), scrape_timeout_header_value(timeout_seconds)},
  };
}

std::string instance_from_url(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  size_t at = url.rfind('@');
  if (at != std::string_view::npos) url.remove_prefix(at + 1);
  return std::string(url);
}

}  // namespace observe::scrape
