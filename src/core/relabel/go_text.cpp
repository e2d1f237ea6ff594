#include "core/relabel/go_text.h"

#include <clocale>
#include <cwctype>
#include <locale.h>

#include "core/common/utf8.h"

namespace observe::relabel {
namespace {

constexpr char32_t kRuneError = 0xFFFD;

// Decodes the rune at s[i] as Go's range loop does: an invalid byte is U+FFFD of width 1.
char32_t decode(std::string_view s, size_t i, size_t* width) {
  size_t len = utf8_sequence_length(s, i);
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  if (len == 0) {
    *width = 1;
    return kRuneError;
  }
  *width = len;
  switch (len) {
    case 1: return b(0);
    case 2: return char32_t(b(0) & 0x1F) << 6 | (b(1) & 0x3F);
    case 3: return char32_t(b(0) & 0x0F) << 12 | char32_t(b(1) & 0x3F) << 6 | (b(2) & 0x3F);
    default:
      return char32_t(b(0) & 0x07) << 18 | char32_t(b(1) & 0x3F) << 12 |
             char32_t(b(2) & 0x3F) << 6 | (b(3) & 0x3F);
  }
}

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
    char32_t r = decode(s, i, &w);
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

bool is_name_rune(char32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_';
  // unicode.IsLetter || unicode.IsDigit; glibc's alpha class holds letters and the digits of
  // other scripts.
  locale_t loc = unicode_locale();
  return loc && iswalpha_l(static_cast<wint_t>(r), loc);
}

// Go's regexp extract(): the reference after a `$`. Returns false when malformed.
bool extract(std::string_view s, std::string_view* name, long* num, size_t* consumed) {
  if (s.empty()) return false;
  bool brace = s[0] == '{';
  size_t start = brace ? 1 : 0;
  size_t i = start;
  while (i < s.size()) {
    size_t w;
    char32_t r = decode(s, i, &w);
    if (!is_name_rune(r) || (r == kRuneError && w == 1)) break;
    i += w;
  }
  if (i == start) return false;
  *name = s.substr(start, i - start);
  if (brace) {
    if (i >= s.size() || s[i] != '}') return false;
    ++i;
  }
  *consumed = i;
  long n = 0;
  for (char c : *name) {
    if (c < '0' || c > '9' || n >= 100000000) {
      n = -1;
      break;
    }
    n = n * 10 + (c - '0');
  }
  if ((*name)[0] == '0' && name->size() > 1) n = -1;
  *num = n;
  return true;
}

}  // namespace

std::string go_expand(std::string_view tmpl, std::string_view src, const std::vector<Span>& match,
                      const std::vector<std::string>& names) {
  std::string out;
  auto append_group = [&](size_t g) {
    if (g < match.size() && match[g].begin >= 0)
      out.append(src.substr(match[g].begin, match[g].end - match[g].begin));
  };
  while (!tmpl.empty()) {
    size_t dollar = tmpl.find('$');
    if (dollar == std::string_view::npos) break;
    out.append(tmpl.substr(0, dollar));
    tmpl.remove_prefix(dollar + 1);
    if (!tmpl.empty() && tmpl[0] == '$') {
      out.push_back('$');
      tmpl.remove_prefix(1);
      continue;
    }
    std::string_view name;
    long num;
    size_t consumed;
    if (!extract(tmpl, &name, &num, &consumed)) {
      out.push_back('$');
      continue;
    }
    tmpl.remove_prefix(consumed);
    if (num >= 0) {
      append_group(static_cast<size_t>(num));
    } else {
      for (size_t g = 0; g < names.size(); ++g) {
        if (names[g] == name && g < match.size() && match[g].begin >= 0) {
          append_group(g);
          break;
        }
      }
    }
  }
  out.append(tmpl);
  return out;
}

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
