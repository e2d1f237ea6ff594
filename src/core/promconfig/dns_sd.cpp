#include "core/promconfig/dns_sd.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <netdb.h>
#include <resolv.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "core/common/error.h"

namespace observe::promconfig {

namespace {

// Go's net.JoinHostPort: brackets around a host with a colon (IPv6).
std::string join_host_port(const std::string& host, int64_t port) {
  std::string p = std::to_string(port);
  return host.find(':') != std::string::npos ? "[" + host + "]:" + p : host + ":" + p;
}

// Go's net.IP.String() of a 16-byte address: an IPv4-mapped one prints as IPv4.
std::string ipv6_text(const unsigned char* a) {
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char buf[INET6_ADDRSTRLEN];
  if (std::memcmp(a, kMapped, 12) == 0) {
    inet_ntop(AF_INET, a + 12, buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, a, buf, sizeof buf);
  }
  return buf;
}

}  // namespace

std::string dns_record_type(const std::string& type) {
  std::string t = type;
  for (auto& c : t) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return t;
}

int dns_query_type(const std::string& type) {
  std::string t = dns_record_type(type);
  if (t == "A") return ns_t_a;
  if (t == "AAAA") return ns_t_aaaa;
  return ns_t_srv;
}

std::vector<DnsRecord> parse_dns_answer(const unsigned char* msg, size_t len) {
  ns_msg handle;
  if (len > 65535 || ns_initparse(msg, static_cast<int>(len), &handle) < 0)
    throw Error(ErrorKind::kDataException, "malformed DNS response");
  std::vector<DnsRecord> out;
  int n = ns_msg_count(handle, ns_s_an);
  for (int i = 0; i < n; i++) {
    ns_rr rr;
    if (ns_parserr(&handle, ns_s_an, i, &rr) < 0) throw Error(ErrorKind::kDataException, "malformed DNS answer record");
    const unsigned char* rd = ns_rr_rdata(rr);
    size_t rdlen = ns_rr_rdlen(rr);
    DnsRecord r;
    if (ns_rr_class(rr) != ns_c_in) {
      out.push_back(r);
      continue;
    }
    switch (ns_rr_type(rr)) {
      case ns_t_srv: {
        if (rdlen < 7) throw Error(ErrorKind::kDataException, "malformed SRV record");
        char name[NS_MAXDNAME];
        if (dn_expand(ns_msg_base(handle), ns_msg_end(handle), rd + 6, name, sizeof name) < 0)
          throw Error(ErrorKind::kDataException, "malformed SRV target");
        r.kind = DnsRecord::Kind::kSrv;
        r.port = static_cast<uint16_t>(rd[4] << 8 | rd[5]);
        // miekg/dns keeps names rooted: "host.example." (the root itself is ".").
        r.host = name[0] == '\0' || std::strcmp(name, ".") == 0 ? "." : std::string(name) + ".";
        break;
      }
      case ns_t_a: {
        if (rdlen != 4) throw Error(ErrorKind::kDataException, "malformed A record");
        char buf[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, rd, buf, sizeof buf);
        r.kind = DnsRecord::Kind::kA;
        r.host = buf;
        break;
      }
      case ns_t_aaaa: {
        if (rdlen != 16) throw Error(ErrorKind::kDataException, "malformed AAAA record");
        r.kind = DnsRecord::Kind::kAaaa;
        r.host = ipv6_text(rd);
        break;
      }
      default:
        break;
    }
    out.push_back(std::move(r));
  }
  return out;
}

TargetGroup dns_target_group(const std::string& name, const std::vector<DnsRecord>& records, int64_t port) {
  TargetGroup g;
  g.source = name;
  for (const auto& r : records) {
    std::map<std::string, std::string> labels{{"__meta_dns_name", name}};
    std::string address;
    switch (r.kind) {
      case DnsRecord::Kind::kSrv: {
        labels["__meta_dns_srv_record_target"] = r.host;
        labels["__meta_dns_srv_record_port"] = std::to_string(r.port);
        // The final dot of a rooted name goes, as Prometheus strips it.
        std::string host = r.host;
        while (!host.empty() && host.back() == '.') host.pop_back();
        address = join_host_port(host, r.port);
        break;
      }
      case DnsRecord::Kind::kA:
      case DnsRecord::Kind::kAaaa:
        labels["__meta_dns_srv_record_target"] = "";
        labels["__meta_dns_srv_record_port"] = "";
        address = join_host_port(r.host, port);
        break;
      case DnsRecord::Kind::kOther:
        continue;  // a CNAME on the way to the A records, or a type not asked for
    }
    g.targets.push_back(address);
    g.target_labels.push_back(std::move(labels));
  }
  return g;
}

DnsLookup dns_lookup(const std::string& name, int qtype, const std::string& server, int timeout_ms) {
  DnsLookup out;
  auto st = std::make_unique<struct __res_state>();
  std::memset(st.get(), 0, sizeof(struct __res_state));
  if (res_ninit(st.get()) != 0) {
    out.error = "could not initialise the system resolver";
    return out;
  }
  st->retrans = std::max(1, timeout_ms / 1000);
  st->retry = 2;
  if (!server.empty()) {
    size_t colon = server.rfind(':');
    struct sockaddr_in sin;
    std::memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    int port = colon == std::string::npos ? 53 : std::atoi(server.c_str() + colon + 1);
    std::string host = server.substr(0, colon);
    if (inet_pton(AF_INET, host.c_str(), &sin.sin_addr) != 1 || port <= 0 || port > 65535) {
      res_nclose(st.get());
      out.error = "invalid DNS server " + server + " (expected ipv4:port)";
      return out;
    }
    sin.sin_port = htons(static_cast<uint16_t>(port));
    st->nsaddr_list[0] = sin;
    st->nscount = 1;
  }
  std::vector<unsigned char> answer(65536);
  int n = res_nsearch(st.get(), name.c_str(), ns_c_in, qtype, answer.data(), static_cast<int>(answer.size()));
  int herr = st->res_h_errno;
  res_nclose(st.get());
  if (n < 0) {
    // NXDOMAIN for every name of the search list, or a name without such records: no
    // targets, as Prometheus's lookupWithSearchPath answers with an empty message.
    if (herr == HOST_NOT_FOUND || herr == NO_DATA) return out;
    out.error = "could not resolve \"" + name + "\": " + hstrerror(herr);
    return out;
  }
  try {
    out.records = parse_dns_answer(answer.data(), static_cast<size_t>(n));
  } catch (const Error& e) {
    out.error = "could not resolve \"" + name + "\": " + e.what();
  }
  return out;
}

}  // namespace observe::promconfig
