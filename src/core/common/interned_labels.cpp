#include "core/common/interned_labels.h"

#include <algorithm>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace observe {

namespace {

// Each string once, with the number of label sets' slots pointing at it. Guarded by a mutex:
// taken when a set is made or dropped (new series, series leaving), never to read one.
class StringPool {
 public:
  const std::string* acquire(std::string_view s) {
    auto it = index_.find(s);
    if (it != index_.end()) {
      ++it->second->refs;
      return &it->second->text;
    }
    auto* node = new Node{std::string(s), 1};
    index_.emplace(std::string_view(node->text), node);
    return &node->text;
  }
  void release(const std::string* s) {
    auto it = index_.find(std::string_view(*s));
    if (it == index_.end() || --it->second->refs > 0) return;
    Node* node = it->second;
    index_.erase(it);
    delete node;
  }
  size_t size() const { return index_.size(); }
  std::mutex mu;

 private:
  struct Node {
    std::string text;  // first: a pool string's address is its node's
    size_t refs;
  };
  std::unordered_map<std::string_view, Node*> index_;  // views into the nodes' texts
};

StringPool& pool() {
  static auto* p = new StringPool();  // never destroyed: sets may outlive static destruction
  return *p;
}

}  // namespace

InternedLabels::InternedLabels(const Labels& labels) : n_(static_cast<uint32_t>(labels.size())) {
  if (n_ == 0) return;
  strings_.reset(new const std::string*[2 * n_]);
  StringPool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  size_t i = 0;
  for (const Label& l : labels.items()) {
    strings_[i++] = p.acquire(l.name);
    strings_[i++] = p.acquire(l.value);
  }
}

InternedLabels::~InternedLabels() {
  if (n_ == 0) return;
  StringPool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  for (size_t i = 0; i < 2 * n_; i++) p.release(strings_[i]);
}

Labels InternedLabels::labels() const {
  std::vector<Label> items;
  items.reserve(n_);
  for (size_t i = 0; i < n_; i++) items.push_back(Label{std::string(name(i)), std::string(value(i))});
  // Already in order and without duplicates; kept exactly as they were (empty values too).
  return Labels::with_empty_values(std::move(items));
}

bool InternedLabels::operator==(const Labels& labels) const {
  if (labels.size() != n_) return false;
  size_t i = 0;
  for (const Label& l : labels.items()) {
    if (name(i) != l.name || value(i) != l.value) return false;
    ++i;
  }
  return true;
}

bool InternedLabels::operator<(const InternedLabels& o) const {
  const size_t n = std::min(n_, o.n_);
  for (size_t i = 0; i < n; i++) {
    if (strings_[2 * i] != o.strings_[2 * i]) {  // pool strings: one address per text
      int c = name(i).compare(o.name(i));
      if (c != 0) return c < 0;
    }
    if (strings_[2 * i + 1] != o.strings_[2 * i + 1]) {
      int c = value(i).compare(o.value(i));
      if (c != 0) return c < 0;
    }
  }
  return n_ < o.n_;
}

size_t InternedLabels::pool_size() {
  StringPool& p = pool();
  std::lock_guard<std::mutex> lock(p.mu);
  return p.size();
}

}  // namespace observe
