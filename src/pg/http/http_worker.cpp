// The HTTP API's background workers. Each worker is single-threaded, as a PostgreSQL backend
// must be: it runs its own libmicrohttpd daemon in external-poll mode (MHD_USE_EPOLL, no MHD
// thread) on the shared port (SO_REUSEPORT: the kernel spreads new connections over the
// workers), waits on MHD's epoll descriptor and its latch together, and MHD calls the request
// handler on this thread, between two polls, where it may run a transaction. N workers are N
// database connections serving at most N requests at once: the pool is bounded by
// construction and no request waits on another worker's query.
#include "pg/http/http_worker.h"

#include <arpa/inet.h>
#include <csignal>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <memory>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sstream>
#include <string>
#include <sys/socket.h>

#include "core/common/error.h"
#include "core/httpapi/responses.h"
#include "pg/border/border.h"
#include "pg/workers/worker_signals.h"
#include "pg/http/http_api.h"
#include "pg/http/http_guc.h"
#include "pg/http/http_tail.h"
#include "pg/http/http_txn.h"
#include "pg/module/guc.h"
#include "pg/workers/worker_register.h"

extern "C" {
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/elog.h"
#include "utils/memutils.h"
#include "utils/errcodes.h"
#include "utils/guc.h"
#include "utils/wait_event.h"

PGDLLEXPORT void observe_http_worker_main(Datum arg);
}

namespace observe::pg {

namespace {

// One request between MHD's calls: created by the URI callback (which sees the raw URI, query
// string included), filled with the body, freed when MHD reports the request completed.
struct PendingRequest {
  std::string raw_uri;
  std::string body;
  bool too_large = false;
  bool headers_seen = false;  // MHD's first call carries the headers only
  std::unique_ptr<HttpRequest> tail;  // a tail whose checks passed: answered with 101
  std::string websocket_accept;
};

std::string header(MHD_Connection* c, const char* name) {
  const char* v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
  return v != nullptr ? v : "";
}

// Class 28: credentials; 42501: privileges; 57014: statement timeout or cancel; 54000:
// a limit; class 22 / 42601 / 22023: bad input.
bool is_auth_error(int code) { return ERRCODE_TO_CATEGORY(code) == ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION; }
bool is_bad_input(int code) {
  return ERRCODE_TO_CATEGORY(code) == ERRCODE_DATA_EXCEPTION || code == ERRCODE_SYNTAX_ERROR ||
         code == ERRCODE_FEATURE_NOT_SUPPORTED;
}
bool is_transient(int code) {
  int cat = ERRCODE_TO_CATEGORY(code);
  return cat == ERRCODE_INSUFFICIENT_RESOURCES || cat == ERRCODE_TRANSACTION_ROLLBACK ||
         cat == ERRCODE_OPERATOR_INTERVENTION || cat == ERRCODE_CONNECTION_EXCEPTION ||
         code == ERRCODE_LOCK_NOT_AVAILABLE || code == ERRCODE_OBJECT_IN_USE;
}

void error_response(ApiKind kind, const HttpTxnError& e, HttpResponse& resp) {
  if (is_auth_error(e.sqlerrcode)) {
    resp.status = 401;
    resp.headers.emplace_back("WWW-Authenticate", "Basic realm=\"pg_observe\", charset=\"UTF-8\"");
    if (kind == ApiKind::kPrometheus) {
      resp.content_type = "application/json";
      resp.body = httpapi::prom_error_body(httpapi::ErrorType::kUnavailable, e.message);
    } else {
      resp.content_type = "text/plain; charset=utf-8";
      resp.body = e.message + "\n";
    }
    return;
  }
  if (kind == ApiKind::kPrometheus) {
    httpapi::ErrorType t = httpapi::ErrorType::kExecution;
    if (is_bad_input(e.sqlerrcode) && e.sqlerrcode != ERRCODE_FEATURE_NOT_SUPPORTED) t = httpapi::ErrorType::kBadData;
    else if (e.sqlerrcode == ERRCODE_QUERY_CANCELED) t = httpapi::ErrorType::kTimeout;
    else if (e.sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE) t = httpapi::ErrorType::kForbidden;
    else if (is_transient(e.sqlerrcode)) t = httpapi::ErrorType::kUnavailable;
    else if (e.sqlerrcode == ERRCODE_INTERNAL_ERROR) t = httpapi::ErrorType::kInternal;
    resp.status = httpapi::error_http_status(t);
    resp.content_type = "application/json";
    resp.body = httpapi::prom_error_body(t, e.message);
    return;
  }
  resp.content_type = "text/plain; charset=utf-8";
  resp.body = e.message + "\n";
  if (is_bad_input(e.sqlerrcode) || e.sqlerrcode == ERRCODE_PROGRAM_LIMIT_EXCEEDED) {
    resp.status = 400;  // a sender drops what a retry cannot fix
  } else if (e.sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE) {
    resp.status = 403;
  } else if (e.sqlerrcode == ERRCODE_QUERY_CANCELED) {
    resp.status = kind == ApiKind::kLoki ? 504 : 503;
  } else if (kind == ApiKind::kPush || is_transient(e.sqlerrcode)) {
    resp.status = 503;  // remote_write and Loki clients retry on 5xx
  } else {
    resp.status = 500;
  }
}

HttpResponse plain(int status, const std::string& text) {
  HttpResponse resp;
  resp.status = status;
  resp.content_type = "text/plain; charset=utf-8";
  resp.body = text + "\n";
  return resp;
}

HttpResponse handle(MHD_Connection* c, const char* url, const char* method, PendingRequest& p) {
  HttpResponse resp;
  HttpRequest req;
  req.method = method;
  req.path = url;
  req.now_ms = wall_ms();
  std::string param;
  const HttpRoute* route = find_http_route(req.path, &param);
  if (route == nullptr) {
    resp.status = 404;
    resp.content_type = "text/plain; charset=utf-8";
    resp.body = "404 page not found\n";
    return resp;
  }
  if (req.method != "GET" && req.method != "POST" && req.method != "HEAD") {
    resp.status = 405;
    resp.content_type = "text/plain; charset=utf-8";
    resp.body = "method not allowed\n";
    return resp;
  }
  if (p.too_large) {
    resp.status = 413;
    resp.content_type = "text/plain; charset=utf-8";
    resp.body = "request body larger than observe.http_max_request_size\n";
    return resp;
  }
  bool tail = route == &kLokiTailRoute;
  if (tail) {
    std::string why;
    auto lookup = [c](const char* name) { return header(c, name); };
    if (!websocket_handshake(req.method, lookup, &req.websocket_key, &why)) return plain(400, why);
    if (tail_count() >= kMaxTailsPerWorker) return plain(429, "too many tails open on this HTTP worker");
  }
  req.authorization = header(c, MHD_HTTP_HEADER_AUTHORIZATION);
  req.content_type = header(c, MHD_HTTP_HEADER_CONTENT_TYPE);
  req.content_encoding = header(c, MHD_HTTP_HEADER_CONTENT_ENCODING);
  req.body = std::move(p.body);
  HttpTxnError error;
  try {
    if (req.method == "POST" && req.content_type.rfind("application/x-www-form-urlencoded", 0) == 0)
      req.form.parse_urlencoded(req.body);
    size_t q = p.raw_uri.find('?');
    if (q != std::string::npos) req.form.parse_urlencoded(std::string_view(p.raw_uri).substr(q + 1));
  } catch (const observe::Error& e) {
    error.sqlerrcode = ERRCODE_INVALID_PARAMETER_VALUE;
    error.message = e.what();
    error_response(route->kind, error, resp);
    return resp;
  }
  if (!route->transaction) {
    route->handler(req, param, resp);
    return resp;
  }
  if (!run_http_request(req, *route, param, resp, &error)) {
    resp = HttpResponse();
    error_response(route->kind, error, resp);
  } else if (tail) {
    for (const auto& [k, v] : resp.headers)
      if (k == "Sec-WebSocket-Accept") p.websocket_accept = v;
    p.tail = std::make_unique<HttpRequest>(std::move(req));
  }
  return resp;
}

void* on_uri(void*, const char* uri, MHD_Connection*) {
  try {
    auto* p = new PendingRequest();
    p->raw_uri = uri != nullptr ? uri : "";
    return p;
  } catch (...) {
    return nullptr;
  }
}

void on_completed(void*, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
  delete static_cast<PendingRequest*>(*con_cls);
  *con_cls = nullptr;
}

// A streamed body: MHD asks for the next bytes as the socket takes them (on this thread, outside
// any transaction: the stream is plain C++ over the finished result).
struct StreamState {
  std::unique_ptr<httpapi::BodyStream> body;
  std::string buf;
  size_t off = 0;
};
constexpr size_t kStreamPiece = 64 * 1024;

ssize_t read_stream(void* cls, uint64_t, char* out, size_t max) {
  auto* s = static_cast<StreamState*>(cls);
  try {
    if (s->off >= s->buf.size()) {
      s->buf.clear();
      s->off = 0;
      if (!s->body->next(s->buf, kStreamPiece)) return MHD_CONTENT_READER_END_OF_STREAM;
    }
    size_t n = std::min(max, s->buf.size() - s->off);
    memcpy(out, s->buf.data() + s->off, n);
    s->off += n;
    return static_cast<ssize_t>(n);
  } catch (...) {
    return MHD_CONTENT_READER_END_WITH_ERROR;
  }
}

void free_stream(void* cls) { delete static_cast<StreamState*>(cls); }

// A streamed answer whose JSON ends within this many bytes is sent as one buffer with a
// Content-Length: MHD then writes the headers and the body in one send and completes the
// request in the same MHD_run, where a chunked stream costs a send per chunk plus the
// terminating chunk in a later round of the poll loop (a 1-2 ms answer paid ~10 syscalls and
// two loop rounds for it). Larger answers go on as a chunked stream from where this stopped,
// so memory stays bounded by this much text beyond the result itself.
constexpr size_t kBufferedBodyLimit = 1024 * 1024;

void free_string(void* cls) { delete static_cast<std::string*>(cls); }

MHD_Result queue(MHD_Connection* c, HttpResponse& r) {
  MHD_Response* m = nullptr;
  if (r.stream) {
    auto text = std::make_unique<std::string>();
    bool ended = false;
    while (text->size() < kBufferedBodyLimit) {
      if (!r.stream->next(*text, kStreamPiece)) {
        ended = true;
        break;
      }
    }
    if (ended) {
      std::string* body = text.get();
      m = MHD_create_response_from_buffer_with_free_callback_cls(body->size(), body->data(), &free_string, body);
      if (m != nullptr) (void)text.release();
    } else {
      auto* state = new StreamState{std::move(r.stream), std::move(*text), 0};
      m = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, kStreamPiece, &read_stream, state, &free_stream);
      if (m == nullptr) delete state;
    }
  } else {
    m = MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  }
  if (m == nullptr) return MHD_NO;
  MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
  for (const auto& [k, v] : r.headers) MHD_add_response_header(m, k.c_str(), v.c_str());
  MHD_Result ret = MHD_queue_response(c, static_cast<unsigned>(r.status), m);
  MHD_destroy_response(m);
  return ret;
}

// MHD's access handler: called with the headers, then with each piece of the body, then once
// more with none when the request is complete. No exception may leave it (MHD is C).
MHD_Result on_request(void*, MHD_Connection* c, const char* url, const char* method, const char*,
                      const char* upload_data, size_t* upload_size, void** con_cls) {
  auto* p = static_cast<PendingRequest*>(*con_cls);
  if (p == nullptr) return MHD_NO;
  if (!p->headers_seen) {
    p->headers_seen = true;
    return MHD_YES;
  }
  if (*upload_size > 0) {
    size_t limit = static_cast<size_t>(guc_http_max_body_kb) * 1024;
    if (!p->too_large && p->body.size() + *upload_size <= limit) {
      try {
        p->body.append(upload_data, *upload_size);
      } catch (...) {
        p->too_large = true;
      }
    } else {
      p->too_large = true;
      p->body.clear();
    }
    *upload_size = 0;
    return MHD_YES;
  }
  try {
    HttpResponse r = handle(c, url, method, *p);
    if (p->tail) return queue_tail_upgrade(c, std::move(p->tail), p->websocket_accept);
    return queue(c, r);
  } catch (const std::exception& e) {
    HttpResponse r;
    r.status = 500;
    r.content_type = "text/plain; charset=utf-8";
    r.body = std::string(e.what()) + "\n";
    return queue(c, r);
  } catch (...) {
    return MHD_NO;
  }
}

void on_mhd_log(void*, const char* fmt, va_list ap) {
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  size_t n = strlen(buf);
  while (n > 0 && buf[n - 1] == '\n') buf[--n] = '\0';
  ereport(LOG, (errmsg("pg_observe HTTP: %s", buf)));
}

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw observe::Error(ErrorKind::kInvalidParameter, std::string("cannot read ") + path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class HttpServer {
 public:
  void run() {
    start();
    while (!worker_sigterm_received) {
      if (ConfigReloadPending) {
        ConfigReloadPending = false;
        pg_guard([] { ProcessConfigFile(PGC_SIGHUP); });
      }
      MHD_UNSIGNED_LONG_LONG mhd_timeout = 0;
      long wait_ms = wait_ms_after_tails_;
      if (MHD_get_timeout(daemon_, &mhd_timeout) == MHD_YES && mhd_timeout < static_cast<MHD_UNSIGNED_LONG_LONG>(wait_ms))
        wait_ms = static_cast<long>(mhd_timeout);
      wait(wait_ms);
      MHD_run(daemon_);
      wait_ms_after_tails_ = service_tails();
    }
    close_all_tails();
    drain();
  }

  // Shutdown: accept no new connection, but finish sending the answers already made (a
  // remote_write 204 after its commit must reach the sender, or it would send again), for at
  // most kDrainMs.
  void drain() {
    static constexpr int64_t kDrainMs = 500;  // a queued answer goes out in the first rounds
    (void)MHD_quiesce_daemon(daemon_);
    int64_t until = wall_ms() + kDrainMs;
    while (wall_ms() < until) {
      const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
      if (info == nullptr || info->num_connections == 0) break;
      wait(50);
      MHD_run(daemon_);
    }
  }

  ~HttpServer() {
    if (wait_set_ != nullptr) FreeWaitEventSet(wait_set_);  // closes its epoll descriptor only
    if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
  }

 private:
  // Until the latch is set, MHD's epoll descriptor is readable or wait_ms passed. One wait set
  // for the worker's life: WaitLatchOrSocket built and freed one per call (epoll_create1,
  // three epoll_ctl and a close: half the syscalls of a small request).
  void wait(long wait_ms) {
    WaitEventSet* set = wait_set_;
    pg_guard([set, wait_ms] {
      WaitEvent event;
      (void)WaitEventSetWait(set, wait_ms, &event, 1, PG_WAIT_EXTENSION);
      ResetLatch(MyLatch);
      worker_absorb_barriers();
    });
  }

  void start() {
    sockaddr_storage addr{};
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_UPGRADE;
    const char* host = guc_http_listen_address;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(static_cast<uint16_t>(guc_http_port));
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(static_cast<uint16_t>(guc_http_port));
      flags |= MHD_USE_IPv6;
    } else {
      throw observe::Error(ErrorKind::kInvalidParameter,
                           std::string("observe.http_listen_address is not a numeric IP address: ") + host);
    }
    bool tls = guc_http_tls_cert_file[0] != '\0' || guc_http_tls_key_file[0] != '\0';
    if (tls) {
      cert_ = read_file(guc_http_tls_cert_file);
      key_ = read_file(guc_http_tls_key_file);
      flags |= MHD_USE_TLS;
    }
    MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &addr},
        {MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, nullptr},
        {MHD_OPTION_CONNECTION_LIMIT, guc_http_max_connections, nullptr},
        {MHD_OPTION_CONNECTION_TIMEOUT, guc_http_idle_timeout_s, nullptr},
        {MHD_OPTION_URI_LOG_CALLBACK, reinterpret_cast<intptr_t>(&on_uri), nullptr},
        {MHD_OPTION_NOTIFY_COMPLETED, reinterpret_cast<intptr_t>(&on_completed), nullptr},
        {MHD_OPTION_EXTERNAL_LOGGER, reinterpret_cast<intptr_t>(&on_mhd_log), nullptr},
        {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, const_cast<char*>(cert_.c_str())},
        {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, const_cast<char*>(key_.c_str())},
        {MHD_OPTION_END, 0, nullptr},
    };
    daemon_ = MHD_start_daemon(flags, static_cast<uint16_t>(guc_http_port), nullptr, nullptr, &on_request, nullptr,
                               MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (daemon_ == nullptr)
      throw observe::Error(ErrorKind::kInternal, std::string("cannot start the HTTP API on ") + host + ":" +
                                                     std::to_string(guc_http_port) + " (see the log above)");
    const MHD_DaemonInfo* info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_EPOLL_FD);
    if (info == nullptr) throw observe::Error(ErrorKind::kInternal, "libmicrohttpd has no epoll descriptor");
    epoll_fd_ = info->epoll_fd;
    int fd = epoll_fd_;
    wait_set_ = pg_guard([fd] {
      WaitEventSet* set = CreateWaitEventSet(TopMemoryContext, 3);
      AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, nullptr);
      AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, nullptr, nullptr);
      AddWaitEventToSet(set, WL_SOCKET_READABLE, fd, nullptr, nullptr);
      return set;
    });
  }

  MHD_Daemon* daemon_ = nullptr;
  int epoll_fd_ = -1;
  WaitEventSet* wait_set_ = nullptr;
  long wait_ms_after_tails_ = 1000;  // how soon the open tails need the next round
  std::string cert_, key_;
};

}  // namespace

void register_http_workers() {
  if (guc_http_port <= 0) return;
  for (int i = 0; i < guc_http_workers; i++) {
    register_observe_worker("observe_http_worker_main", "pg_observe http worker", i, 5);
  }
}

}  // namespace observe::pg

void observe_http_worker_main(Datum arg) {
  char name[64];
  snprintf(name, sizeof name, "pg_observe http worker %d", DatumGetInt32(arg));
  observe::pg::run_observe_worker(name, observe::pg::worker_handle_sigterm_and_cancel, [](int) {
    observe::pg::pg_guard([] {
      ereport(LOG, (errmsg("pg_observe HTTP API on %s:%d", observe::pg::guc_http_listen_address,
                           observe::pg::guc_http_port)));
    });
    observe::pg::HttpServer server;
    server.run();
  }, 0);
}
