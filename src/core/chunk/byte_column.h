// The values of a bytes column (log lines, text, datum images) in one contiguous buffer:
// value i is data()[begin(i), end(i)). Appending a value copies its bytes onto the buffer and
// one offset, with no allocation per value (a std::string per buffered log line was a quarter
// of COPY's profile into observe_log), and slicing, merging and reordering rows copy spans of
// bytes. Reads give std::string_view into the buffer, valid until the column changes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/codec/bulk_buffer.h"

namespace observe::chunk {

class ByteColumn {
 public:
  ByteColumn() = default;
  ByteColumn(std::initializer_list<std::string_view> values);
  // Implicit, so that code and tests holding lines as strings can assign them.
  ByteColumn(const std::vector<std::string>& values);  // NOLINT(google-explicit-constructor)

  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  // Bytes of all values together.
  size_t data_size() const { return data_.size(); }
  const codec::ByteBuffer& data() const { return data_; }
  size_t begin_of(size_t i) const { return i == 0 ? 0 : static_cast<size_t>(ends_[i - 1]); }
  size_t end_of(size_t i) const { return static_cast<size_t>(ends_[i]); }

  std::string_view operator[](size_t i) const {
    size_t b = begin_of(i);
    return std::string_view(data_.data() + b, end_of(i) - b);
  }
  std::string_view back() const { return (*this)[size() - 1]; }

  void push_back(std::string_view v) {
    data_.append(v.data(), v.size());
    ends_.push_back(data_.size());
  }
  void emplace_back(const char* p, size_t n) { push_back(std::string_view(p, n)); }
  void emplace_back(std::string_view v) { push_back(v); }
  void emplace_back() { ends_.push_back(data_.size()); }  // an empty value

  void reserve(size_t values, size_t bytes) {
    ends_.reserve(values);
    data_.reserve(bytes);
  }
  void clear() {
    data_.clear();
    ends_.clear();
  }
  void swap(ByteColumn& o) noexcept {
    data_.swap(o.data_);
    ends_.swap(o.ends_);
  }

  // Appends values [begin, end) of `src` (not `*this`): one copy of their bytes.
  void append(const ByteColumn& src, size_t begin, size_t end);
  void append(const ByteColumn& src) { append(src, 0, src.size()); }
  // Replaces the values by values [begin, end) of `src` (not `*this`).
  void assign(const ByteColumn& src, size_t begin, size_t end) {
    clear();
    append(src, begin, end);
  }
  // Replaces the values by `n` copies of `v`.
  void assign(size_t n, std::string_view v);
  // Replaces the values by src's values at `rows` (indexes into src, in that order); `src`
  // must not be `*this`.
  template <typename Index>
  void gather_from(const ByteColumn& src, const std::vector<Index>& rows) {
    size_t bytes = 0;
    for (Index r : rows) bytes += src.end_of(static_cast<size_t>(r)) - src.begin_of(static_cast<size_t>(r));
    clear();
    reserve(rows.size(), bytes);
    for (Index r : rows) push_back(src[static_cast<size_t>(r)]);
  }
  // Takes lines decoded as one concatenation and their end offsets (codec::LogLines).
  void assign_concatenated(codec::ByteBuffer data, const std::vector<uint32_t>& ends);
  // Gives the value buffer away (its bytes unspecified) and leaves the column empty: a decoder
  // reuses it for the next chunk instead of allocating and zeroing a fresh one.
  codec::ByteBuffer release_data() {
    codec::ByteBuffer d;
    d.swap(data_);
    ends_.clear();
    return d;
  }
  // Gives both buffers away with their capacity (their contents unspecified) and leaves the
  // column empty: the write buffer keeps them for the same stream's next rows, so a COPY fills
  // memory it already faulted in instead of growing (and copying) fresh buffers every flush.
  void release_buffers(codec::ByteBuffer& data, std::vector<uint64_t>& ends) {
    data.swap(data_);
    ends.swap(ends_);
    data_.clear();
    ends_.clear();
  }
  // The reverse, on an empty column: takes the buffers' capacity (their contents dropped).
  void adopt_buffers(codec::ByteBuffer&& data, std::vector<uint64_t>&& ends) {
    data_ = std::move(data);
    ends_ = std::move(ends);
    data_.clear();
    ends_.clear();
  }
  size_t capacity_bytes() const { return data_.capacity() + ends_.capacity() * sizeof(uint64_t); }
  // End offsets of the values in data() (value i ends at ends()[i]).
  const std::vector<uint64_t>& ends() const { return ends_; }

  friend bool operator==(const ByteColumn& a, const ByteColumn& b) {
    return a.ends_ == b.ends_ && a.data_ == b.data_;  // equal values <=> equal buffers and offsets
  }
  friend bool operator!=(const ByteColumn& a, const ByteColumn& b) { return !(a == b); }

  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;
    const_iterator(const ByteColumn* c, size_t i) : c_(c), i_(i) {}
    std::string_view operator*() const { return (*c_)[i_]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator operator+(difference_type n) const { return const_iterator(c_, i_ + n); }
    difference_type operator-(const const_iterator& o) const {
      return static_cast<difference_type>(i_) - static_cast<difference_type>(o.i_);
    }
    bool operator==(const const_iterator& o) const { return i_ == o.i_; }
    bool operator!=(const const_iterator& o) const { return i_ != o.i_; }

   private:
    const ByteColumn* c_;
    size_t i_;
  };
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size()); }

 private:
  codec::ByteBuffer data_;  // large blocks in huge pages, reused (bulk_buffer.h)
  std::vector<uint64_t> ends_;
};

}  // namespace observe::chunk
