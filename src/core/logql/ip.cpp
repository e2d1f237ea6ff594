#include "core/logql/ip.h"

#include <cctype>
#include <stdexcept>
#include <vector>

namespace observe::logql {

namespace {

bool parse_v4(std::string_view s, uint8_t out[4]) {
  int part = 0;
  size_t i = 0;
  while (part < 4) {
    if (i >= s.size() || !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    int v = 0, digits = 0;
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      v = v * 10 + (s[i] - '0');
      digits++;
      i++;
      if (v > 255) return false;
    }
    if (digits > 1 && s[start] == '0') return false;  // Go's netip rejects leading zeros
    out[part++] = static_cast<uint8_t>(v);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      i++;
    }
  }
  return i == s.size();
}

}  // namespace

bool IpMatcher::parse(std::string_view s, Addr* a) {
  *a = Addr();
  if (s.find(':') == std::string_view::npos) {
    uint8_t v4[4];
    if (!parse_v4(s, v4)) return false;
    a->v4 = true;
    a->b[10] = a->b[11] = 0xff;
    for (int i = 0; i < 4; i++) a->b[static_cast<size_t>(12 + i)] = v4[i];
    return true;
  }
  // IPv6 with optional :: and trailing dotted IPv4.
  std::vector<uint16_t> head, tail;
  bool dbl = false;
  size_t i = 0;
  if (s.substr(0, 2) == "::") {
    dbl = true;
    i = 2;
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  auto* cur = dbl ? &tail : &head;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && std::isxdigit(static_cast<unsigned char>(s[j]))) j++;
    if (j < s.size() && s[j] == '.') {
      uint8_t v4[4];
      if (!parse_v4(s.substr(i), v4)) return false;
      cur->push_back(static_cast<uint16_t>(v4[0] << 8 | v4[1]));
      cur->push_back(static_cast<uint16_t>(v4[2] << 8 | v4[3]));
      i = s.size();
      break;
    }
    if (j == i || j - i > 4) return false;
    cur->push_back(static_cast<uint16_t>(std::stoul(std::string(s.substr(i, j - i)), nullptr, 16)));
    i = j;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    if (i + 1 < s.size() && s[i + 1] == ':') {
      if (dbl) return false;
      dbl = true;
      cur = &tail;
      i += 2;
      continue;
    }
    i++;
    if (i == s.size()) return false;
  }
  size_t total = head.size() + tail.size();
  if (total > 8 || (!dbl && total != 8) || (dbl && total == 8)) return false;
  std::vector<uint16_t> all(head);
  all.resize(8 - tail.size(), 0);
  all.insert(all.end(), tail.begin(), tail.end());
  for (size_t k = 0; k < 8; k++) {
    a->b[2 * k] = static_cast<uint8_t>(all[k] >> 8);
    a->b[2 * k + 1] = static_cast<uint8_t>(all[k] & 0xff);
  }
  return true;
}

IpMatcher::IpMatcher(std::string_view p) {
  auto bad = [&]() { throw std::invalid_argument("ip: invalid pattern \"" + std::string(p) + "\""); };
  if (p.empty()) bad();
  size_t slash = p.find('/'), dash = p.find('-');
  if (slash != std::string_view::npos) {
    if (!parse(p.substr(0, slash), &lo_)) bad();
    std::string_view bits = p.substr(slash + 1);
    if (bits.empty() || bits.size() > 3) bad();
    int n = 0;
    for (char c : bits) {
      if (!std::isdigit(static_cast<unsigned char>(c))) bad();
      n = n * 10 + (c - '0');
    }
    int max = lo_.v4 ? 32 : 128;
    if (n > max) bad();
    if (lo_.v4) n += 96;
    hi_ = lo_;
    for (int bit = n; bit < 128; bit++) {
      size_t byte = static_cast<size_t>(bit / 8);
      uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
      lo_.b[byte] &= static_cast<uint8_t>(~mask);
      hi_.b[byte] |= mask;
    }
  } else if (dash != std::string_view::npos) {
    if (!parse(p.substr(0, dash), &lo_) || !parse(p.substr(dash + 1), &hi_)) bad();
    if (lo_.v4 != hi_.v4 || hi_.b < lo_.b) bad();
  } else {
    if (!parse(p, &lo_)) bad();
    hi_ = lo_;
  }
}

bool IpMatcher::contains(const Addr& a) const { return a.v4 == lo_.v4 && !(a.b < lo_.b) && !(hi_.b < a.b); }

bool IpMatcher::matches_value(std::string_view v) const {
  Addr a;
  return parse(v, &a) && contains(a);
}

bool IpMatcher::matches_line(std::string_view line) const {
  auto ipchar = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == '.' || c == ':'; };
  size_t i = 0;
  while (i < line.size()) {
    if (!ipchar(line[i])) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < line.size() && ipchar(line[j])) j++;
    Addr a;
    std::string_view tok = line.substr(i, j - i);
    if (parse(tok, &a) && contains(a)) return true;
    // `10.0.0.7:80`: an IPv4 address followed by a port.
    size_t v4 = 0;
    while (v4 < tok.size() && (std::isdigit(static_cast<unsigned char>(tok[v4])) || tok[v4] == '.')) v4++;
    if (v4 < tok.size() && v4 > 0 && parse(tok.substr(0, v4), &a) && contains(a)) return true;
    i = j;
  }
  return false;
}

}  // namespace observe::logql
