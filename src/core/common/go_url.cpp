#include "core/common/go_url.h"

namespace observe {

namespace {

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

void percent(unsigned char c, std::string* out) {
  static const char kHex[] = "0123456789ABCDEF";
  out->push_back('%');
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}

}  // namespace

std::string go_query_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (unreserved(c)) out.push_back(static_cast<char>(c));
    else if (c == ' ') out.push_back('+');
    else percent(c, &out);
  }
  return out;
}

std::string go_path_escape(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    bool keep = unreserved(c);
    switch (c) {
      case '$': case '&': case '+': case ',': case '/': case ':': case ';': case '=': case '@':
        keep = true;
        break;
      default:
        break;
    }
    if (keep) out.push_back(static_cast<char>(c));
    else percent(c, &out);
  }
  return out;
}

}  // namespace observe
