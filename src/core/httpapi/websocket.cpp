#include "core/httpapi/websocket.h"

#include "core/common/base64.h"
#include "core/common/error.h"
#include "core/common/utf8.h"

namespace observe::httpapi {

namespace {

[[noreturn]] void violation(const std::string& what) {
  throw observe::Error(ErrorKind::kInvalidParameter, "WebSocket protocol error: " + what);
}

bool is_control(uint8_t op) { return op >= 8; }
bool is_known(uint8_t op) { return op <= 2 || (op >= 8 && op <= 10); }

}  // namespace

std::string ws_frame(WsOpcode opcode, std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 10);
  out.push_back(static_cast<char>(0x80 | static_cast<uint8_t>(opcode)));
  uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  out.append(payload);
  return out;
}

std::string ws_close_frame(uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  size_t room = 123;
  size_t end = 0;
  while (end < reason.size()) {
    size_t len = utf8_sequence_length(reason, end);
    if (len == 0 || end + len > room) break;
    end += len;
  }
  payload.append(reason.substr(0, end));
  return ws_frame(WsOpcode::kClose, payload);
}

bool ws_accept_input(std::string_view key, std::string* out) {
  std::string decoded;
  if (key.size() != 24 || !base64_decode(key, false, &decoded) || decoded.size() != 16) return false;
  *out = std::string(key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  return true;
}

bool WsReader::next(WsFrame* out) {
  if (buf_.size() < 2) return false;
  auto byte = [this](size_t i) { return static_cast<uint8_t>(buf_[i]); };
  uint8_t b0 = byte(0), b1 = byte(1);
  if (b0 & 0x70) violation("reserved bits set");
  uint8_t op = b0 & 0x0F;
  if (!is_known(op)) violation("unknown opcode " + std::to_string(op));
  bool fin = (b0 & 0x80) != 0;
  if (!(b1 & 0x80)) violation("a client frame must be masked");
  uint64_t len = b1 & 0x7F;
  size_t pos = 2;
  if (is_control(op) && (!fin || len > 125)) violation("control frames are unfragmented and at most 125 bytes");
  if (len == 126) {
    if (buf_.size() < 4) return false;
    len = (uint64_t(byte(2)) << 8) | byte(3);
    pos = 4;
  } else if (len == 127) {
    if (buf_.size() < 10) return false;
    len = 0;
    for (size_t i = 2; i < 10; i++) len = (len << 8) | byte(i);
    pos = 10;
  }
  if (len > max_payload_) violation("a frame of " + std::to_string(len) + " bytes is over the limit");
  if (buf_.size() < pos + 4 + len) return false;
  const size_t mask_at = pos;
  pos += 4;
  out->opcode = static_cast<WsOpcode>(op);
  out->fin = fin;
  out->payload.assign(buf_, pos, static_cast<size_t>(len));
  for (size_t i = 0; i < out->payload.size(); i++) out->payload[i] = static_cast<char>(out->payload[i] ^ buf_[mask_at + i % 4]);
  buf_.erase(0, pos + static_cast<size_t>(len));
  return true;
}

}  // namespace observe::httpapi
