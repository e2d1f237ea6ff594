#include "core/exposition/escape.h"

namespace observe::exposition {

static void unescape(std::string_view raw, std::string* out, bool quote_is_escape) {
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\' && i + 1 < raw.size()) {
      char n = raw[i + 1];
      if (n == '\\' || n == 'n' || (quote_is_escape && n == '"')) {
        out->push_back(n == 'n' ? '\n' : n);
        ++i;
        continue;
      }
    }
    out->push_back(c);
  }
}

void unescape_label_value(std::string_view raw, std::string* out) { unescape(raw, out, true); }

void unescape_text_help(std::string_view raw, std::string* out) { unescape(raw, out, false); }

}  // namespace observe::exposition
