// dns_sd_configs: the configuration checks of Prometheus 2.42's discovery/dns, the answer
// parser, the target groups (its dns_test.go cases), and a lookup through glibc's resolver
// against a DNS server in this process on 127.0.0.1.
#include "core/promconfig/dns_sd.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/promconfig/config.h"
#include "core/promconfig/populate.h"

namespace observe::promconfig {
namespace {

using Bytes = std::vector<unsigned char>;

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<unsigned char>(v >> 8));
  b.push_back(static_cast<unsigned char>(v));
}

void put_name(Bytes& b, const std::string& name) {
  size_t start = 0;
  while (start < name.size()) {
    size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    b.push_back(static_cast<unsigned char>(dot - start));
    b.insert(b.end(), name.begin() + start, name.begin() + dot);
    start = dot + 1;
  }
  b.push_back(0);
}

struct Answer {
  int type;
  Bytes rdata;
};

Answer srv(unsigned port, const std::string& target) {
  Answer a{ns_t_srv, {}};
  put16(a.rdata, 10);  // priority
  put16(a.rdata, 5);   // weight
  put16(a.rdata, port);
  put_name(a.rdata, target);
  return a;
}

Answer a_record(const std::string& ip) {
  Answer a{ns_t_a, Bytes(4)};
  inet_pton(AF_INET, ip.c_str(), a.rdata.data());
  return a;
}

Answer aaaa_record(const std::string& ip) {
  Answer a{ns_t_aaaa, Bytes(16)};
  inet_pton(AF_INET6, ip.c_str(), a.rdata.data());
  return a;
}

Answer cname(const std::string& target) {
  Answer a{ns_t_cname, {}};
  put_name(a.rdata, target);
  return a;
}

// A response to `id` for (name, qtype) with the answers; rcode 3 is NXDOMAIN.
Bytes response(unsigned id, const std::string& name, int qtype, const std::vector<Answer>& answers, int rcode = 0) {
  Bytes b;
  put16(b, id);
  put16(b, 0x8180 | rcode);  // QR, RD, RA
  put16(b, 1);
  put16(b, answers.size());
  put16(b, 0);
  put16(b, 0);
  put_name(b, name);
  put16(b, qtype);
  put16(b, ns_c_in);
  for (const auto& a : answers) {
    put16(b, 0xc00c);  // the question's name
    put16(b, a.type);
    put16(b, ns_c_in);
    put16(b, 0);
    put16(b, 30);  // TTL
    put16(b, a.rdata.size());
    b.insert(b.end(), a.rdata.begin(), a.rdata.end());
  }
  return b;
}

std::vector<std::string> describe(const TargetGroup& g) {
  std::vector<std::string> out;
  for (size_t i = 0; i < g.targets.size(); i++) {
    std::string s = g.targets[i];
    for (const auto& [k, v] : g.target_labels[i]) s += " " + k + "=" + v;
    out.push_back(s);
  }
  return out;
}

TEST(DnsSdConfig, ChecksAsPrometheus) {
  auto cfg = load_config(R"(scrape_configs:
  - job_name: d
    dns_sd_configs:
      - names: [_prometheus._tcp.example.org]
      - names: [a.example.org, b.example.org]
        type: a
        port: 9100
        refresh_interval: 15s
)");
  ASSERT_EQ(cfg.scrape_configs[0].dns_sd_configs.size(), 2u);
  const auto& d0 = cfg.scrape_configs[0].dns_sd_configs[0];
  EXPECT_EQ(d0.type, "SRV");
  EXPECT_EQ(d0.refresh_interval_ms, 30000);
  const auto& d1 = cfg.scrape_configs[0].dns_sd_configs[1];
  EXPECT_EQ(d1.names, (std::vector<std::string>{"a.example.org", "b.example.org"}));
  EXPECT_EQ(dns_query_type(d1.type), ns_t_a);
  EXPECT_EQ(d1.port, 9100);
  EXPECT_EQ(d1.refresh_interval_ms, 15000);
  EXPECT_TRUE(cfg.not_imported.empty());

  auto error_of = [](const std::string& dns) {
    try {
      load_config("scrape_configs:\n  - job_name: d\n    dns_sd_configs:\n      - " + dns + "\n");
    } catch (const ConfigError& e) {
      return e.message();
    }
    return std::string("no error");
  };
  EXPECT_EQ(error_of("{type: SRV}"), "DNS-SD config must contain at least one SRV record name");
  EXPECT_EQ(error_of("{names: [x], type: AAAA}"), "a port is required in DNS-SD configs for all record types except SRV");
  EXPECT_EQ(error_of("{names: [x], type: MX, port: 1}"), "invalid DNS-SD records type MX");
  EXPECT_EQ(error_of("{names: [x], typo: 1}"), "field typo not found in type dns.plain");
}

TEST(DnsSdAnswer, ParsesSrvAAndAaaaRecords) {
  Bytes m = response(7, "_p._tcp.example.org", ns_t_srv,
                     {srv(9100, "h1.example.org"), srv(9101, "h2.example.org"), cname("x.example.org"),
                      a_record("192.0.2.1"), aaaa_record("2001:db8::1"), aaaa_record("::ffff:192.0.2.9")});
  auto records = parse_dns_answer(m.data(), m.size());
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(records[0].kind, DnsRecord::Kind::kSrv);
  EXPECT_EQ(records[0].host, "h1.example.org.");
  EXPECT_EQ(records[0].port, 9100);
  EXPECT_EQ(records[2].kind, DnsRecord::Kind::kOther);
  EXPECT_EQ(records[3].host, "192.0.2.1");
  EXPECT_EQ(records[4].host, "2001:db8::1");
  EXPECT_EQ(records[5].host, "192.0.2.9");  // Go prints an IPv4-mapped address as IPv4

  Bytes cut(m.begin(), m.begin() + static_cast<long>(m.size()) - 3);
  EXPECT_THROW(parse_dns_answer(cut.data(), cut.size()), Error);
}

// discovery/dns/dns_test.go's cases: SRV, A (with a CNAME first), AAAA.
TEST(DnsSdGroup, TargetsAndMetaLabelsAsPrometheus) {
  TargetGroup g = dns_target_group("web.example.com.",
                                   {{DnsRecord::Kind::kSrv, "db1.example.com.", 3306},
                                    {DnsRecord::Kind::kSrv, "db2.example.com.", 3306}},
                                   0);
  EXPECT_EQ(g.source, "web.example.com.");
  EXPECT_EQ(describe(g), (std::vector<std::string>{
                             "db1.example.com:3306 __meta_dns_name=web.example.com. "
                             "__meta_dns_srv_record_port=3306 __meta_dns_srv_record_target=db1.example.com.",
                             "db2.example.com:3306 __meta_dns_name=web.example.com. "
                             "__meta_dns_srv_record_port=3306 __meta_dns_srv_record_target=db2.example.com."}));
  g = dns_target_group("web.example.com.", {{DnsRecord::Kind::kOther, "", 0}, {DnsRecord::Kind::kA, "192.0.2.2", 0}}, 80);
  EXPECT_EQ(describe(g), (std::vector<std::string>{"192.0.2.2:80 __meta_dns_name=web.example.com. "
                                                   "__meta_dns_srv_record_port= __meta_dns_srv_record_target="}));
  g = dns_target_group("web.example.com.", {{DnsRecord::Kind::kAaaa, "::1", 0}}, 80);
  EXPECT_EQ(g.targets, (std::vector<std::string>{"[::1]:80"}));
  EXPECT_TRUE(dns_target_group("x", {}, 80).targets.empty());
}

TEST(DnsSdGroup, RelabelingSeesTheMetaLabels) {
  auto cfg = load_config(R"(scrape_configs:
  - job_name: d
    dns_sd_configs:
      - names: [x]
    relabel_configs:
      - source_labels: [__meta_dns_srv_record_target]
        regex: '(.*)\.'
        target_label: host
)");
  TargetGroup g = dns_target_group("_p._tcp.example.org", {{DnsRecord::Kind::kSrv, "h1.example.org.", 9100}}, 0);
  GroupTargets t = targets_from_group(g, cfg.scrape_configs[0]);
  ASSERT_EQ(t.targets.size(), 1u);
  EXPECT_EQ(t.targets[0].labels.get("host"), "h1.example.org");
  EXPECT_EQ(t.targets[0].labels.get("instance"), "h1.example.org:9100");
  EXPECT_EQ(t.targets[0].discovered.get("__meta_dns_name"), "_p._tcp.example.org");
}

// A UDP socket bound to an ephemeral port of 127.0.0.1.
int loopback_udp_socket(int* port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  socklen_t len = sizeof sin;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
  *port = ntohs(sin.sin_port);
  return fd;
}

// A DNS server on 127.0.0.1 that answers from a table (name -> answers, NXDOMAIN otherwise).
class LoopbackDns {
 public:
  explicit LoopbackDns(std::map<std::string, std::vector<Answer>> zone) : zone_(std::move(zone)) {
    fd_ = loopback_udp_socket(&port_);
    timeval tv{0, 100000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] { serve(); });
  }
  ~LoopbackDns() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int queries() const { return queries_; }

 private:
  void serve() {
    unsigned char buf[512];
    while (!stop_) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      ssize_t n = recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 12) continue;
      queries_++;
      // The question: labels from offset 12, then type and class.
      std::string name;
      size_t p = 12;
      while (p < static_cast<size_t>(n) && buf[p] != 0) {
        if (!name.empty()) name += ".";
        name.append(reinterpret_cast<char*>(buf + p + 1), buf[p]);
        p += buf[p] + 1;
      }
      int qtype = buf[p + 1] << 8 | buf[p + 2];
      unsigned id = buf[0] << 8 | buf[1];
      auto it = zone_.find(name);
      Bytes out;
      if (it == zone_.end()) {
        out = response(id, name, qtype, {}, 3);
      } else {
        std::vector<Answer> of_type;
        for (const auto& a : it->second)
          if (a.type == qtype) of_type.push_back(a);
        out = response(id, name, qtype, of_type);
      }
      sendto(fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }

  std::map<std::string, std::vector<Answer>> zone_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

TEST(DnsSdLookup, ThroughTheSystemResolverToALoopbackServer) {
  LoopbackDns dns({{"_node._tcp.pgo.test", {srv(9100, "n1.pgo.test"), srv(9200, "n2.pgo.test")}},
                   {"n1.pgo.test", {a_record("127.0.0.1"), aaaa_record("::1")}},
                   {"empty.pgo.test", {}}});
  DnsLookup r = dns_lookup("_node._tcp.pgo.test", ns_t_srv, dns.address(), 1000);
  ASSERT_EQ(r.error, "");
  EXPECT_EQ(describe(dns_target_group("_node._tcp.pgo.test", r.records, 0)).size(), 2u);
  EXPECT_EQ(dns_target_group("_node._tcp.pgo.test", r.records, 0).targets,
            (std::vector<std::string>{"n1.pgo.test:9100", "n2.pgo.test:9200"}));
  r = dns_lookup("n1.pgo.test", ns_t_a, dns.address(), 1000);
  EXPECT_EQ(dns_target_group("n1.pgo.test", r.records, 9100).targets, (std::vector<std::string>{"127.0.0.1:9100"}));
  r = dns_lookup("n1.pgo.test", ns_t_aaaa, dns.address(), 1000);
  EXPECT_EQ(dns_target_group("n1.pgo.test", r.records, 9100).targets, (std::vector<std::string>{"[::1]:9100"}));
  // NXDOMAIN and a name without records of the type: no targets, no error.
  r = dns_lookup("missing.pgo.test", ns_t_srv, dns.address(), 1000);
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.records.empty());
  r = dns_lookup("empty.pgo.test", ns_t_a, dns.address(), 1000);
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.records.empty());
  EXPECT_GT(dns.queries(), 0);
}

TEST(DnsSdLookup, ADeadServerIsAnErrorWithinTheTimeout) {
  // A bound socket that never answers.
  int port = 0;
  int fd = loopback_udp_socket(&port);
  auto t0 = std::chrono::steady_clock::now();
  DnsLookup r = dns_lookup("x.pgo.test", ns_t_srv, "127.0.0.1:" + std::to_string(port), 1000);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  close(fd);
  EXPECT_NE(r.error, "");
  EXPECT_LT(secs, 10.0);
  EXPECT_EQ(dns_lookup("x", ns_t_srv, "localhost:53", 1000).error, "invalid DNS server localhost:53 (expected ipv4:port)");
}

}  // namespace
}  // namespace observe::promconfig
