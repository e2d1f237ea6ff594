#include "core/chunk/byte_column.h"

namespace observe::chunk {

ByteColumn::ByteColumn(std::initializer_list<std::string_view> values) {
  size_t bytes = 0;
  for (std::string_view v : values) bytes += v.size();
  reserve(values.size(), bytes);
  for (std::string_view v : values) push_back(v);
}

ByteColumn::ByteColumn(const std::vector<std::string>& values) {
  size_t bytes = 0;
  for (const std::string& v : values) bytes += v.size();
  reserve(values.size(), bytes);
  for (const std::string& v : values) push_back(v);
}

void ByteColumn::append(const ByteColumn& src, size_t begin, size_t end) {
  if (begin >= end) return;
  const size_t from = src.begin_of(begin), to = src.end_of(end - 1);
  const uint64_t shift = data_.size() - from;  // wraps for from > size(): unsigned arithmetic
  data_.append(src.data_, from, to - from);
  ends_.reserve(ends_.size() + (end - begin));
  for (size_t i = begin; i < end; ++i) ends_.push_back(src.ends_[i] + shift);
}

void ByteColumn::assign(size_t n, std::string_view v) {
  clear();
  reserve(n, n * v.size());
  for (size_t i = 0; i < n; ++i) push_back(v);
}

void ByteColumn::assign_concatenated(codec::ByteBuffer data, const std::vector<uint32_t>& ends) {
  data_ = std::move(data);
  data_.resize(ends.empty() ? 0 : ends.back());  // nothing past the last value (operator==)
  ends_.assign(ends.begin(), ends.end());
}

}  // namespace observe::chunk
