#include "core/common/labels.h"

#include <algorithm>

#include "core/common/utf8.h"

namespace observe {

void sort_labels_by_name(std::vector<Label>& labels) {
  auto by_name = [](const Label& a, const Label& b) { return a.name < b.name; };
  if (std::is_sorted(labels.begin(), labels.end(), by_name)) return;
  if (labels.size() > 16) {
    std::stable_sort(labels.begin(), labels.end(), by_name);
    return;
  }
  // Insertion sort: stable, and no temporary buffer for the few labels of a series.
  for (size_t i = 1; i < labels.size(); i++) {
    Label v = std::move(labels[i]);
    size_t j = i;
    for (; j > 0 && v.name < labels[j - 1].name; j--) labels[j] = std::move(labels[j - 1]);
    labels[j] = std::move(v);
  }
}

Labels Labels::with_empty_values(std::vector<Label> labels) {
  sort_labels_by_name(labels);
  Labels out;
  out.items_.reserve(labels.size());
  for (auto& l : labels) {
    if (!out.items_.empty() && out.items_.back().name == l.name)
      out.items_.back().value = std::move(l.value);
    else
      out.items_.push_back(std::move(l));
  }
  return out;
}

Labels::Labels(std::vector<Label> labels) {
  sort_labels_by_name(labels);
  items_.reserve(labels.size());
  for (auto& l : labels) {
    if (l.value.empty()) continue;  // an empty value is the same as no label
    if (!items_.empty() && items_.back().name == l.name)
      items_.back().value = std::move(l.value);
    else
      items_.push_back(std::move(l));
  }
}

static std::vector<Label>::const_iterator find_label(const std::vector<Label>& items,
                                                     std::string_view name) {
  auto it = std::lower_bound(items.begin(), items.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  return (it != items.end() && it->name == name) ? it : items.end();
}

std::string_view Labels::get(std::string_view name) const {
  auto it = find_label(items_, name);
  return it == items_.end() ? std::string_view() : std::string_view(it->value);
}

bool Labels::has(std::string_view name) const { return find_label(items_, name) != items_.end(); }

void Labels::set(std::string_view name, std::string_view value) {
  auto it = std::lower_bound(items_.begin(), items_.end(), name,
                             [](const Label& l, std::string_view n) { return l.name < n; });
  if (it != items_.end() && it->name == name) {
    if (value.empty())
      items_.erase(it);
    else
      it->value = std::string(value);
  } else if (!value.empty()) {
    items_.insert(it, Label{std::string(name), std::string(value)});
  }
}

void Labels::remove(std::string_view name) { set(name, ""); }

std::string quote_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 2);
  out.push_back('"');
  for (size_t i = 0; i < value.size();) {
    char c = value[i];
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: {
        // As Go's strconv.Quote: a byte of no valid UTF-8 sequence (only a PromQL escape such
        // as "\xff" makes one) and NUL print as \xNN, so the text stays valid UTF-8.
        size_t len = utf8_sequence_length(value, i);
        if (len == 0 || c == '\0') {
          static const char kHex[] = "0123456789abcdef";
          auto b = static_cast<unsigned char>(c);
          out += "\\x";
          out.push_back(kHex[b >> 4]);
          out.push_back(kHex[b & 15]);
          ++i;
        } else {
          out.append(value, i, len);
          i += len;
        }
        continue;
      }
    }
    ++i;
  }
  out.push_back('"');
  return out;
}

static void append_pairs(std::string& out, const std::vector<Label>& items, bool skip_name) {
  out.push_back('{');
  bool first = true;
  for (const auto& l : items) {
    if (skip_name && l.name == kMetricNameLabel) continue;
    if (!first) out += ", ";
    first = false;
    out += l.name;
    out.push_back('=');
    out += quote_label_value(l.value);
  }
  out.push_back('}');
}

std::string Labels::to_string() const {
  std::string out(metric_name());
  bool only_name = items_.size() == (has(kMetricNameLabel) ? 1u : 0u);
  if (only_name && !out.empty()) return out;
  append_pairs(out, items_, true);
  return out;
}

std::string Labels::to_string_without_name() const {
  std::string out;
  append_pairs(out, items_, true);
  return out;
}

uint64_t Labels::hash() const {
  // FNV-1a over name\xff value\xff ...: stable across runs, cheap.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  for (const auto& l : items_) {
    mix(l.name);
    mix(l.value);
  }
  return h;
}

}  // namespace observe
