// DNS service discovery (dns_sd_configs) as Prometheus 2.42's discovery/dns does it: one
// target group per name, a target per SRV, A or AAAA record of the answer, with
// __meta_dns_name, __meta_dns_srv_record_target and __meta_dns_srv_record_port. Names are
// resolved by the system resolver (glibc's res_nsearch: /etc/resolv.conf's servers and
// search list); a test or a site may name one server instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/promconfig/config.h"

namespace observe::promconfig {

struct DnsRecord {
  enum class Kind { kSrv, kA, kAaaa, kOther };
  Kind kind = Kind::kOther;
  std::string host;   // SRV: the target as sent (rooted, with its final dot); A/AAAA: the address
  uint16_t port = 0;  // SRV only
};

// A dns_sd_config's `type` as Prometheus compares it (upper case): "SRV", "A", "AAAA" or,
// in a configuration load_config refuses, anything else.
std::string dns_record_type(const std::string& type);

// Query type of a dns_sd_config's `type` (load_config has checked it).
int dns_query_type(const std::string& type);

// The records of a DNS response's answer section (RFC 1035), in order. Records of other
// types (a CNAME before the A records, say) are kept as kOther. Throws Error on a malformed
// message.
std::vector<DnsRecord> parse_dns_answer(const unsigned char* msg, size_t len);

// Prometheus's refreshOne: the group of one name's records (`port` for A and AAAA records).
TargetGroup dns_target_group(const std::string& name, const std::vector<DnsRecord>& records, int64_t port);

// What one lookup found: the records, or `error` when no server gave a usable answer (the
// caller keeps the name's previous group, as Prometheus does). A name that does not exist
// (NXDOMAIN) or has no record of the type is an empty answer, not an error.
struct DnsLookup {
  std::vector<DnsRecord> records;
  std::string error;
};

// `server` empty: the system's configuration. Else "ip:port" (IPv4): that server only. Each
// query waits at most `timeout_ms` (two tries), so a dead server cannot stall the caller long.
DnsLookup dns_lookup(const std::string& name, int qtype, const std::string& server, int timeout_ms);

}  // namespace observe::promconfig
