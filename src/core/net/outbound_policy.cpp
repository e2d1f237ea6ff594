#include "core/net/outbound_policy.h"

namespace observe::net {

bool parse_network_list(std::string_view text, std::vector<Network>* out, std::string* error) {
  std::vector<Network> list;
  size_t i = 0;
  auto is_sep = [](char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < text.size()) {
    while (i < text.size() && is_sep(text[i])) i++;
    size_t start = i;
    while (i < text.size() && !is_sep(text[i])) i++;
    if (i == start) break;
    Network n;
    if (!parse_network(text.substr(start, i - start), &n, error)) return false;
    list.push_back(n);
  }
  *out = std::move(list);
  return true;
}

bool OutboundPolicy::parse(std::string_view allow, std::string_view deny, OutboundPolicy* out,
                           std::string* error) {
  std::vector<Network> a, d;
  if (!parse_network_list(allow, &a, error)) {
    *error = "allow list: " + *error;
    return false;
  }
  if (!parse_network_list(deny, &d, error)) {
    *error = "deny list: " + *error;
    return false;
  }
  *out = OutboundPolicy(std::move(a), std::move(d));
  return true;
}

Verdict OutboundPolicy::check(const Address& a) const {
  const Network* best_allow = nullptr;
  const Network* best_deny = nullptr;
  for (const auto& n : allow_)
    if (n.contains(a) && (best_allow == nullptr || n.prefix > best_allow->prefix)) best_allow = &n;
  for (const auto& n : deny_)
    if (n.contains(a) && (best_deny == nullptr || n.prefix > best_deny->prefix)) best_deny = &n;
  Verdict v;
  if (best_deny != nullptr && (best_allow == nullptr || best_deny->prefix >= best_allow->prefix)) {
    v.allowed = false;
    v.rule = "deny " + best_deny->to_string();
  } else if (best_allow != nullptr) {
    v.rule = "allow " + best_allow->to_string();
  } else if (!allow_.empty()) {
    v.allowed = false;
    v.rule = "not in the allow list";
  }
  return v;
}

}  // namespace observe::net
