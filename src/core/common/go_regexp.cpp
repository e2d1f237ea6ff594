#include "core/common/go_regexp.h"

#include <cwctype>
#include <locale.h>

#include "core/common/utf8.h"

namespace observe {
namespace {

constexpr char32_t kRuneError = 0xFFFD;

bool is_name_rune(char32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') || r == '_';
  // unicode.IsLetter || unicode.IsDigit; glibc's alpha class of its built-in C.UTF-8 locale
  // holds letters and the digits of other scripts, whatever locale PostgreSQL set.
  static locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
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
    char32_t r = go_decode_rune(s, i, &w);
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

// Go's Regexp.expand over any match representation: group(i) appends group i when it took
// part, group_named(name) the first participating group of that name.
template <typename ByIndex, typename ByName>
void expand(std::string& out, std::string_view tmpl, ByIndex group, ByName group_named) {
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
    if (num >= 0) group(static_cast<size_t>(num));
    else group_named(name);
  }
  out.append(tmpl);
}

}  // namespace

char32_t go_decode_rune(std::string_view s, size_t i, size_t* width) {
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
      return char32_t(b(0) & 0x07) << 18 | char32_t(b(1) & 0x3F) << 12 | char32_t(b(2) & 0x3F) << 6 |
             (b(3) & 0x3F);
  }
}

std::string go_expand(std::string_view tmpl, std::string_view src, const std::vector<Span>& match,
                      const std::vector<std::string>& names) {
  std::string out;
  auto participates = [&](size_t g) { return g < match.size() && match[g].begin >= 0; };
  auto group = [&](size_t g) {
    if (participates(g)) out.append(src.substr(match[g].begin, match[g].end - match[g].begin));
  };
  expand(out, tmpl, group, [&](std::string_view name) {
    for (size_t g = 0; g < names.size(); ++g)
      if (names[g] == name && participates(g)) return group(g);
  });
  return out;
}

void go_expand_append(std::string& out, std::string_view tmpl, const RE2& re, const re2::StringPiece* groups,
                      int n) {
  auto group = [&](size_t g) {
    if (g < static_cast<size_t>(n) && groups[g].data() != nullptr) out.append(groups[g].data(), groups[g].size());
  };
  expand(out, tmpl, group, [&](std::string_view name) {
    // Go takes the first group of that name that took part; RE2 keeps the first of a name.
    const auto& names = re.NamedCapturingGroups();
    auto it = names.find(std::string(name));
    if (it != names.end()) group(static_cast<size_t>(it->second));
  });
}

std::string go_replace_all(const RE2& re, std::string_view src, std::string_view repl, bool literal) {
  // Go's Regexp.replaceAll, step for step.
  int n = re.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> m(static_cast<size_t>(n));
  std::string out;
  size_t last_match_end = 0, search = 0;
  re2::StringPiece input(src.data(), src.size());
  while (search <= src.size()) {
    if (!re.Match(input, search, src.size(), RE2::UNANCHORED, m.data(), n)) break;
    size_t begin = static_cast<size_t>(m[0].data() - src.data()), end = begin + m[0].size();
    out.append(src.substr(last_match_end, begin - last_match_end));
    // No replacement for an empty match right after another match.
    if (end > last_match_end || begin == 0) {
      if (literal) out.append(repl);
      else go_expand_append(out, repl, re, m.data(), n);
    }
    last_match_end = end;
    // Advance past the match, by at least one rune.
    size_t width = 0;
    if (search < src.size()) go_decode_rune(src, search, &width);
    if (search + width > end) search += width;
    else if (search + 1 > end) search++;
    else search = end;
  }
  out.append(src.substr(last_match_end));
  return out;
}

}  // namespace observe
