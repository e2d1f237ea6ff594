#include "pg/http/http_tail.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <vector>

#include "core/common/error.h"
#include "core/httpapi/websocket.h"
#include "pg/border/border.h"
#include "pg/http/http_api.h"
#include "pg/http/http_txn.h"
#include "pg/module/guc.h"
#include "pg/workers/worker_signals.h"

extern "C" {
#include "common/base64.h"
#include "common/cryptohash.h"
#include "common/sha1.h"
#include "utils/elog.h"
#include "utils/errcodes.h"
}

namespace observe::pg {

namespace {

using httpapi::WsOpcode;

constexpr int64_t kPollEveryMs = 1000;
constexpr size_t kMaxClientFrame = 64 * 1024;
constexpr size_t kMaxPendingOutput = 4 * 1024 * 1024;  // past it, polls wait for the client
constexpr int64_t kUpgradeTimeoutMs = 60 * 1000;        // a 101 never taken up is forgotten

struct Tail {
  std::unique_ptr<HttpRequest> req;  // as it came: credentials and parameters
  int64_t next_start_ns = 0;
  bool history_sent = false;  // the first poll sends Loki's history: the newest `limit`
  MHD_socket sock = MHD_INVALID_SOCKET;
  MHD_UpgradeResponseHandle* urh = nullptr;
  httpapi::WsReader reader{kMaxClientFrame};
  std::string out;
  size_t out_sent = 0;
  int64_t next_poll_ms = 0;
  int64_t created_ms = 0;
  bool closing = false;  // a close frame is queued: the tail ends once it is sent
  bool ended = false;
};

std::vector<std::unique_ptr<Tail>> tails;  // 101 queued (sock not yet set) or open

// Whether a comma-separated header value holds token (case-insensitive), as "keep-alive, Upgrade".
bool has_token(const std::string& value, const char* token) {
  size_t n = strlen(token), i = 0;
  while (i < value.size()) {
    size_t end = value.find(',', i);
    if (end == std::string::npos) end = value.size();
    size_t a = i, b = end;
    while (a < b && (value[a] == ' ' || value[a] == '\t')) a++;
    while (b > a && (value[b - 1] == ' ' || value[b - 1] == '\t')) b--;
    if (b - a == n && strncasecmp(value.data() + a, token, n) == 0) return true;
    i = end + 1;
  }
  return false;
}

}  // namespace

std::string websocket_accept(const std::string& key) {
  std::string input;
  if (!httpapi::ws_accept_input(key, &input)) return "";
  std::string out;
  pg_guard([&] {
    uint8 digest[SHA1_DIGEST_LENGTH];
    pg_cryptohash_ctx* ctx = pg_cryptohash_create(PG_SHA1);
    bool ok = ctx != nullptr && pg_cryptohash_init(ctx) == 0 &&
              pg_cryptohash_update(ctx, reinterpret_cast<const uint8*>(input.data()), input.size()) == 0 &&
              pg_cryptohash_final(ctx, digest, sizeof digest) == 0;
    if (ctx != nullptr) pg_cryptohash_free(ctx);
    char b64[64];
    int n = ok ? pg_b64_encode(reinterpret_cast<const char*>(digest), sizeof digest, b64, sizeof b64) : -1;
    if (n > 0) out.assign(b64, static_cast<size_t>(n));
  });
  return out;
}

namespace {

void on_upgraded(void* cls, MHD_Connection*, void*, const char* extra_in, size_t extra_in_size, MHD_socket sock,
                 MHD_UpgradeResponseHandle* urh) {
  auto* t = static_cast<Tail*>(cls);
  t->sock = sock;
  t->urh = urh;
  int flags = fcntl(sock, F_GETFL, 0);
  if (flags >= 0) (void)fcntl(sock, F_SETFL, flags | O_NONBLOCK);
  try {
    if (extra_in_size > 0) t->reader.feed(std::string_view(extra_in, extra_in_size));
  } catch (...) {
    t->closing = true;
  }
}

void queue_close(Tail& t, uint16_t code, const std::string& reason) {
  if (t.closing) return;
  t.out += httpapi::ws_close_frame(code, reason);
  t.closing = true;
}

// Client frames: a close is answered and ends the tail, a ping gets its pong, data is ignored
// (Loki's tail reads nothing from the client). False when the connection is gone.
bool read_client(Tail& t) {
  char buf[16384];
  for (;;) {
    ssize_t n = recv(t.sock, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      t.reader.feed(std::string_view(buf, static_cast<size_t>(n)));
      if (t.reader.buffered() > kMaxClientFrame + 16) break;  // parse before reading more
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return false;
  }
  try {
    httpapi::WsFrame f;
    while (!t.closing && t.reader.next(&f)) {
      if (f.opcode == WsOpcode::kClose) queue_close(t, 1000, "");
      else if (f.opcode == WsOpcode::kPing) t.out += httpapi::ws_frame(WsOpcode::kPong, f.payload);
    }
  } catch (const observe::Error& e) {
    queue_close(t, 1002, e.what());
  }
  return true;
}

// False when the connection is gone.
bool write_client(Tail& t) {
  while (t.out_sent < t.out.size()) {
    ssize_t n = send(t.sock, t.out.data() + t.out_sent, t.out.size() - t.out_sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      t.out_sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return false;
  }
  if (t.out_sent == t.out.size()) {
    t.out.clear();
    t.out_sent = 0;
  }
  return true;
}

// One poll: a request of its own (authenticated again, its own transaction and timeout).
void poll(Tail& t) {
  HttpRequest r;
  r.method = "GET";
  r.path = "/loki/api/v1/tail";
  r.authorization = t.req->authorization;
  r.now_ms = wall_ms();
  r.form.add("query", t.req->form.value("query"));
  r.form.add("delay_for", t.req->form.value("delay_for"));
  if (t.history_sent) {
    r.form.add("start", std::to_string(t.next_start_ns));
    // After the history, each poll takes up to the most a query may return; more go next time.
    r.form.add("limit", std::to_string(guc_logql_max_entries_limit));
    r.form.add("direction", "forward");
  } else {
    r.form.add("start", t.req->form.value("start"));  // the tail's own (default: an hour ago)
    r.form.add("limit", t.req->form.value("limit"));
    r.form.add("direction", "backward");
  }
  HttpResponse resp;
  HttpTxnError error;
  if (!run_http_request(r, kLokiTailPollRoute, std::string(), resp, &error)) {
    bool denied = ERRCODE_TO_CATEGORY(error.sqlerrcode) == ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION ||
                  error.sqlerrcode == ERRCODE_INSUFFICIENT_PRIVILEGE;
    queue_close(t, denied ? 1008 : 1011, error.message);
    return;
  }
  t.history_sent = true;
  for (const auto& [k, v] : resp.headers)
    if (k == "x-tail-next-start") t.next_start_ns = std::stoll(v);
  if (!resp.body.empty()) t.out += httpapi::ws_frame(WsOpcode::kText, resp.body);
}

void end_tail(Tail& t) {
  if (t.urh != nullptr) (void)MHD_upgrade_action(t.urh, MHD_UPGRADE_ACTION_CLOSE);
  t.urh = nullptr;
  t.sock = MHD_INVALID_SOCKET;
  t.ended = true;
}

}  // namespace

bool websocket_handshake(const std::string& method, const HeaderLookup& header, std::string* key, std::string* why) {
  if (method != "GET") *why = "a WebSocket opens with GET";
  else if (!has_token(header(MHD_HTTP_HEADER_UPGRADE), "websocket"))
    *why = "websocket: the client is not using the websocket protocol: 'websocket' token not found in 'Upgrade' header";
  else if (!has_token(header(MHD_HTTP_HEADER_CONNECTION), "upgrade"))
    *why = "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header";
  else if (header("Sec-WebSocket-Version") != "13")
    *why = "websocket: unsupported version: 13 not found in 'Sec-Websocket-Version' header";
  else if (std::string in; !httpapi::ws_accept_input(header("Sec-WebSocket-Key"), &in))
    *why = "websocket: not a websocket handshake: 'Sec-WebSocket-Key' header must be Base64 encoded value of 16-byte length";
  else {
    *key = header("Sec-WebSocket-Key");
    return true;
  }
  return false;
}

MHD_Result queue_tail_upgrade(MHD_Connection* c, std::unique_ptr<HttpRequest> req, const std::string& accept) {
  if (accept.empty()) return MHD_NO;
  auto t = std::make_unique<Tail>();
  int64_t now = wall_ms();
  t->created_ms = now;
  t->next_poll_ms = now;
  t->req = std::move(req);
  MHD_Response* m = MHD_create_response_for_upgrade(&on_upgraded, t.get());
  if (m == nullptr) return MHD_NO;
  MHD_add_response_header(m, MHD_HTTP_HEADER_UPGRADE, "websocket");
  MHD_add_response_header(m, "Sec-WebSocket-Accept", accept.c_str());
  MHD_Result ret = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS, m);
  MHD_destroy_response(m);
  if (ret == MHD_YES) tails.push_back(std::move(t));
  return ret;
}

long service_tails() {
  int64_t now = wall_ms();
  long wait = 1000;
  for (auto& tp : tails) {
    Tail& t = *tp;
    if (t.sock == MHD_INVALID_SOCKET) continue;  // not upgraded yet
    bool alive = read_client(t);
    if (alive && !t.closing && now >= t.next_poll_ms && t.out.size() < kMaxPendingOutput) {
      poll(t);
      t.next_poll_ms = now + kPollEveryMs;
    }
    if (alive) alive = write_client(t);
    if (!alive || (t.closing && t.out.empty())) end_tail(t);
    else wait = std::min<long>(wait, t.out.empty() ? std::max<int64_t>(t.next_poll_ms - now, 50) : 50);
  }
  // Ended tails go; a 101 the client never took up goes after a minute (MHD closed it).
  tails.erase(std::remove_if(tails.begin(), tails.end(),
                             [now](const std::unique_ptr<Tail>& t) {
                               return t->ended ||
                                      (t->sock == MHD_INVALID_SOCKET && t->created_ms + kUpgradeTimeoutMs < now);
                             }),
              tails.end());
  // While open tails wait, client frames (a close, a ping) are read every 200 ms at least.
  return tails.empty() ? 1000 : std::min<long>(wait, 200);
}

size_t tail_count() { return tails.size(); }

void close_all_tails() {
  for (auto& t : tails) {
    if (t->sock == MHD_INVALID_SOCKET) continue;
    queue_close(*t, 1001, "server shutting down");
    (void)write_client(*t);
    end_tail(*t);
  }
  tails.clear();
}

}  // namespace observe::pg
