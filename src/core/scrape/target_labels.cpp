#include "core/scrape/target_labels.h"

#include <algorithm>
#include <string>

#include "core/exposition/numbers.h"

namespace observe::scrape {

using exposition::MetricType;

static bool normalized_label(const exposition::Entry& s, std::string_view name) {
  return (s.type == MetricType::kHistogram && name == "le") ||
         (s.type == MetricType::kSummary && name == "quantile");
}

Labels attach_target_labels(const exposition::Entry& sample, const Labels& target, const LabelRules& rules) {
  std::vector<Label> items;
  items.reserve(sample.labels.size() + 1);
  items.push_back({std::string(kMetricNameLabel), std::string(sample.metric_name)});
  for (const auto& l : sample.labels) {
    if (l.value.empty()) continue;
    double v;
    if (rules.normalize_le_quantile && normalized_label(sample, l.name) &&
        exposition::parse_go_float(l.value, &v) == exposition::NumberStatus::kOk) {
      items.push_back({std::string(l.name), exposition::format_openmetrics_float(v)});
    } else {
      items.push_back({std::string(l.name), std::string(l.value)});
    }
  }
  Labels lset(std::move(items));

  if (rules.honor_labels) {
    for (const auto& t : target.items())
      if (!lset.has(t.name)) lset.set(t.name, t.value);
    return lset;
  }
  std::vector<Label> clashes;
  for (const auto& t : target.items()) {
    std::string_view exposed = lset.get(t.name);
    if (!exposed.empty()) clashes.push_back({t.name, std::string(exposed)});
    lset.set(t.name, t.value);
  }
  // Shorter names first, so `job` takes exported_job before `exported_job` would need it.
  std::stable_sort(clashes.begin(), clashes.end(),
                   [](const Label& a, const Label& b) { return a.name.size() < b.name.size(); });
  for (const auto& c : clashes) {
    std::string name = c.name;
    do {
      name = "exported_" + name;
    } while (lset.has(name));
    lset.set(name, c.value);
  }
  return lset;
}

}  // namespace observe::scrape
