#include "core/http/multi_fetcher.h"

#include <curl/curl.h>
#include <sys/socket.h>

#include <chrono>

#include "core/common/error.h"

namespace observe::http {

namespace {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// curl_global_init is not thread-safe and must run once per process.
void ensure_curl_initialized() {
  static const bool initialized = [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      throw Error(ErrorKind::kInternal, "curl_global_init failed");
    return true;
  }();
  (void)initialized;
}

}  // namespace

struct MultiFetcher::Transfer {
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  FetchResult result;
  size_t max_body_bytes = 0;
  long max_redirects = 0;
  bool body_too_large = false;
  int64_t started_us = 0;
  std::shared_ptr<const net::OutboundPolicy> policy;
  std::string refused;  // the last connection the policy refused, for the error
  ~Transfer() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (headers != nullptr) curl_slist_free_all(headers);
  }
};

MultiFetcher::MultiFetcher() {
  ensure_curl_initialized();
  multi_ = curl_multi_init();
  if (multi_ == nullptr) throw Error(ErrorKind::kInternal, "curl_multi_init failed");
}

MultiFetcher::~MultiFetcher() {
  for (auto& [easy, transfer] : transfers_) curl_multi_remove_handle(multi_, easy);
  transfers_.clear();
  curl_multi_cleanup(static_cast<CURLM*>(multi_));
}

void MultiFetcher::start(const FetchRequest& request) {
  auto t = std::make_unique<Transfer>();
  t->easy = curl_easy_init();
  if (t->easy == nullptr) throw Error(ErrorKind::kInternal, "curl_easy_init failed");
  t->result.id = request.id;
  t->max_body_bytes = request.max_body_bytes;
  t->max_redirects = request.max_redirects;
  for (const auto& h : request.headers) {
    curl_slist* grown = curl_slist_append(t->headers, h.c_str());
    if (grown == nullptr) throw std::bad_alloc();
    t->headers = grown;
  }
  CURL* e = t->easy;
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  if (request.post) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.post_body.size()));
    curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, request.post_body.c_str());
  }
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");  // sends Accept-Encoding, inflates
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout_ms));
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);  // never SIGALRM inside a PostgreSQL process
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, request.max_redirects);
  if (!request.tls_ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, request.tls_ca_file.c_str());
  if (!request.tls_cert_file.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, request.tls_cert_file.c_str());
  if (!request.tls_key_file.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, request.tls_key_file.c_str());
  if (request.tls_insecure_skip_verify) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  // A proxy from the server's environment would make the policy judge the proxy's address
  // instead of the target's: never use one.
  curl_easy_setopt(e, CURLOPT_PROXY, "");
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // A lambda inside a member function may name the private Transfer type.
  curl_write_callback write_body = [](char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    size_t n = size * count;
    if (transfer->result.body.size() + n > transfer->max_body_bytes) {
      transfer->body_too_large = true;
      return size_t{0};  // aborts the transfer with CURLE_WRITE_ERROR
    }
    transfer->result.body.append(data, n);
    return n;
  };
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  // Every socket curl opens (first request, redirects, each address of a name) comes through
  // here with the address it is about to connect to: judged after DNS, no rebinding window.
  t->policy = request.policy;
  curl_opensocket_callback open_socket = [](void* user, curlsocktype, curl_sockaddr* a) {
    auto* transfer = static_cast<Transfer*>(user);
    try {
      if (transfer->policy != nullptr) {
        net::Address addr;
        if (!address_from_sockaddr(&a->addr, a->addrlen, &addr)) return CURL_SOCKET_BAD;
        net::Verdict v = transfer->policy->check(addr);
        if (!v.allowed) {
          transfer->refused = addr.to_string() + " (" + v.rule + ")";
          return CURL_SOCKET_BAD;
        }
      }
      return static_cast<curl_socket_t>(socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol));
    } catch (...) {  // bad_alloc: never through curl's C frames
      return CURL_SOCKET_BAD;
    }
  };
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, t.get());
  t->started_us = now_us();
  if (curl_multi_add_handle(static_cast<CURLM*>(multi_), e) != CURLM_OK)
    throw Error(ErrorKind::kInternal, "curl_multi_add_handle failed");
  transfers_.emplace(e, std::move(t));
}

std::vector<FetchResult> MultiFetcher::poll(int wait_ms) {
  auto* multi = static_cast<CURLM*>(multi_);
  int running = 0;
  curl_multi_perform(multi, &running);
  if (running > 0 && wait_ms > 0) {
    curl_multi_poll(multi, nullptr, 0, wait_ms, nullptr);
    curl_multi_perform(multi, &running);
  }
  std::vector<FetchResult> done;
  int queued = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
    if (msg->msg != CURLMSG_DONE) continue;
    auto it = transfers_.find(msg->easy_handle);
    if (it == transfers_.end()) continue;
    Transfer& t = *it->second;
    FetchResult& r = t.result;
    r.duration_us = now_us() - t.started_us;
    curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &r.status);
    char* ctype = nullptr;
    curl_easy_getinfo(t.easy, CURLINFO_CONTENT_TYPE, &ctype);
    if (ctype != nullptr) r.content_type = ctype;
    CURLcode code = msg->data.result;
    if (t.body_too_large) {
      r.error = "body size limit exceeded";
    } else if (code == CURLE_COULDNT_CONNECT && !t.refused.empty()) {
      r.error = "connection to " + t.refused + " refused by the outbound network policy";
    } else if (code == CURLE_TOO_MANY_REDIRECTS) {
      r.error = "stopped after " + std::to_string(t.max_redirects) + " redirects";
    } else if (code == CURLE_OPERATION_TIMEDOUT) {
      r.error = "context deadline exceeded";  // Prometheus's words for a scrape timeout
    } else if (code != CURLE_OK) {
      r.error = curl_easy_strerror(code);
    } else if (r.status != 200) {
      r.error = "server returned HTTP status " + std::to_string(r.status);
    } else {
      r.ok = true;
    }
    if (!r.ok) r.body.clear();
    curl_multi_remove_handle(multi, t.easy);
    done.push_back(std::move(r));
    transfers_.erase(it);
  }
  return done;
}

}  // namespace observe::http
