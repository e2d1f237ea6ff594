// RFC 6455 WebSocket framing for the server side of Loki's /loki/api/v1/tail: frames the server
// sends (never masked) and the client's frames read from a byte stream (always masked), with
// the protocol's limits enforced. The opening handshake's SHA-1 is the glue's (PostgreSQL's
// cryptohash): here only what goes into it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace observe::httpapi {

enum class WsOpcode : uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

// One unfragmented server frame (FIN set, no mask) carrying payload.
std::string ws_frame(WsOpcode opcode, std::string_view payload);
// A close frame with a status code (1000 normal, 1002 protocol error, 1008 policy, 1011 error)
// and a reason cut to fit a control frame's 125 bytes at a UTF-8 character boundary.
std::string ws_close_frame(uint16_t code, std::string_view reason = {});

// What the Sec-WebSocket-Accept header is the base64 SHA-1 of: the client's key and RFC 6455's
// GUID. The key must be 16 bytes in base64 (24 characters); false otherwise.
bool ws_accept_input(std::string_view key, std::string* out);

struct WsFrame {
  WsOpcode opcode = WsOpcode::kText;
  bool fin = true;
  std::string payload;  // unmasked
};

// Reads a client's frames as bytes arrive. next() throws observe::Error (kInvalidParameter) on a
// violation: an unmasked frame, reserved bits or opcodes, a fragmented or longer-than-125-byte
// control frame, a payload past max_payload (memory stays bounded whatever the client sends).
class WsReader {
 public:
  explicit WsReader(size_t max_payload) : max_payload_(max_payload) {}
  void feed(std::string_view bytes) { buf_.append(bytes); }
  // The next complete frame into *out; false when more bytes are needed.
  bool next(WsFrame* out);
  size_t buffered() const { return buf_.size(); }

 private:
  std::string buf_;
  size_t max_payload_;
};

}  // namespace observe::httpapi
