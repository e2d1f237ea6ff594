#include "core/net/outbound_policy.h"

#include <gtest/gtest.h>

#include <set>

using namespace observe::net;

namespace {
OutboundPolicy policy(const char* allow, const char* deny) {
  OutboundPolicy p;
  std::string error;
  EXPECT_TRUE(OutboundPolicy::parse(allow, deny, &p, &error)) << error;
  return p;
}
Verdict check(const OutboundPolicy& p, const char* a) {
  Address addr;
  EXPECT_TRUE(parse_address(a, &addr)) << a;
  return p.check(addr);
}
}  // namespace

// The defaults' contents, checked without connecting anywhere.
TEST(OutboundPolicy, DefaultDenyList) {
  std::vector<Network> list;
  std::string error;
  ASSERT_TRUE(parse_network_list(kDefaultDenyNetworks, &list, &error)) << error;
  std::set<std::string> got;
  for (const auto& n : list) got.insert(n.to_string());
  std::set<std::string> want = {"169.254.0.0/16", "fe80::/10", "0.0.0.0/8", "::/128",
                                "169.254.169.254/32", "fd00:ec2::254/128", "64:ff9b::a9fe:a9fe/128",
                                "100.100.100.200/32", "168.63.129.16/32", "192.0.0.192/32"};
  EXPECT_EQ(got, want);

  OutboundPolicy p = policy("", kDefaultDenyNetworks);
  for (const char* denied : {"169.254.169.254", "169.254.1.1", "::ffff:169.254.169.254", "fe80::1",
                             "fd00:ec2::254", "100.100.100.200", "168.63.129.16", "192.0.0.192",
                             "0.0.0.0", "::", "64:ff9b::a9fe:a9fe"})
    EXPECT_FALSE(check(p, denied).allowed) << denied;
  for (const char* allowed : {"127.0.0.1", "::1", "10.0.0.1", "192.168.1.1", "100.100.100.201"})
    EXPECT_TRUE(check(p, allowed).allowed) << allowed;
  EXPECT_EQ(check(p, "169.254.169.254").rule, "deny 169.254.169.254/32");
}

TEST(OutboundPolicy, MostSpecificWinsTieDenies) {
  OutboundPolicy p = policy("169.254.10.0/24, 169.254.0.0/16", "169.254.0.0/16, 169.254.169.254");
  EXPECT_TRUE(check(p, "169.254.10.5").allowed);
  EXPECT_EQ(check(p, "169.254.10.5").rule, "allow 169.254.10.0/24");
  EXPECT_FALSE(check(p, "169.254.1.1").allowed);  // tie at /16: deny
  EXPECT_FALSE(check(p, "169.254.169.254").allowed);
  EXPECT_FALSE(check(p, "8.8.8.8").allowed);  // allow list given: nothing else
  EXPECT_EQ(check(p, "8.8.8.8").rule, "not in the allow list");
}

TEST(OutboundPolicy, DenyLoopbackAddress) {
  OutboundPolicy p = policy("", "127.0.0.2/32");
  EXPECT_FALSE(check(p, "127.0.0.2").allowed);
  EXPECT_FALSE(check(p, "::ffff:127.0.0.2").allowed);
  EXPECT_TRUE(check(p, "127.0.0.1").allowed);
  EXPECT_TRUE(OutboundPolicy().check(Address{}).allowed);  // no policy: everything
}

TEST(OutboundPolicy, ParseErrorsNameTheList) {
  OutboundPolicy p;
  std::string error;
  EXPECT_FALSE(OutboundPolicy::parse("10.0.0.0/8 nonsense", "", &p, &error));
  EXPECT_EQ(error.rfind("allow list: ", 0), 0u) << error;
  EXPECT_FALSE(OutboundPolicy::parse("", "10.0.0.0/8,,fe80::/200", &p, &error));
  EXPECT_EQ(error.rfind("deny list: ", 0), 0u) << error;
  EXPECT_TRUE(OutboundPolicy::parse(" , ", "\t", &p, &error));  // blank lists are empty lists
  EXPECT_TRUE(p.allow().empty());
  EXPECT_TRUE(p.deny().empty());
}
