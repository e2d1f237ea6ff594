#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "core/chunk/chunk.h"

namespace observe::chunk::testing {

inline uint64_t bits_of(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}
inline double from_bits(uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}

// Compares two columns value by value, floats by their bits.
inline bool same_column(const Column& a, const Column& b) {
  if (a.kind != b.kind || a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a.is_null(i) != b.is_null(i)) return false;  // an all-false bitmap equals none
    if (a.is_null(i)) continue;
    switch (a.kind) {
      case ColumnKind::kInt64:
        if (a.ints[i] != b.ints[i]) return false;
        break;
      case ColumnKind::kBool:
        if ((a.ints[i] != 0) != (b.ints[i] != 0)) return false;
        break;
      case ColumnKind::kFloat64:
        if (bits_of(a.floats[i]) != bits_of(b.floats[i])) return false;
        break;
      case ColumnKind::kBytes:
        if (a.bytes[i] != b.bytes[i]) return false;
        break;
    }
  }
  return true;
}

inline Column col(ColumnKind k) {
  Column c;
  c.kind = k;
  return c;
}
inline Column float_col(std::vector<double> v) {
  Column c = col(ColumnKind::kFloat64);
  c.floats = std::move(v);
  return c;
}

// A chunk with one column of every kind, some with nulls, from `seed`.
inline ChunkData mixed_chunk(size_t rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ChunkData d;
  int64_t t = 1795544215509;
  for (size_t i = 0; i < rows; ++i) d.times.push_back(t += 1000 + static_cast<int64_t>(rng() % 3));
  Column f = col(ColumnKind::kFloat64);
  double c = 0;
  for (size_t i = 0; i < rows; ++i) f.floats.push_back(c += (rng() % 10) * 0.25);
  Column n = col(ColumnKind::kInt64);
  for (size_t i = 0; i < rows; ++i) n.ints.push_back(static_cast<int64_t>(rng() % 1000) - 500);
  n.nulls.resize(rows);
  for (size_t i = 0; i < rows; ++i) n.nulls[i] = rng() % 5 == 0;
  Column b = col(ColumnKind::kBool);
  for (size_t i = 0; i < rows; ++i) b.ints.push_back((i / 7) % 2);
  Column s = col(ColumnKind::kBytes);
  for (size_t i = 0; i < rows; ++i)
    s.bytes.push_back("level=info msg=\"served\" path=/api/v" + std::to_string(rng() % 4));
  s.nulls.assign(rows, false);
  if (rows > 3) s.nulls[3] = true;
  d.columns = {f, n, b, s};
  return d;
}

}  // namespace observe::chunk::testing
