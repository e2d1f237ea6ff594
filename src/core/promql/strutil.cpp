#include "core/promql/strutil.h"

#include <cstdio>

namespace observe::promql {

namespace {
// Length of the valid UTF-8 sequence at s[i], or 0 when the byte starts none.
size_t utf8_len(const std::string& s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; k++)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return 0;
  return len;
}
}  // namespace

bool is_valid_label_name(const std::string& s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_len(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_len(s, i);
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (len == 0 || (len == 1 && (c < 0x20 || c == 0x7f))) {
      switch (c) {
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        case '\r': out += "\\r"; break;
        default: {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        }
      }
      i++;
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out.append(s, i, len);
    i += len;
  }
  return out + "\"";
}

}  // namespace observe::promql
