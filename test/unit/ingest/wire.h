// A minimal protobuf wire writer for tests, written from the encoding spec and independent of
// the generated classes the decoders use, so field numbers and wire types are checked too.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace observe::ingest::testing {

class Wire {
 public:
  Wire& varint(uint64_t v) {
    while (v >= 0x80) {
      s_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    s_.push_back(static_cast<char>(v));
    return *this;
  }
  Wire& tag(int field, int wire_type) { return varint((uint64_t(field) << 3) | wire_type); }
  Wire& bytes(int field, std::string_view b) {
    tag(field, 2).varint(b.size());
    s_.append(b.data(), b.size());
    return *this;
  }
  Wire& int64(int field, int64_t v) { return tag(field, 0).varint(static_cast<uint64_t>(v)); }
  Wire& dbl(int field, double v) {
    tag(field, 1);
    char b[8];
    std::memcpy(b, &v, 8);
    s_.append(b, 8);
    return *this;
  }
  Wire& raw(std::string_view b) {
    s_.append(b.data(), b.size());
    return *this;
  }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

// Loki: EntryAdapter{timestamp{seconds,nanos}, line, structuredMetadata[]}.
inline std::string loki_entry(int64_t seconds, int32_t nanos, std::string_view line,
                              std::initializer_list<std::pair<std::string, std::string>> metadata = {}) {
  Wire ts;
  if (seconds) ts.int64(1, seconds);
  if (nanos) ts.int64(2, nanos);
  Wire e;
  e.bytes(1, ts.str()).bytes(2, line);
  for (const auto& [n, v] : metadata) e.bytes(3, Wire().bytes(1, n).bytes(2, v).str());
  return e.str();
}

}  // namespace observe::ingest::testing
