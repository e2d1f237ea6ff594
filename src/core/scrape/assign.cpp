#include "core/scrape/assign.h"

namespace observe::scrape {

int worker_for_target(std::string_view job, std::string_view url, int workers) {
  if (workers <= 1) return 0;
  // FNV-1a over job \xff url \xff (fixed, not std::hash: the same in every process and build),
  // then splitmix64's finalizer so that the low bits the modulo keeps are well mixed.
  uint64_t h = 1469598103934665603ull;
  for (std::string_view s : {job, url}) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return static_cast<int>(h % static_cast<uint64_t>(workers));
}

}  // namespace observe::scrape
