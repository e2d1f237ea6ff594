#include "core/exposition/family.h"

namespace observe::exposition {

void FamilyTracker::on_metadata(std::string_view name) {
  if (name != name_) {
    name_ = name;
    type_ = MetricType::kUnknown;
  }
}

static bool suffix_allowed(MetricType t, std::string_view s) {
  switch (t) {
    case MetricType::kCounter: return s == "_total" || s == "_created";
    case MetricType::kHistogram:
      return s == "_bucket" || s == "_count" || s == "_sum" || s == "_created";
    case MetricType::kGaugeHistogram: return s == "_bucket" || s == "_gcount" || s == "_gsum";
    case MetricType::kSummary: return s == "_count" || s == "_sum" || s == "_created";
    case MetricType::kInfo: return s == "_info";
    default: return false;
  }
}

void FamilyTracker::classify(std::string_view name, bool openmetrics, Entry* e) const {
  e->created_series = false;
  if (!name_.empty() && name.size() >= name_.size() && name.compare(0, name_.size(), name_) == 0) {
    std::string_view suffix = name.substr(name_.size());
    if (suffix.empty() || suffix_allowed(type_, suffix)) {
      e->family = name_;
      e->type = type_;
      e->created_series = openmetrics && suffix == "_created";
      return;
    }
  }
  e->family = name;
  e->type = MetricType::kUnknown;
}

}  // namespace observe::exposition
