// A label set: name/value pairs sorted by name, as Prometheus keeps them.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace observe {

inline constexpr std::string_view kMetricNameLabel = "__name__";

struct Label {
  std::string name;
  std::string value;
  bool operator==(const Label& o) const { return name == o.name && value == o.value; }
  bool operator<(const Label& o) const {
    return name != o.name ? name < o.name : value < o.value;
  }
};

// Sorts label pairs by name, keeping the order of equal names (a stable sort; no allocation for
// a handful of labels).
void sort_labels_by_name(std::vector<Label>& labels);

class Labels {
 public:
  Labels() = default;
  // Takes pairs in any order; sorts them. A later duplicate name replaces an earlier one.
  explicit Labels(std::vector<Label> labels);
  Labels(std::initializer_list<Label> labels) : Labels(std::vector<Label>(labels)) {}
  // LogQL (Loki) keeps a label with an empty value as present: {age=""} differs from {}.
  static Labels with_empty_values(std::vector<Label> labels);

  const std::vector<Label>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }

  // Value of the label, or "" when absent (Prometheus treats both the same).
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  // Sets (or with an empty value removes) a label, keeping the order.
  void set(std::string_view name, std::string_view value);
  void remove(std::string_view name);

  std::string_view metric_name() const { return get(kMetricNameLabel); }

  // `name{a="x", b="y"}` exactly as Prometheus prints a series (String() in Go).
  std::string to_string() const;
  // The same without the metric name in front, e.g. `{a="x"}`; `{}` when empty.
  std::string to_string_without_name() const;

  uint64_t hash() const;

  bool operator==(const Labels& o) const { return items_ == o.items_; }
  bool operator!=(const Labels& o) const { return !(*this == o); }
  bool operator<(const Labels& o) const { return items_ < o.items_; }

 private:
  std::vector<Label> items_;
};

// Escapes a label value as Prometheus prints it inside double quotes (Go's %q subset).
std::string quote_label_value(std::string_view value);

}  // namespace observe
