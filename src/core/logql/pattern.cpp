#include "core/logql/pattern.h"

#include <cctype>
#include <stdexcept>

namespace observe::logql {

namespace {
bool is_capture_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    if (!(std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (i > 0 && std::isdigit(static_cast<unsigned char>(c)))))
      return false;
  }
  return true;
}
}  // namespace

PatternMatcher::PatternMatcher(std::string_view p, bool line_filter) {
  size_t i = 0;
  std::string lit;
  while (i < p.size()) {
    if (p[i] == '<') {
      size_t j = p.find('>', i + 1);
      if (j != std::string_view::npos && is_capture_name(p.substr(i + 1, j - i - 1))) {
        if (!lit.empty()) {
          nodes_.push_back({false, false, lit});
          lit.clear();
        }
        std::string name(p.substr(i + 1, j - i - 1));
        nodes_.push_back({true, name != "_", name});
        i = j + 1;
        continue;
      }
    }
    lit += p[i++];
  }
  if (!lit.empty()) nodes_.push_back({false, false, lit});
  bool any_capture = false;
  for (size_t k = 0; k < nodes_.size(); k++) {
    if (!nodes_[k].capture) continue;
    any_capture = true;
    if (k > 0 && nodes_[k - 1].capture) throw std::invalid_argument("invalid expression");
    if (nodes_[k].named) {
      for (auto& n : names_)
        if (n == nodes_[k].text) throw std::invalid_argument("duplicate capture name (" + n + ")");
      names_.push_back(nodes_[k].text);
    }
  }
  if (line_filter) {
    if (!names_.empty()) throw std::invalid_argument("named captures are not allowed in pattern line filters");
    return;
  }
  if (!any_capture) throw std::invalid_argument("at least one capture is required");
}

std::vector<std::string_view> PatternMatcher::captures(std::string_view in) const {
  std::vector<std::string_view> out;
  if (in.empty() || nodes_.empty()) return out;
  size_t k = 0;
  if (!nodes_[0].capture) {
    if (in.substr(0, nodes_[0].text.size()) != nodes_[0].text) return out;
    in.remove_prefix(nodes_[0].text.size());
    k = 1;
  }
  while (k < nodes_.size()) {
    const Node& cap = nodes_[k];
    if (k + 1 == nodes_.size()) {
      if (cap.named) out.push_back(in);
      return out;
    }
    const std::string& lit = nodes_[k + 1].text;
    k += 2;
    size_t i = in.find(lit);
    if (i == std::string_view::npos) {
      if (cap.named) out.push_back(in);
      return out;
    }
    if (cap.named) out.push_back(in.substr(0, i));
    in.remove_prefix(i + lit.size());
  }
  return out;
}

bool PatternMatcher::test(std::string_view in) const {
  if (in.empty() || nodes_.empty()) return false;
  size_t off = 0;
  for (size_t k = 0; k < nodes_.size(); k++) {
    if (nodes_[k].capture) continue;
    const std::string& lit = nodes_[k].text;
    size_t j = in.find(lit, off);
    if (j == std::string_view::npos) return false;
    if (k == 0 && j != 0) return false;     // a leading literal anchors at the start
    if (k != 0 && j == off) return false;   // the capture before it would be empty
    off = j + lit.size();
  }
  bool ends_on_capture = nodes_.back().capture;
  bool remainder = off != in.size();
  return ends_on_capture == remainder;
}

}  // namespace observe::logql
