#include "core/exposition/content_type.h"

#include "core/exposition/ascii.h"

namespace observe::exposition {

Format format_from_content_type(std::string_view ct) {
  // The media type is what precedes the first ';', without surrounding blanks (RFC 9110).
  size_t semi = ct.find(';');
  std::string_view media = ct.substr(0, semi);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  return iequals_ascii(media, "application/openmetrics-text") ? Format::kOpenMetrics
                                                        : Format::kPrometheusText;
}

}  // namespace observe::exposition
