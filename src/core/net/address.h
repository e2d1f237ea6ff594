// IP addresses and networks (CIDR) for the outbound policy: parsed from text, taken from a
// connected socket's sockaddr, compared bit by bit. IPv4-mapped IPv6 (::ffff:a.b.c.d) is
// treated as the IPv4 address it carries, so a mapped form cannot slip past an IPv4 rule.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace observe::net {

struct Address {
  int family = 0;                    // AF_INET or AF_INET6; 0: none
  std::array<uint8_t, 16> bytes{};   // IPv4 in bytes[0..3]
  int bits() const { return family == AF_INET ? 32 : 128; }
  std::string to_string() const;
  bool operator==(const Address& o) const { return family == o.family && bytes == o.bytes; }
};

// "10.1.2.3", "fe80::1", "::ffff:169.254.169.254"; false when not an address.
bool parse_address(std::string_view text, Address* out);
// A connected (or about-to-connect) socket address; false for other families.
bool address_from_sockaddr(const sockaddr* sa, socklen_t len, Address* out);

struct Network {
  Address base;     // host bits cleared
  int prefix = 0;   // 0..32 or 0..128
  bool contains(const Address& a) const;
  std::string to_string() const;
};

// "10.0.0.0/8", "fe80::/10", or a bare address (a /32 or /128). Host bits after the prefix
// are an error ("10.0.0.1/8"): such a typo usually means a different network was meant.
bool parse_network(std::string_view text, Network* out, std::string* error);

}  // namespace observe::net
