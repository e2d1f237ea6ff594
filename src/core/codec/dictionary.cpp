#include "core/codec/dictionary.h"

#include <algorithm>
#include <functional>
#include <string_view>

#include "core/codec/integer.h"

namespace observe::codec {

// The hash of a dictionary value: float bits and small integers differ mostly in their high or low
// bits, so a 64-bit value is mixed (splitmix64's finalizer) before its low bits pick a slot.
static size_t dictionary_hash(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return static_cast<size_t>(x ^ (x >> 31));
}
static size_t dictionary_hash(std::string_view s) { return std::hash<std::string_view>()(s); }

// Distinct values in first-seen order and each row's index into them; false when there are
// more than max_distinct. A run of equal neighbours skips the hash lookup. The index is one
// open-addressing table of value numbers, at most half full, allocated once: a node-based map
// cost an allocation per distinct value, most of the encoding of a scrape's small batches.
template <typename T>
static bool build_dictionary(const T* v, size_t n, size_t max_distinct, std::vector<T>& values,
                             std::vector<int64_t>& idx) {
  size_t capacity = 16;
  while (capacity < 2 * (std::min(n, max_distinct) + 1)) capacity <<= 1;
  std::vector<int64_t> slots(capacity, -1);
  const size_t mask = capacity - 1;
  idx.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && v[i] == v[i - 1]) {
      idx[i] = idx[i - 1];
      continue;
    }
    size_t h = dictionary_hash(v[i]) & mask;
    while (slots[h] >= 0 && !(values[static_cast<size_t>(slots[h])] == v[i])) h = (h + 1) & mask;
    if (slots[h] < 0) {
      if (values.size() >= max_distinct) return false;
      slots[h] = static_cast<int64_t>(values.size());
      values.push_back(v[i]);
    }
    idx[i] = slots[h];
  }
  return true;
}

bool dict_encode_u64(const uint64_t* v, size_t n, size_t max_distinct, std::string& out) {
  std::vector<uint64_t> values;
  std::vector<int64_t> idx;
  if (!build_dictionary(v, n, max_distinct, values, idx)) return false;
  put_varint(out, values.size());
  for (uint64_t x : values) put_float_varint(out, x);
  encode_ints(idx.data(), n, out);
  return true;
}

void dict_decode_u64(ByteReader& in, size_t n, uint64_t* out) {
  size_t d = in.count(n);
  std::vector<uint64_t> values(d);
  for (auto& x : values) x = get_float_varint(in);
  std::vector<int64_t> idx(n);
  decode_ints(in, n, idx.data());
  for (size_t i = 0; i < n; ++i) {
    uint64_t k = static_cast<uint64_t>(idx[i]);
    if (k >= d) corrupt("dictionary index");
    out[i] = values[k];
  }
}

bool dict_encode_bytes(const std::string_view* v, size_t n, size_t max_distinct, std::string& out) {
  std::vector<std::string_view> values;  // views of the input rows, which outlive them
  std::vector<int64_t> idx;
  if (!build_dictionary(v, n, max_distinct, values, idx)) return false;
  put_varint(out, values.size());
  plain_encode_bytes(values.data(), values.size(), out);
  encode_ints(idx.data(), n, out);
  return true;
}

bool dict_encode_bytes(const std::string* v, size_t n, size_t max_distinct, std::string& out) {
  std::vector<std::string_view> views(v, v + n);
  return dict_encode_bytes(views.data(), n, max_distinct, out);
}

void dict_decode_views(ByteReader& in, size_t n, std::string_view* out) {
  size_t d = in.count(n);
  std::vector<std::string_view> values(d);
  plain_decode_views(in, d, values.data());
  std::vector<int64_t> idx(n);
  decode_ints(in, n, idx.data());
  for (size_t i = 0; i < n; ++i) {
    uint64_t k = static_cast<uint64_t>(idx[i]);
    if (k >= d) corrupt("dictionary index");
    out[i] = values[k];
  }
}

void dict_decode_bytes(ByteReader& in, size_t n, std::string* out) {
  std::vector<std::string_view> views(n);
  dict_decode_views(in, n, views.data());
  for (size_t i = 0; i < n; ++i) out[i].assign(views[i]);
}

void plain_encode_bytes(const std::string_view* v, size_t n, std::string& out) {
  std::vector<int64_t> lens(n);
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    lens[i] = static_cast<int64_t>(v[i].size());
    total += v[i].size();
  }
  encode_ints(lens.data(), n, out);
  put_varint(out, total);
  for (size_t i = 0; i < n; ++i) out += v[i];
}

void plain_encode_bytes(const std::string* v, size_t n, std::string& out) {
  std::vector<std::string_view> views(v, v + n);
  plain_encode_bytes(views.data(), n, out);
}

void plain_decode_views(ByteReader& in, size_t n, std::string_view* out) {
  std::vector<int64_t> lens(n);
  decode_ints(in, n, lens.data());
  size_t total = in.count(in.remaining());
  std::string_view data = in.bytes(total);
  size_t pos = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t len = static_cast<uint64_t>(lens[i]);
    if (len > total - pos) corrupt("byte string length");
    out[i] = data.substr(pos, len);
    pos += len;
  }
  if (pos != total) corrupt("byte string lengths do not add up");
}

void plain_decode_bytes(ByteReader& in, size_t n, std::string* out) {
  std::vector<std::string_view> views(n);
  plain_decode_views(in, n, views.data());
  for (size_t i = 0; i < n; ++i) out[i].assign(views[i]);
}

}  // namespace observe::codec
