#include "core/codec/null_bitmap.h"

#include "core/codec/integer.h"

namespace observe::codec {

void nulls_encode(const std::vector<bool>& nulls, std::string& out) {
  std::vector<int64_t> runs;
  bool cur = false;  // the first run counts non-nulls (maybe zero of them)
  int64_t len = 0;
  for (bool b : nulls) {
    if (b != cur) {
      runs.push_back(len);
      cur = b;
      len = 0;
    }
    ++len;
  }
  runs.push_back(len);
  put_varint(out, runs.size());
  encode_ints(runs.data(), runs.size(), out);
}

std::vector<bool> nulls_decode(ByteReader& in, size_t n) {
  size_t nruns = in.count(n + 1);
  std::vector<int64_t> runs(nruns);
  decode_ints(in, nruns, runs.data());
  std::vector<bool> nulls;
  nulls.reserve(n);
  bool cur = false;
  for (int64_t r : runs) {
    if (r < 0 || static_cast<uint64_t>(r) > n - nulls.size()) corrupt("null run");
    nulls.insert(nulls.end(), static_cast<size_t>(r), cur);
    cur = !cur;
  }
  if (nulls.size() != n) corrupt("null runs do not cover the rows");
  return nulls;
}

}  // namespace observe::codec
