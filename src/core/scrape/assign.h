// Which of several scrape workers scrapes a target (observe.scrape_workers): a stable hash of
// the target's key (job, URL), so that every target has exactly one worker and keeps it while
// the number of workers stays the same (across restarts, configuration reloads and other
// targets coming and going).
#pragma once

#include <cstdint>
#include <string_view>

namespace observe::scrape {

// In [0, workers); 0 when workers <= 1.
int worker_for_target(std::string_view job, std::string_view url, int workers);

}  // namespace observe::scrape
