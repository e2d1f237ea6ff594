#include <cstring>

#include "pg/http/http_api.h"

namespace observe::pg {

namespace {

struct Entry {
  const char* path;
  HttpRoute route;
};

const Entry kRoutes[] = {
    {"/api/v1/query", {ApiKind::kPrometheus, true, prom_query}},
    {"/api/v1/query_range", {ApiKind::kPrometheus, true, prom_query_range}},
    {"/api/v1/series", {ApiKind::kPrometheus, true, prom_series}},
    {"/api/v1/labels", {ApiKind::kPrometheus, true, prom_labels}},
    {"/api/v1/metadata", {ApiKind::kPrometheus, true, prom_metadata}},
    {"/api/v1/query_exemplars", {ApiKind::kPrometheus, true, prom_query_exemplars}},
    {"/api/v1/format_query", {ApiKind::kPrometheus, true, prom_format_query}},
    {"/api/v1/parse_query", {ApiKind::kPrometheus, true, prom_parse_query}},
    {"/api/v1/status/buildinfo", {ApiKind::kPrometheus, true, prom_buildinfo}},
    {"/api/v1/status/runtimeinfo", {ApiKind::kPrometheus, true, prom_runtimeinfo}},
    {"/api/v1/status/flags", {ApiKind::kPrometheus, true, prom_flags}},
    {"/api/v1/status/config", {ApiKind::kPrometheus, true, prom_config}},
    {"/api/v1/rules", {ApiKind::kPrometheus, true, prom_rules}},
    {"/api/v1/alerts", {ApiKind::kPrometheus, true, prom_alerts}},
    {"/api/v1/targets", {ApiKind::kPrometheus, true, prom_targets}},
    {"/api/v1/write", {ApiKind::kPush, true, prom_remote_write}},
    {"/-/healthy", {ApiKind::kPrometheus, false, health_ok}},
    {"/-/ready", {ApiKind::kPrometheus, false, health_ok}},
    {"/ready", {ApiKind::kLoki, false, loki_ready}},
    {"/loki/api/v1/push", {ApiKind::kPush, true, loki_push}},
    {"/loki/api/v1/query", {ApiKind::kLoki, true, loki_query}},
    {"/loki/api/v1/query_range", {ApiKind::kLoki, true, loki_query_range}},
    {"/loki/api/v1/labels", {ApiKind::kLoki, true, loki_labels}},
    {"/loki/api/v1/series", {ApiKind::kLoki, true, loki_series}},
    {"/loki/api/v1/index/stats", {ApiKind::kLoki, true, loki_index_stats}},
    {"/loki/api/v1/index/volume", {ApiKind::kLoki, true, loki_index_volume}},
    {"/loki/api/v1/index/volume_range", {ApiKind::kLoki, true, loki_index_volume_range}},
    {"/loki/api/v1/status/buildinfo", {ApiKind::kLoki, true, loki_buildinfo}},
    {"/loki/api/v1/detected_labels", {ApiKind::kLoki, true, loki_detected_labels}},
    {"/loki/api/v1/detected_fields", {ApiKind::kLoki, true, loki_detected_fields}},
};

}  // namespace

const HttpRoute kLokiTailRoute{ApiKind::kLoki, true, loki_tail_check};
const HttpRoute kLokiTailPollRoute{ApiKind::kLoki, true, loki_tail_poll};

namespace {

const HttpRoute kPromLabelValues{ApiKind::kPrometheus, true, prom_label_values};
const HttpRoute kLokiLabelValues{ApiKind::kLoki, true, loki_label_values};
const HttpRoute kLokiDetectedFieldValues{ApiKind::kLoki, true, loki_detected_fields};

// "<prefix><name>/values" -> name
bool label_values_path(const std::string& path, const char* prefix, std::string* name) {
  size_t n = strlen(prefix);
  static const std::string kSuffix = "/values";
  if (path.size() <= n + kSuffix.size() || path.compare(0, n, prefix) != 0 ||
      path.compare(path.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
    return false;
  *name = path.substr(n, path.size() - n - kSuffix.size());
  return true;
}

}  // namespace

const HttpRoute* find_http_route(const std::string& path, std::string* path_param) {
  for (const Entry& e : kRoutes)
    if (path == e.path) return &e.route;
  if (path == "/loki/api/v1/tail") return &kLokiTailRoute;
  if (label_values_path(path, "/api/v1/label/", path_param)) return &kPromLabelValues;
  if (label_values_path(path, "/loki/api/v1/label/", path_param)) return &kLokiLabelValues;
  if (label_values_path(path, "/loki/api/v1/detected_field/", path_param)) return &kLokiDetectedFieldValues;
  return nullptr;
}

}  // namespace observe::pg
