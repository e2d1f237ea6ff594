// ip("...") of line filters and label filters: a single address, a range `a-b` or a CIDR,
// IPv4 or IPv6.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace observe::logql {

class IpMatcher {
 public:
  // Throws std::invalid_argument("ip: invalid pattern ...") for a malformed pattern.
  explicit IpMatcher(std::string_view pattern);
  // The value is exactly an address in the set.
  bool matches_value(std::string_view value) const;
  // Some address-looking token of the line is in the set.
  bool matches_line(std::string_view line) const;

 private:
  struct Addr {
    bool v4 = false;
    std::array<uint8_t, 16> b{};
  };
  static bool parse(std::string_view s, Addr* a);
  bool contains(const Addr& a) const;
  Addr lo_, hi_;
};

}  // namespace observe::logql
