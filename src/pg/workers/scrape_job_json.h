// prometheus.yml's scrape configuration as JSON text: the rows of observe.scrape_jobs that
// observe.load_prometheus_config stores, and label sets for observe._scrape_discovered.
// Pure C++ (no PostgreSQL call), so the worker and the SQL function share it.
#pragma once

#include <string>
#include <string_view>

#include "core/common/labels.h"
#include "core/promconfig/config.h"

namespace observe::pg {

// A JSON string literal; invalid UTF-8 bytes become U+FFFD (jsonb holds valid text only).
std::string json_string(std::string_view s);
// {"name": "value", ...}
std::string labels_json(const Labels& labels);
// One observe.scrape_jobs row (every column) as a JSON object for jsonb_populate_recordset.
std::string scrape_job_row_json(const promconfig::ScrapeConfig& cfg);
// observe.scrape_global as a JSON object.
std::string scrape_global_json(const promconfig::GlobalConfig& global);

}  // namespace observe::pg
