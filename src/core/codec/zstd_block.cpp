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

}  // namespace

std::string zstd_compress(std::string_view raw, int level) {
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  size_t n = ZSTD_compressCCtx(cctx(), out.data(), out.size(), raw.data(), raw.size(), level);
  if (ZSTD_isError(n))
    throw Error(ErrorKind::kInternal, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
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
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  size_t n = ZSTD_compress_usingDict(cctx(), out.data(), out.size(), raw.data(), raw.size(),
                                     dictionary.data(), dictionary.size(), level);
  if (ZSTD_isError(n))
    throw Error(ErrorKind::kInternal, std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
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
