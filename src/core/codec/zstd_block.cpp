#include "core/codec/zstd_block.h"

#include <zstd.h>

#include <memory>

#include "core/codec/byte_io.h"

namespace observe::codec {
namespace {

// One context per thread: creating a context costs more than compressing a
// small column.
struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* c) const { ZSTD_freeDCtx(c); }
};

ZSTD_CCtx* cctx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> c(ZSTD_createCCtx());
  return c.get();
}
ZSTD_DCtx* dctx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> c(ZSTD_createDCtx());
  return c.get();
}

// Where frames are compressed before their exact bytes are copied out: a compressed chunk is a
// fraction of its bound, so a zero-filled bound-sized string per call (a fresh mapping, faulted
// in and cleared for every chunk of a COPY) cost more than the copy. Kept between calls up to
// kScratchKeep bytes.
constexpr size_t kScratchKeep = size_t{16} << 20;
struct Scratch {
  std::unique_ptr<char[]> data;
  size_t size = 0;
};
char* scratch(size_t n) {
  thread_local Scratch s;
  if (s.size < n || (s.size > kScratchKeep && n <= kScratchKeep)) {
    s.data.reset();
    s.data.reset(new char[n]);
    s.size = n;
  }
  return s.data.get();
}

}  // namespace

std::string zstd_compress(std::string_view raw, int level) {
  size_t bound = ZSTD_compressBound(raw.size());
  char* buf = scratch(bound);
  size_t n = ZSTD_compressCCtx(cctx(), buf, bound, raw.data(), raw.size(), level);
  if (ZSTD_isError(n))
    throw Error(ErrorKind::kInternal, std::string("zstd: ") + ZSTD_getErrorName(n));
  return std::string(buf, n);
}

std::string zstd_decompress(std::string_view frame, size_t raw_size) {
  if (raw_size > kMaxDecompressed) corrupt("zstd size");
  std::string out(raw_size, '\0');
  size_t n = ZSTD_decompressDCtx(dctx(), out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != raw_size) corrupt("zstd frame");
  return out;
}

std::string zstd_compress_dict(std::string_view raw, int level, std::string_view dictionary) {
  if (dictionary.empty()) return zstd_compress(raw, level);
  size_t bound = ZSTD_compressBound(raw.size());
  char* buf = scratch(bound);
  size_t n = ZSTD_compress_usingDict(cctx(), buf, bound, raw.data(), raw.size(),
                                     dictionary.data(), dictionary.size(), level);
  if (ZSTD_isError(n))
    throw Error(ErrorKind::kInternal, std::string("zstd: ") + ZSTD_getErrorName(n));
  return std::string(buf, n);
}

void zstd_decompress_into(std::string_view frame, char* dst, size_t raw_size,
                          std::string_view dictionary) {
  if (raw_size > kMaxDecompressed) corrupt("zstd size");
  size_t n = dictionary.empty()
                 ? ZSTD_decompressDCtx(dctx(), dst, raw_size, frame.data(), frame.size())
                 : ZSTD_decompress_usingDict(dctx(), dst, raw_size, frame.data(), frame.size(),
                                             dictionary.data(), dictionary.size());
  if (ZSTD_isError(n) || n != raw_size) corrupt("zstd frame");
}

}  // namespace observe::codec
