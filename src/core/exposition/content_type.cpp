#include "core/exposition/content_type.h"

#include <cctype>

namespace observe::exposition {

static bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

Format format_from_content_type(std::string_view ct) {
  // The media type is what precedes the first ';', without surrounding blanks (RFC 9110).
  size_t semi = ct.find(';');
  std::string_view media = ct.substr(0, semi);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  return iequals(media, "application/openmetrics-text") ? Format::kOpenMetrics
                                                        : Format::kPrometheusText;
}

}  // namespace observe::exposition
