// Fuzzes prometheus.yml loading: the input as a configuration (then every static target
// through PopulateLabels), as file_sd content in both formats and as a DNS answer (dns_sd). Invariants: bad input is a
// ConfigError/observe::Error, never a crash or another exception; every scrape config that
// loads has timeout <= interval and a job name; populated targets have an address.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/common/error.h"
#include "core/promconfig/config.h"
#include "core/promconfig/dns_sd.h"
#include "core/promconfig/file_sd.h"
#include "core/promconfig/populate.h"

using namespace observe;
using namespace observe::promconfig;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  try {
    PromConfig cfg = load_config(in);
    if (cfg.global.scrape_timeout_ms > cfg.global.scrape_interval_ms) abort();
    for (const auto& s : cfg.scrape_configs) {
      if (s.job_name.empty() || s.scrape_timeout_ms > s.scrape_interval_ms) abort();
      for (const auto& g : s.static_configs) {
        auto r = targets_from_group(g, s);
        for (const auto& t : r.targets)
          if (!t.dropped() && t.labels.get("__address__").empty()) abort();
      }
    }
  } catch (const Error&) {
  }
  try {
    // every record of a parsed answer becomes a target or is skipped, never more
    auto records = parse_dns_answer(data, size);
    if (dns_target_group("fuzz", records, 9100).targets.size() > records.size()) abort();
  } catch (const Error&) {
  }
  for (SdFormat f : {SdFormat::kJson, SdFormat::kYaml}) {
    try {
      parse_sd_file(in, f, "fuzz");
    } catch (const Error&) {
    }
  }
  return 0;
}
