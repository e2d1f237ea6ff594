#include "core/net/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace observe::net {

namespace {

// ::ffff:a.b.c.d becomes a.b.c.d.
void unmap_ipv4(Address* a) {
  static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (a->family != AF_INET6 || std::memcmp(a->bytes.data(), kMapped, 12) != 0) return;
  uint8_t v4[4];
  std::memcpy(v4, a->bytes.data() + 12, 4);
  a->bytes.fill(0);
  std::memcpy(a->bytes.data(), v4, 4);
  a->family = AF_INET;
}

bool prefix_equal(const Address& a, const Address& b, int prefix) {
  int full = prefix / 8;
  if (std::memcmp(a.bytes.data(), b.bytes.data(), static_cast<size_t>(full)) != 0) return false;
  int rest = prefix % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a.bytes[full] & mask) == (b.bytes[full] & mask);
}

}  // namespace

std::string Address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = "";
  if (family == AF_INET || family == AF_INET6) inet_ntop(family, bytes.data(), buf, sizeof buf);
  return buf;
}

bool parse_address(std::string_view text, Address* out) {
  std::string s(text);
  Address a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
  } else if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
    unmap_ipv4(&a);
  } else {
    return false;
  }
  *out = a;
  return true;
}

bool address_from_sockaddr(const sockaddr* sa, socklen_t len, Address* out) {
  Address a;
  if (sa->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    a.family = AF_INET;
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
  } else if (sa->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    a.family = AF_INET6;
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
    unmap_ipv4(&a);
  } else {
    return false;
  }
  *out = a;
  return true;
}

bool Network::contains(const Address& a) const {
  return a.family == base.family && prefix_equal(a, base, prefix);
}

std::string Network::to_string() const {
  return base.to_string() + "/" + std::to_string(prefix);
}

bool parse_network(std::string_view text, Network* out, std::string* error) {
  size_t slash = text.find('/');
  std::string_view addr_text = text.substr(0, slash);
  Network n;
  if (!parse_address(addr_text, &n.base)) {
    *error = "\"" + std::string(addr_text) + "\" is not an IPv4 or IPv6 address";
    return false;
  }
  // A mapped IPv6 network (::ffff:0:0/96 and longer) is written as IPv4 after unmapping.
  bool was_mapped = n.base.family == AF_INET && addr_text.find(':') != std::string_view::npos;
  n.prefix = n.base.bits();
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    int value = 0;
    if (p.empty() || p.size() > 3) value = -1;
    for (char c : p) value = (c >= '0' && c <= '9' && value >= 0) ? value * 10 + (c - '0') : -1;
    if (was_mapped) value = value >= 96 ? value - 96 : -1;
    if (value < 0 || value > n.base.bits()) {
      *error = "\"" + std::string(text) + "\" has an invalid prefix length";
      return false;
    }
    n.prefix = value;
  }
  Address masked = n.base;
  for (int bit = n.prefix; bit < n.base.bits(); bit++)
    masked.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  if (!(masked == n.base)) {
    *error = "\"" + std::string(text) + "\" has host bits set after the prefix (did you mean " +
             masked.to_string() + "/" + std::to_string(n.prefix) + "?)";
    return false;
  }
  *out = n;
  return true;
}

}  // namespace observe::net
