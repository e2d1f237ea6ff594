#include "core/codec/bulk_buffer.h"

#include <cstdint>
#include <cstdlib>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace observe::codec {
namespace {

constexpr size_t kHuge = size_t{2} << 20;
size_t round_up(size_t n) { return (n + kHuge - 1) & ~(kHuge - 1); }

// Freed blocks kept for the next allocation (a decoder's next chunk, a backend's next query):
// at most kKeepBlocks of them, kKeepBytes in all; a block is reused for a request of its own
// rounded length (the length bulk_deallocate computes again from the request's size).
constexpr size_t kKeepBlocks = 2;
constexpr size_t kKeepBytes = size_t{32} << 20;
struct Kept {
  void* p[kKeepBlocks] = {};
  size_t len[kKeepBlocks] = {};
  size_t bytes = 0;
  ~Kept();
};
Kept& kept() {
  thread_local Kept k;
  return k;
}

void* map_block(size_t len) {
#if defined(__linux__)
  // Over-map by 2 MiB and cut the ends off, so the block starts on a huge page boundary.
  void* m = mmap(nullptr, len + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t b = reinterpret_cast<uintptr_t>(m);
  const uintptr_t a = (b + kHuge - 1) & ~(uintptr_t{kHuge} - 1);
  if (a > b) munmap(m, a - b);
  const uintptr_t tail = a + len, end = b + len + kHuge;
  if (end > tail) munmap(reinterpret_cast<void*>(tail), end - tail);
#ifdef MADV_HUGEPAGE
  (void)madvise(reinterpret_cast<void*>(a), len, MADV_HUGEPAGE);  // advice: refused, 4 KiB pages
#endif
  return reinterpret_cast<void*>(a);
#else
  return ::operator new(len);
#endif
}

void unmap_block(void* p, size_t len) noexcept {
#if defined(__linux__)
  munmap(p, len);
#else
  (void)len;
  ::operator delete(p);
#endif
}

Kept::~Kept() {
  for (size_t i = 0; i < kKeepBlocks; ++i)
    if (p[i] != nullptr) unmap_block(p[i], len[i]);
}

}  // namespace

// glibc raises its mmap threshold (to at most 32 MiB) when it frees a mapped block larger than
// it, so the multi-MB line buffers that used to come from malloc moved the threshold up and the
// smaller decoded vectors of every later chunk (times, offsets: ~136 KB for a 4 MiB chunk) came
// from its reused heap; without them, each of those was a fresh mapping faulted in again (a
// session's repeated needle: 1.8 -> 3.8 ms). A block of our size goes through malloc once per
// thread, untouched, to keep that adaptation as it was.
void keep_malloc_threshold(size_t len) {
  thread_local bool done = false;
  if (done) return;
  done = true;
  void* volatile p = std::malloc(len);  // volatile: the compiler may not drop the pair
  std::free(p);
}

void* bulk_allocate(size_t bytes) {
  const size_t len = round_up(bytes);
  keep_malloc_threshold(len);
  Kept& k = kept();
  for (size_t i = 0; i < kKeepBlocks; ++i)
    if (k.p[i] != nullptr && k.len[i] == len) {
      void* p = k.p[i];
      k.bytes -= k.len[i];
      k.p[i] = nullptr;
      k.len[i] = 0;
      return p;
    }
  return map_block(len);
}

void bulk_deallocate(void* p, size_t bytes) noexcept {
  if (p == nullptr) return;
  size_t len = round_up(bytes);
  Kept& k = kept();
  for (size_t i = 0; i < kKeepBlocks; ++i)
    if (k.p[i] == nullptr && k.bytes + len <= kKeepBytes) {
      k.p[i] = p;
      k.len[i] = len;
      k.bytes += len;
      return;
    }
  unmap_block(p, len);
}

size_t bulk_cached_bytes() { return kept().bytes; }

void bulk_release_cached() noexcept {
  Kept& k = kept();
  for (size_t i = 0; i < kKeepBlocks; ++i)
    if (k.p[i] != nullptr) {
      unmap_block(k.p[i], k.len[i]);
      k.p[i] = nullptr;
      k.len[i] = 0;
    }
  k.bytes = 0;
}

}  // namespace observe::codec
