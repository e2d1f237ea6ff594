// Character classes of the exposition grammars, as lookup tables for the hot loops.
#pragma once

#include <cstdint>

namespace observe::exposition::chars {

enum : uint8_t {
  kNameStart = 1,   // [a-zA-Z_:]  first char of a metric name
  kNameChar = 2,    // [a-zA-Z0-9_:]
  kLabelStart = 4,  // [a-zA-Z_]   first char of a label name
  kLabelChar = 8,   // [a-zA-Z0-9_]
  kValueStop = 16,  // '"', '\\', '\n' and bytes >= 0x80: where a quoted value scan must look
};

struct Table {
  uint8_t v[256];
  constexpr Table() : v() {
    for (int c = 0; c < 256; ++c) {
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      bool digit = c >= '0' && c <= '9';
      uint8_t f = 0;
      if (alpha || c == ':') f |= kNameStart | kNameChar;
      if (digit) f |= kNameChar | kLabelChar;
      if (alpha) f |= kLabelStart | kLabelChar;
      if (c == '"' || c == '\\' || c == '\n' || c >= 0x80) f |= kValueStop;
      v[c] = f;
    }
  }
};

inline constexpr Table kTable{};

inline bool is(char c, uint8_t flag) { return kTable.v[static_cast<unsigned char>(c)] & flag; }

}  // namespace observe::exposition::chars
