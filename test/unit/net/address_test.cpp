#include "core/net/address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

using namespace observe::net;

namespace {
Network net(const char* text) {
  Network n;
  std::string error;
  EXPECT_TRUE(parse_network(text, &n, &error)) << text << ": " << error;
  return n;
}
Address addr(const char* text) {
  Address a;
  EXPECT_TRUE(parse_address(text, &a)) << text;
  return a;
}
}  // namespace

TEST(NetAddress, ParsesAndPrints) {
  EXPECT_EQ(addr("10.1.2.3").to_string(), "10.1.2.3");
  EXPECT_EQ(addr("FE80::1").to_string(), "fe80::1");
  EXPECT_EQ(addr("::ffff:169.254.169.254").family, AF_INET);  // mapped: judged as IPv4
  EXPECT_EQ(addr("::ffff:169.254.169.254").to_string(), "169.254.169.254");
  Address a;
  EXPECT_FALSE(parse_address("", &a));
  EXPECT_FALSE(parse_address("localhost", &a));
  EXPECT_FALSE(parse_address("1.2.3", &a));
  EXPECT_FALSE(parse_address("1.2.3.4 ", &a));
}

TEST(NetAddress, FromSockaddr) {
  sockaddr_in6 s6{};
  s6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "::ffff:127.0.0.2", &s6.sin6_addr);
  Address a;
  ASSERT_TRUE(address_from_sockaddr(reinterpret_cast<sockaddr*>(&s6), sizeof s6, &a));
  EXPECT_EQ(a, addr("127.0.0.2"));
  sockaddr_in s4{};
  s4.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &s4.sin_addr);
  ASSERT_TRUE(address_from_sockaddr(reinterpret_cast<sockaddr*>(&s4), sizeof s4, &a));
  EXPECT_EQ(a.to_string(), "127.0.0.1");
  EXPECT_FALSE(address_from_sockaddr(reinterpret_cast<sockaddr*>(&s4), 4, &a));  // truncated
}

TEST(NetNetwork, ContainsByPrefix) {
  EXPECT_TRUE(net("169.254.0.0/16").contains(addr("169.254.169.254")));
  EXPECT_FALSE(net("169.254.0.0/16").contains(addr("169.255.0.1")));
  EXPECT_TRUE(net("fe80::/10").contains(addr("febf::1")));
  EXPECT_FALSE(net("fe80::/10").contains(addr("fec0::1")));
  EXPECT_TRUE(net("0.0.0.0/0").contains(addr("8.8.8.8")));
  EXPECT_FALSE(net("0.0.0.0/0").contains(addr("::1")));  // families never match each other
  EXPECT_TRUE(net("127.0.0.2").contains(addr("127.0.0.2")));
  EXPECT_FALSE(net("127.0.0.2").contains(addr("127.0.0.1")));
  EXPECT_EQ(net("127.0.0.2").prefix, 32);
  EXPECT_EQ(net("::ffff:10.0.0.0/104").to_string(), "10.0.0.0/8");
  EXPECT_TRUE(net("10.0.0.0/7").contains(addr("11.255.255.255")));
}

TEST(NetNetwork, RejectsMalformed) {
  Network n;
  std::string error;
  EXPECT_FALSE(parse_network("10.0.0.1/8", &n, &error));
  EXPECT_NE(error.find("did you mean 10.0.0.0/8"), std::string::npos) << error;
  EXPECT_FALSE(parse_network("10.0.0.0/33", &n, &error));
  EXPECT_FALSE(parse_network("10.0.0.0/", &n, &error));
  EXPECT_FALSE(parse_network("10.0.0.0/-1", &n, &error));
  EXPECT_FALSE(parse_network("fe80::/129", &n, &error));
  EXPECT_FALSE(parse_network("example.com/24", &n, &error));
  EXPECT_NE(error.find("not an IPv4 or IPv6 address"), std::string::npos);
}
