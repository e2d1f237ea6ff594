// Concurrent HTTP GETs through libcurl's multi interface: one thread drives hundreds of
// scrapes at once. Pure C++ (no PostgreSQL), so the scrape worker's network side is
// unit-testable on its own.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/net/outbound_policy.h"

namespace observe::http {

struct FetchRequest {
  uint64_t id = 0;  // the caller's handle, returned with the result
  std::string url;
  int64_t timeout_ms = 10000;
  std::vector<std::string> headers;  // "Name: value"
  size_t max_body_bytes = 64u << 20;  // a larger body fails the fetch: memory stays bounded
  // Checked on the address of every connection, redirects included; null: no restriction.
  std::shared_ptr<const net::OutboundPolicy> policy{};
  long max_redirects = 10;  // Go's http client default, as Prometheus; 0: none followed
  // Prometheus's tls_config: CA bundle, client certificate and key (PEM files), and whether
  // the server certificate is checked at all. Empty: the system's CAs, no client certificate.
  std::string tls_ca_file{}, tls_cert_file{}, tls_key_file{};
  bool tls_insecure_skip_verify = false;
  bool post = false;        // POST post_body (with the Content-Type given in headers)
  std::string post_body{};
};

struct FetchResult {
  uint64_t id = 0;
  bool ok = false;          // transfer done and HTTP status 200
  long status = 0;          // HTTP status, 0 when no response
  std::string body;         // decompressed (gzip/deflate handled by libcurl)
  std::string content_type;
  std::string error;        // why !ok, worded as Prometheus words it where it can; never
                            // contains response body bytes
  int64_t duration_us = 0;  // from start() to completion
};

class MultiFetcher {
 public:
  MultiFetcher();
  ~MultiFetcher();
  MultiFetcher(const MultiFetcher&) = delete;
  MultiFetcher& operator=(const MultiFetcher&) = delete;

  void start(const FetchRequest& request);
  // Drives transfers, waiting at most wait_ms for activity; returns the fetches that ended.
  std::vector<FetchResult> poll(int wait_ms);
  size_t in_flight() const { return transfers_.size(); }

 private:
  struct Transfer;
  void* multi_;  // CURLM*
  std::map<void*, std::unique_ptr<Transfer>> transfers_;  // by CURL* easy handle
};

}  // namespace observe::http
