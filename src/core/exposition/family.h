// Which metric family a sample belongs to, from the # TYPE / # HELP / # UNIT lines before it.
#pragma once

#include <string_view>

#include "core/exposition/types.h"

namespace observe::exposition {

class FamilyTracker {
 public:
  // A metadata line for `name`: a name other than the current family's starts a new family.
  void on_metadata(std::string_view name);
  void set_type(MetricType type) { type_ = type; }

  // Sets e->family, e->type and e->created_series for a sample named `name`: it belongs to the
  // current family when it is the family name or the family name plus a suffix its type
  // allows (`_bucket`, `_sum`, `_total`, ...); otherwise it is a family of its own, unknown.
  void classify(std::string_view name, bool openmetrics, Entry* e) const;

 private:
  std::string_view name_;
  MetricType type_ = MetricType::kUnknown;
};

}  // namespace observe::exposition
