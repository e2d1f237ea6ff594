// What a scrape of a populated target sends, as Prometheus 2.42 builds it: the URL from the
// target's __scheme__, __address__, __metrics_path__ and the job's params overridden by
// __param_* labels (Target.URL), and the Authorization header of the job's HTTP client.
#pragma once

#include <string>

#include "core/common/labels.h"
#include "core/promconfig/config.h"

namespace observe::promconfig {

// Target.URL().String(): scheme://address/path?query, the query encoded as Go's
// url.Values.Encode (keys sorted, QueryEscape), the path as URL.EscapedPath.
std::string target_url(const Labels& target, const ScrapeConfig& cfg);

// The Authorization header value ("Basic <base64>", "<type> <credentials>"), "" for none.
// File-based credentials are not read here (the loader refuses them).
std::string authorization_header(const ScrapeConfig& cfg);

}  // namespace observe::promconfig
