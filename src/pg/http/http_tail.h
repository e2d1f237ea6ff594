// Loki's /loki/api/v1/tail as a WebSocket (RFC 6455) served by one HTTP worker: the handshake
// MHD answers with 101, then the tails this worker keeps open. Each open tail is polled once a
// second between MHD's rounds: a transaction as the tail's role (authenticated again each time,
// so a revoked token or password ends it) reads the entries since the last poll, and they go to
// the client as Loki's tail messages. Client frames are read for close and ping only.
#pragma once

#include <microhttpd.h>

#include <functional>
#include <memory>
#include <string>

#include "pg/http/http_request.h"

namespace observe::pg {

// A request header's value ("" when absent), as the worker reads them from MHD.
using HeaderLookup = std::function<std::string(const char* name)>;

// A WebSocket opening handshake (GET, Upgrade: websocket, Connection: upgrade, version 13, a
// 16-byte key): the key into *key; otherwise false with why.
bool websocket_handshake(const std::string& method, const HeaderLookup& header, std::string* key, std::string* why);

// The Sec-WebSocket-Accept value for a key (base64 SHA-1, RFC 6455 §4.2.2). Inside a
// transaction: PostgreSQL's cryptohash belongs to its resource owner.
std::string websocket_accept(const std::string& key);

// Answers 101 (with the accept value) to a tail whose checks passed and hands its connection
// to this worker's tails.
MHD_Result queue_tail_upgrade(MHD_Connection* c, std::unique_ptr<HttpRequest> req, const std::string& accept);

// One round over the open tails: client frames read, due polls run, output written, ended
// tails closed. Returns the longest wait (ms) before the next round is due.
long service_tails();

// How many tails are open or opening; a new one past the limit gets 429.
size_t tail_count();
constexpr size_t kMaxTailsPerWorker = 32;

// Shutdown: a close frame (1001, going away) to every open tail, then their sockets closed.
void close_all_tails();

}  // namespace observe::pg
