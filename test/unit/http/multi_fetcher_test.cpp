#include "core/http/multi_fetcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "local_http_server.h"

using observe::http::FetchRequest;
using observe::http::FetchResult;
using observe::http::MultiFetcher;

namespace {

LocalHttpServer::Response respond(const std::string& path) {
  LocalHttpServer::Response r;
  if (path == "/metrics") r.body = "up 1\n";
  if (path == "/missing") r.status = 404;
  if (path == "/slow") r.delay_ms = 1500;
  if (path == "/big") r.body = std::string(200000, 'x');
  if (path.rfind("/n/", 0) == 0) r.body = "target " + path.substr(3) + "\n";
  return r;
}

std::map<uint64_t, FetchResult> run_all(MultiFetcher& f) {
  std::map<uint64_t, FetchResult> results;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (f.in_flight() > 0 && std::chrono::steady_clock::now() < deadline)
    for (auto& r : f.poll(100)) results[r.id] = std::move(r);
  return results;
}

}  // namespace

TEST(MultiFetcher, FetchesBodySendsHeadersAndReportsErrors) {
  LocalHttpServer server(respond);
  MultiFetcher f;
  f.start({1, server.url("/metrics"), 5000, {"X-Prometheus-Scrape-Timeout-Seconds: 5"}});
  f.start({2, server.url("/missing"), 5000, {}});
  f.start({3, server.url("/slow"), 300, {}});
  f.start({4, "http://127.0.0.1:1/metrics", 2000, {}});  // nothing listens on port 1
  auto results = run_all(f);
  ASSERT_EQ(results.size(), 4u);

  EXPECT_TRUE(results[1].ok);
  EXPECT_EQ(results[1].status, 200);
  EXPECT_EQ(results[1].body, "up 1\n");
  EXPECT_EQ(results[1].content_type, "text/plain; version=0.0.4");
  EXPECT_GT(results[1].duration_us, 0);

  EXPECT_FALSE(results[2].ok);
  EXPECT_EQ(results[2].error, "server returned HTTP status 404");
  EXPECT_FALSE(results[3].ok);
  EXPECT_EQ(results[3].error, "context deadline exceeded");
  EXPECT_LT(results[3].duration_us, 1400000);
  EXPECT_FALSE(results[4].ok);
  EXPECT_FALSE(results[4].error.empty());

  bool saw_header = false, saw_gzip = false;
  for (const auto& req : server.requests()) {
    if (req.find("GET /metrics") == 0) {
      saw_header = req.find("X-Prometheus-Scrape-Timeout-Seconds: 5") != std::string::npos;
      saw_gzip = req.find("Accept-Encoding: gzip") != std::string::npos;
    }
  }
  EXPECT_TRUE(saw_header);
  EXPECT_TRUE(saw_gzip);
}

TEST(MultiFetcher, BodyLimitBoundsMemory) {
  LocalHttpServer server(respond);
  MultiFetcher f;
  FetchRequest big{7, server.url("/big"), 5000, {}};
  big.max_body_bytes = 1000;
  f.start(big);
  auto results = run_all(f);
  ASSERT_EQ(results.count(7), 1u);
  EXPECT_FALSE(results[7].ok);
  EXPECT_EQ(results[7].error, "body size limit exceeded");
  EXPECT_TRUE(results[7].body.empty());
}

TEST(MultiFetcher, ManyTargetsConcurrently) {
  LocalHttpServer server(respond);
  MultiFetcher f;
  for (uint64_t i = 0; i < 200; i++) f.start({i, server.url("/n/" + std::to_string(i)), 10000, {}});
  EXPECT_EQ(f.in_flight(), 200u);
  auto results = run_all(f);
  ASSERT_EQ(results.size(), 200u);
  for (auto& [id, r] : results) {
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.body, "target " + std::to_string(id) + "\n");
  }
}

// The outbound policy, proved on loopback only: 127.0.0.2 on the deny list is refused
// directly and through a redirect from 127.0.0.1, before any byte is sent to it.
TEST(MultiFetcher, OutboundPolicyRefusesDirectlyAndThroughRedirects) {
  LocalHttpServer denied(respond, "127.0.0.2");
  std::string target = denied.url("/metrics");
  LocalHttpServer redirector([&](const std::string& path) {
    LocalHttpServer::Response r;
    if (path == "/to-denied") { r.status = 302; r.location = target; }
    if (path == "/to-self") { r.status = 302; r.location = "/metrics"; }
    if (path == "/loop") { r.status = 302; r.location = "/loop"; }
    if (path == "/metrics") r.body = "up 1\n";
    return r;
  });
  auto policy = std::make_shared<observe::net::OutboundPolicy>();
  std::string error;
  ASSERT_TRUE(observe::net::OutboundPolicy::parse("", "127.0.0.2/32", policy.get(), &error)) << error;

  MultiFetcher f;
  auto req = [&](uint64_t id, std::string url) {
    FetchRequest r{id, std::move(url), 5000, {}};
    r.policy = policy;
    return r;
  };
  f.start(req(1, target));
  f.start(req(2, redirector.url("/to-denied")));
  f.start(req(3, redirector.url("/to-self")));  // allowed address, redirect followed
  FetchRequest loop = req(4, redirector.url("/loop"));
  loop.max_redirects = 3;
  f.start(loop);
  FetchRequest unpoliced{5, target, 5000, {}};  // the fixture itself answers without a policy
  f.start(unpoliced);
  auto results = run_all(f);
  ASSERT_EQ(results.size(), 5u);

  const std::string refused = "connection to 127.0.0.2 (deny 127.0.0.2/32) refused by the outbound network policy";
  EXPECT_FALSE(results[1].ok);
  EXPECT_EQ(results[1].error, refused);
  EXPECT_FALSE(results[2].ok);
  EXPECT_EQ(results[2].error, refused);
  EXPECT_TRUE(results[3].ok) << results[3].error;
  EXPECT_EQ(results[3].body, "up 1\n");
  EXPECT_FALSE(results[4].ok);
  EXPECT_EQ(results[4].error, "stopped after 3 redirects");
  EXPECT_TRUE(results[5].ok) << results[5].error;

  // Only the unpoliced request reached the denied server.
  EXPECT_EQ(denied.requests().size(), 1u);
  // 1 (to-denied) + 2 (to-self and its /metrics) + 4 (loop: first + 3 redirects)
  EXPECT_EQ(redirector.requests().size(), 7u);
}
