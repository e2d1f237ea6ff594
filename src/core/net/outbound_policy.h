// Which addresses the database server may connect to on a user's behalf (scrape targets
// today; Kafka brokers, Alertmanager and webhooks as they come). Checked on the address a
// socket is about to connect to, after DNS, so a name that resolves differently later
// (DNS rebinding) is judged by what it resolved to for this very connection.
//
// Two lists of networks. The most specific network (longest prefix) that contains the address
// decides; a tie goes to deny. An address no network contains is allowed when the allow list
// is empty, refused otherwise. So "deny 169.254.0.0/16" with "allow 169.254.10.0/24" reaches
// 169.254.10.5 only, and an allow list alone is an allow-only policy.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/net/address.h"

namespace observe::net {

// Link-local, "this host" and the cloud metadata services. Metadata addresses inside
// 169.254.0.0/16 are listed again so that allowing a link-local range does not allow them.
inline constexpr const char* kDefaultDenyNetworks =
    "169.254.0.0/16, fe80::/10, 0.0.0.0/8, ::/128, "
    "169.254.169.254, fd00:ec2::254, 64:ff9b::a9fe:a9fe, "  // AWS, GCP, Azure, OCI, DO (+IPv6, NAT64)
    "100.100.100.200, "                                      // Alibaba Cloud
    "168.63.129.16, "                                        // Azure WireServer
    "192.0.0.192";                                           // Oracle Cloud (classic)

// A list of networks separated by commas and/or blanks; false with a message on the first
// entry that does not parse.
bool parse_network_list(std::string_view text, std::vector<Network>* out, std::string* error);

struct Verdict {
  bool allowed = true;
  std::string rule;  // the deciding entry ("deny 127.0.0.2/32"), or why nothing matched
};

class OutboundPolicy {
 public:
  OutboundPolicy() = default;  // allows everything
  OutboundPolicy(std::vector<Network> allow, std::vector<Network> deny)
      : allow_(std::move(allow)), deny_(std::move(deny)) {}
  // Both lists from their text form (the GUC values); false with a message naming the list.
  static bool parse(std::string_view allow, std::string_view deny, OutboundPolicy* out,
                    std::string* error);

  Verdict check(const Address& a) const;

  const std::vector<Network>& allow() const { return allow_; }
  const std::vector<Network>& deny() const { return deny_; }

 private:
  std::vector<Network> allow_;
  std::vector<Network> deny_;
};

}  // namespace observe::net
