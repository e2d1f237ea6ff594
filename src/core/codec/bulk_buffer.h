// Byte buffers of multi-MB decoded data (a 4 MiB log chunk's lines): memory that is cheap to
// touch the first time. A new process's fresh 4 KiB pages each cost a page fault when first
// written; in the VM these figures come from one was ~13 µs, so the 4 MiB line buffer of a new
// backend's first chunk cost ~13 ms, more than the rest of its first needle. Blocks of
// kBulkBytes or more are mapped 2 MiB-aligned and advised as transparent huge pages (two faults
// for 4 MiB, ~0.5 ms there), and a few freed ones are kept for the next block (a query decodes
// chunk after chunk, a session query after query: no new mapping, no fault).
#pragma once

#include <cstddef>
#include <new>
#include <string>

namespace observe::codec {

inline constexpr size_t kBulkBytes = size_t{2} << 20;

// At least `bytes` (>= kBulkBytes) bytes, 2 MiB-aligned where the system allows; throws
// std::bad_alloc. bulk_deallocate must get the same `bytes`.
void* bulk_allocate(size_t bytes);
void bulk_deallocate(void* p, size_t bytes) noexcept;
// The bytes of the freed blocks this thread keeps for reuse, and unmapping them (tests).
size_t bulk_cached_bytes();
void bulk_release_cached() noexcept;

// std::allocator for small sizes, bulk blocks from kBulkBytes on. Stateless: any two are equal.
template <typename T>
struct BulkAllocator {
  using value_type = T;
  BulkAllocator() noexcept = default;
  template <typename U>
  BulkAllocator(const BulkAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kBulkBytes) return static_cast<T*>(::operator new(bytes));
    return static_cast<T*>(bulk_allocate(bytes));
  }
  void deallocate(T* p, size_t n) noexcept {
    const size_t bytes = n * sizeof(T);
    if (bytes < kBulkBytes)
      ::operator delete(p);
    else
      bulk_deallocate(p, bytes);
  }
  friend bool operator==(const BulkAllocator&, const BulkAllocator&) noexcept { return true; }
  friend bool operator!=(const BulkAllocator&, const BulkAllocator&) noexcept { return false; }
};

// The buffer of a bytes column's values and of decoded log lines (chunk::ByteColumn,
// codec::LogLines): a std::string but for where its large blocks come from.
using ByteBuffer = std::basic_string<char, std::char_traits<char>, BulkAllocator<char>>;

}  // namespace observe::codec
