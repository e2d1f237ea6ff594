#include "core/scrape/public_error.h"

namespace observe::scrape {

std::string public_error(std::string_view error) {
  size_t cut = error.size();
  for (std::string_view marker : {std::string_view("\""), std::string_view(", got ")})
    cut = std::min(cut, error.find(marker));
  std::string out;
  out.reserve(std::min(cut, kPublicErrorMaxBytes));
  for (size_t i = 0; i < cut; i++) {
    unsigned char c = static_cast<unsigned char>(error[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  bool cut_short = cut < error.size() || out.size() > kPublicErrorMaxBytes;
  if (out.size() > kPublicErrorMaxBytes - 3) out.resize(kPublicErrorMaxBytes - 3);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (cut_short) out += "...";
  return out;
}

}  // namespace observe::scrape
