// libFuzzer target: any byte string given to peek / decode / ChunkReader /
// decode_samples either decodes consistently or throws kDataException.
// Built with OBSERVE_FUZZ=ON and clang (see CMakeLists.txt); the GoogleTest
// ChunkFuzz cases run a deterministic share of the same checks everywhere.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/chunk/chunk.h"
#include "core/common/error.h"

using namespace observe::chunk;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  try {
    ChunkSummary s = peek(bytes);
    ChunkData d = decode(bytes);
    if (d.times.size() != s.rows) std::abort();
    for (const Column& c : d.columns)
      if (c.size() != s.rows || (!c.nulls.empty() && c.nulls.size() != s.rows)) std::abort();
    // Re-encoding what decoded must decode to the same rows.
    ChunkData again = decode(encode(d));
    if (again.times != d.times) std::abort();
  } catch (const observe::Error& e) {
    if (e.kind() != observe::ErrorKind::kDataException) std::abort();
  }
  try {
    std::vector<int64_t> t;
    std::vector<double> v;
    decode_samples(bytes, t, v);
    if (t.size() != v.size()) std::abort();
  } catch (const observe::Error& e) {
    if (e.kind() != observe::ErrorKind::kDataException) std::abort();
  }
  return 0;
}
