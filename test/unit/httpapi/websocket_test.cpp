// RFC 6455 framing: the RFC's own examples (section 5.7), lengths at every encoding boundary,
// bytes arriving in pieces, and each violation refused.
#include "core/httpapi/websocket.h"

#include <gtest/gtest.h>

#include "core/common/error.h"

namespace observe::httpapi {
namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int x : b) s.push_back(static_cast<char>(x));
  return s;
}

// A client frame: masked with key, as a browser sends it.
std::string client_frame(uint8_t first, const std::string& payload, const std::string& key = "\x37\xfa\x21\x3d") {
  std::string out(1, static_cast<char>(first));
  size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out += bytes({0x80 | 126, int(n >> 8), int(n & 0xFF)});
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((uint64_t(n) >> shift) & 0xFF));
  }
  out += key;
  for (size_t i = 0; i < n; i++) out.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
  return out;
}

TEST(WebSocket, ServerFramesAsTheRfcShowsThem) {
  EXPECT_EQ(ws_frame(WsOpcode::kText, "Hello"), bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}));
  EXPECT_EQ(ws_frame(WsOpcode::kText, std::string(125, 'a')).substr(0, 2), bytes({0x81, 125}));
  EXPECT_EQ(ws_frame(WsOpcode::kBinary, std::string(256, 'a')).substr(0, 4), bytes({0x82, 0x7E, 0x01, 0x00}));
  EXPECT_EQ(ws_frame(WsOpcode::kBinary, std::string(65536, 'a')).substr(0, 10),
            bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(ws_frame(WsOpcode::kText, std::string(65535, 'a')).size(), 65535u + 4);
}

TEST(WebSocket, ReadsTheRfcsMaskedHello) {
  WsReader r(1024);
  r.feed(bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}));
  WsFrame f;
  ASSERT_TRUE(r.next(&f));
  EXPECT_EQ(f.opcode, WsOpcode::kText);
  EXPECT_TRUE(f.fin);
  EXPECT_EQ(f.payload, "Hello");
  EXPECT_FALSE(r.next(&f));
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(WebSocket, FramesArrivingByteByByteAndBackToBack) {
  std::string wire = client_frame(0x89, "ping!") + client_frame(0x81, std::string(300, 'x')) +
                     client_frame(0x88, bytes({0x03, 0xE8}) + "bye");
  WsReader r(1 << 20);
  std::vector<WsFrame> got;
  for (char c : wire) {
    r.feed(std::string_view(&c, 1));
    WsFrame f;
    while (r.next(&f)) got.push_back(f);
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].opcode, WsOpcode::kPing);
  EXPECT_EQ(got[0].payload, "ping!");
  EXPECT_EQ(got[1].payload, std::string(300, 'x'));
  EXPECT_EQ(got[2].opcode, WsOpcode::kClose);
  EXPECT_EQ(got[2].payload, bytes({0x03, 0xE8}) + "bye");
}

TEST(WebSocket, SixtyFourBitLengths) {
  WsReader r(1 << 20);
  r.feed(client_frame(0x82, std::string(70000, 'z')));
  WsFrame f;
  ASSERT_TRUE(r.next(&f));
  EXPECT_EQ(f.payload.size(), 70000u);
}

TEST(WebSocket, ViolationsAreRefused) {
  auto refused = [](const std::string& wire, size_t max = 1024) {
    WsReader r(max);
    r.feed(wire);
    WsFrame f;
    try {
      r.next(&f);
    } catch (const observe::Error& e) {
      return std::string(e.what()).find("WebSocket protocol error") != std::string::npos;
    }
    return false;
  };
  EXPECT_TRUE(refused(bytes({0x81, 0x05, 'H', 'e', 'l', 'l', 'o'})));               // not masked
  EXPECT_TRUE(refused(client_frame(0xC1, "x")));                                   // RSV1
  EXPECT_TRUE(refused(client_frame(0x83, "x")));                                   // opcode 3
  EXPECT_TRUE(refused(client_frame(0x09, "x")));                                   // fragmented ping
  EXPECT_TRUE(refused(client_frame(0x89, std::string(126, 'p'))));                 // control > 125
  EXPECT_TRUE(refused(client_frame(0x81, std::string(2000, 'x'))));                // over the limit
  EXPECT_TRUE(refused(bytes({0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})));  // 2^63 bytes
}

TEST(WebSocket, CloseFrameReasonFitsAControlFrame) {
  std::string f = ws_close_frame(1008, std::string(200, 'r'));
  EXPECT_EQ(f.size(), 2u + 125u);
  EXPECT_EQ(f.substr(0, 4), bytes({0x88, 125, 0x03, 0xF0}));
  // cut at a character boundary: 61 two-byte characters fit in 123 bytes, not 62
  std::string accents;
  for (int i = 0; i < 70; i++) accents += "\xc3\xa9";
  EXPECT_EQ(ws_close_frame(1000, accents).size(), 2u + 2u + 122u);
}

TEST(WebSocket, AcceptInputNeedsA16ByteKey) {
  std::string in;
  ASSERT_TRUE(ws_accept_input("dGhlIHNhbXBsZSBub25jZQ==", &in));  // RFC 6455 §1.3's example key
  EXPECT_EQ(in, "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
  EXPECT_FALSE(ws_accept_input("c2hvcnQ=", &in));
  EXPECT_FALSE(ws_accept_input("", &in));
  EXPECT_FALSE(ws_accept_input("!!!!!!!!!!!!!!!!!!!!!!==", &in));
}

}  // namespace
}  // namespace observe::httpapi
