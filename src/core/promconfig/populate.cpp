#include "core/promconfig/populate.h"

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/promconfig/duration.h"

namespace observe::promconfig {
namespace {

Error fail(const std::string& message) { return Error(ErrorKind::kInvalidParameter, message); }

}  // namespace

bool split_host_port(std::string_view hp, std::string* host, std::string* port, std::string* error) {
  auto bad = [&](const char* why) {
    if (error) *error = std::string(why);
    return false;
  };
  size_t i = hp.rfind(':');
  if (i == std::string_view::npos) return bad("missing port in address");
  size_t j = 0, k = 0;
  std::string_view h;
  if (!hp.empty() && hp[0] == '[') {
    size_t end = hp.find(']');
    if (end == std::string_view::npos) return bad("missing ']' in address");
    if (end + 1 == hp.size()) return bad("missing port in address");
    if (end + 1 != i) {
      if (hp[end + 1] == ':') return bad("too many colons in address");
      return bad("missing port in address");
    }
    h = hp.substr(1, end - 1);
    j = 1;
    k = end + 1;
  } else {
    h = hp.substr(0, i);
    if (h.find(':') != std::string_view::npos) return bad("too many colons in address");
  }
  if (hp.substr(j).find('[') != std::string_view::npos) return bad("unexpected '[' in address");
  if (hp.substr(k).find(']') != std::string_view::npos) return bad("unexpected ']' in address");
  *host = std::string(h);
  *port = std::string(hp.substr(i + 1));
  return true;
}

PopulatedTarget populate_labels(const Labels& discovered, const ScrapeConfig& cfg, bool no_default_port) {
  Labels pre = discovered;
  const std::pair<const char*, std::string> defaults[] = {
      {"job", cfg.job_name},
      {"__scrape_interval__", format_duration(cfg.scrape_interval_ms)},
      {"__scrape_timeout__", format_duration(cfg.scrape_timeout_ms)},
      {"__metrics_path__", cfg.metrics_path},
      {"__scheme__", cfg.scheme},
  };
  for (const auto& [name, value] : defaults)
    if (discovered.get(name).empty()) pre.set(name, value);
  for (const auto& [name, values] : cfg.params)
    if (!values.empty()) pre.set("__param_" + name, values.front());

  PopulatedTarget out;
  auto relabeled = relabel::process(pre, cfg.relabel_configs);
  if (!relabeled) {
    out.discovered = pre;
    return out;
  }
  Labels lset = *relabeled;
  if (lset.get("__address__").empty()) throw fail("no address");

  Labels lb = lset;
  std::string addr(lset.get("__address__"));
  std::string scheme(lset.get("__scheme__"));
  std::string host, port, ignored;
  bool has_port = split_host_port(addr, &host, &port);
  // A port is added only when adding one makes the address valid.
  bool add = !has_port && split_host_port(addr + ":1234", &ignored, &ignored);
  if (!no_default_port && add) {
    if (scheme == "http" || scheme.empty()) addr += ":80";
    else if (scheme == "https") addr += ":443";
    else throw fail("invalid scheme: " + quote_for_message(cfg.scheme));
    lb.set("__address__", addr);
  }
  if (no_default_port) {
    if ((port == "80" && scheme == "http") || (port == "443" && scheme == "https"))
      lb.set("__address__", host);
  }
  if (addr.find('/') != std::string::npos) throw fail(quote_for_message(addr) + " is not a valid hostname");

  std::string interval(lset.get("__scrape_interval__"));
  std::string timeout(lset.get("__scrape_timeout__"));
  int64_t interval_ms, timeout_ms;
  try {
    interval_ms = parse_duration(interval);
  } catch (const Error& e) {
    throw fail(std::string("error parsing scrape interval: ") + e.what());
  }
  if (interval_ms == 0) throw fail("scrape interval cannot be 0");
  try {
    timeout_ms = parse_duration(timeout);
  } catch (const Error& e) {
    throw fail(std::string("error parsing scrape timeout: ") + e.what());
  }
  if (timeout_ms == 0) throw fail("scrape timeout cannot be 0");
  if (timeout_ms > interval_ms)
    throw fail("scrape timeout cannot be greater than scrape interval (" + quote_for_message(timeout) +
               " > " + quote_for_message(interval) + ")");

  for (const auto& l : lset.items())
    if (l.name.rfind("__meta_", 0) == 0) lb.remove(l.name);
  if (lset.get("instance").empty()) lb.set("instance", addr);

  for (const auto& l : lb.items())
    if (!valid_utf8(l.value))
      throw fail("invalid label value for " + quote_for_message(l.name) + ": " + quote_for_message(l.value));
  out.labels = lb;
  out.discovered = pre;
  return out;
}

Labels public_labels(const Labels& target) {
  std::vector<Label> kept;
  for (const auto& l : target.items())
    if (l.name.rfind("__", 0) != 0) kept.push_back(l);
  return Labels(std::move(kept));
}

GroupTargets targets_from_group(const TargetGroup& group, const ScrapeConfig& cfg, bool no_default_port) {
  GroupTargets out;
  for (size_t i = 0; i < group.targets.size(); ++i) {
    std::vector<Label> pairs;
    const std::map<std::string, std::string>* own = i < group.target_labels.size() ? &group.target_labels[i] : nullptr;
    if (own != nullptr)
      for (const auto& [name, value] : *own)
        if (name != "__address__") pairs.push_back({name, value});
    for (const auto& [name, value] : group.labels)
      if (name != "__address__" && (own == nullptr || own->count(name) == 0)) pairs.push_back({name, value});
    pairs.push_back({"__address__", group.targets[i]});
    try {
      out.targets.push_back(populate_labels(Labels(std::move(pairs)), cfg, no_default_port));
    } catch (const Error& e) {
      out.failures.push_back("instance " + std::to_string(i) + " in group " + group.source + ": " + e.what());
    }
  }
  return out;
}

}  // namespace observe::promconfig
