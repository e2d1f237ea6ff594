#include "core/common/utf8.h"

#include <simdjson.h>

#include <cstdint>
#include <cstdio>

namespace observe {

size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  size_t avail = s.size() - i;
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (avail < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((p[k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[k] & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
    return 0;
  return len;
}

// simdjson's validator (the same rules: no overlongs, surrogates or code points past U+10FFFF)
// checks many bytes per instruction: every pushed line goes through here.
bool valid_utf8(std::string_view s) { return simdjson::validate_utf8(s.data(), s.size()); }

std::string to_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      i++;
    } else {
      out.append(s.data() + i, len);
      i += len;
    }
  }
  return out;
}

static bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

static void append_escaped_byte(std::string& out, unsigned char c) {
  switch (c) {
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
}

std::string quote_for_message(std::string_view s, size_t max_bytes) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    if (i >= max_bytes) {
      out += "...";
      break;
    }
    size_t len = utf8_sequence_length(s, i);
    auto c = static_cast<unsigned char>(s[i]);
    if (len == 0 || (len == 1 && is_control(c))) {
      append_escaped_byte(out, c);
      ++i;
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out.append(s, i, len);
    i += len;
  }
  return out + "\"";
}

std::string escape_message(std::string_view message) {
  std::string out;
  size_t i = 0;
  // Fast path: most messages need nothing.
  while (i < message.size()) {
    size_t len = utf8_sequence_length(message, i);
    if (len == 0 || (len == 1 && is_control(static_cast<unsigned char>(message[i])))) break;
    i += len;
  }
  if (i == message.size()) return std::string(message);
  out.assign(message, 0, i);
  while (i < message.size()) {
    size_t len = utf8_sequence_length(message, i);
    auto c = static_cast<unsigned char>(message[i]);
    if (len == 0 || (len == 1 && is_control(c))) {
      append_escaped_byte(out, c);
      ++i;
      continue;
    }
    out.append(message, i, len);
    i += len;
  }
  return out;
}

}  // namespace observe
