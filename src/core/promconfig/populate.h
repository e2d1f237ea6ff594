// scrape.PopulateLabels of Prometheus 2.42: a discovered target's labels, the job's defaults,
// target relabeling, then the address port default, checks, __meta_* removal and instance.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/labels.h"
#include "core/promconfig/config.h"

namespace observe::promconfig {

// Go's net.SplitHostPort; false (with Go's reason in *error) when it fails.
bool split_host_port(std::string_view hostport, std::string* host, std::string* port,
                     std::string* error = nullptr);

struct PopulatedTarget {
  // The target's labels after relabeling (internal `__` labels other than `__meta_*` kept, as
  // Prometheus keeps them for the scrape); empty when relabeling dropped the target.
  Labels labels;
  // The labels before relabeling (job defaults added); empty when the target failed.
  Labels discovered;
  bool dropped() const { return labels.empty(); }
};

// Throws observe::Error (kInvalidParameter) with Prometheus's message: "no address",
// `invalid scheme: "x"`, `"a/b" is not a valid hostname`, "error parsing scrape interval: ...",
// "scrape interval cannot be 0", "scrape timeout cannot be greater than scrape interval (...)",
// `invalid label value for "n": "v"`.
PopulatedTarget populate_labels(const Labels& discovered, const ScrapeConfig& cfg,
                                bool no_default_port = false);

// The labels a scrape attaches to samples: those of a populated target without the `__`
// ones (Target.Labels()).
Labels public_labels(const Labels& target);

// TargetsFromGroup: each address of the group with the group's labels under its own; the
// errors are "instance N in group G: reason", where G is the group's source.
struct GroupTargets {
  std::vector<PopulatedTarget> targets;
  std::vector<std::string> failures;
};
GroupTargets targets_from_group(const TargetGroup& group, const ScrapeConfig& cfg,
                                bool no_default_port = false);

}  // namespace observe::promconfig
