// How long samples whose write gave up on a lock (observe.worker_lock_timeout) may wait to be
// written with the next write: the scrape worker's targets and the rules worker's groups keep
// them, in order, and drop them (logged with their count) only once the first give-up is
// kMaxMs old. A user's transaction or a long maintenance step may hold a lock for seconds;
// a lock held this long loses samples, as before. Pure C++, no PostgreSQL call.
#pragma once

#include <cstdint>

namespace observe::pg {

class RetryHold {
 public:
  static constexpr int64_t kMaxMs = 300000;

  // A write was given up on a lock at now_ms: whether what waits (its samples with those kept
  // before) may wait on. false: the first give-up is older than kMaxMs, drop them (and clear).
  bool keep(int64_t now_ms) {
    if (since_ms_ == 0) since_ms_ = now_ms;
    if (now_ms - since_ms_ > kMaxMs) {
      since_ms_ = 0;
      return false;
    }
    return true;
  }
  // What waited was written or dropped.
  void clear() { since_ms_ = 0; }
  // Since when the oldest kept samples wait (0: none).
  int64_t since_ms() const { return since_ms_; }

 private:
  int64_t since_ms_ = 0;
};

}  // namespace observe::pg
