#include "core/relabel/go_text.h"

#include <clocale>
#include <cwctype>
#include <locale.h>

#include "core/common/utf8.h"

namespace observe::relabel {
namespace {

void encode(char32_t r, std::string& out) {
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

// glibc's built-in C.UTF-8 locale carries the Unicode case tables; using it explicitly keeps
// the process locale (which PostgreSQL sets) out of the answer.
locale_t unicode_locale() {
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

template <typename AsciiMap, typename WideMap>
std::string map_runes(std::string_view s, AsciiMap ascii, WideMap wide) {
  std::string out;
  out.reserve(s.size());
  bool is_ascii = true;
  for (char c : s) is_ascii &= static_cast<unsigned char>(c) < 0x80;
  if (is_ascii) {
    for (char c : s) out.push_back(ascii(c));
    return out;
  }
  locale_t loc = unicode_locale();
  for (size_t i = 0; i < s.size();) {
    size_t w;
    char32_t r = go_decode_rune(s, i, &w);
    i += w;
    if (r < 0x80) {
      out.push_back(ascii(static_cast<char>(r)));
      continue;
    }
    char32_t m = r;
    if (loc) {
      wint_t mapped = wide(static_cast<wint_t>(r), loc);
      if (mapped <= 0x10FFFF && !(mapped >= 0xD800 && mapped <= 0xDFFF)) m = mapped;
    }
    encode(m, out);
  }
  return out;
}

}  // namespace

std::string go_to_lower(std::string_view s) {
  return map_runes(
      s, [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; },
      [](wint_t r, locale_t loc) { return towlower_l(r, loc); });
}

std::string go_to_upper(std::string_view s) {
  return map_runes(
      s, [](char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; },
      [](wint_t r, locale_t loc) { return towupper_l(r, loc); });
}

bool is_valid_label_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char b = name[i];
    bool ok = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || b == '_' ||
              (b >= '0' && b <= '9' && i > 0);
    if (!ok) return false;
  }
  return true;
}

}  // namespace observe::relabel
