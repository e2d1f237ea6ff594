// The text of a failed scrape as stored for the health view, which roles that must not read
// a target's response (observe_reader, observe_ingest_admin) see. A target's response is the
// server's to read, not theirs: a scrape of an internal URL must not become a way to read
// that URL's body through the error. The exposition parser quotes offending tokens
// (Parser::quote, which starts with '"') and bytes (Parser::got, after ", got "); the text
// before those is the parser's own wording. Fetch errors (curl's, HTTP status, limits,
// policy refusals) hold no body bytes and pass unchanged.
#pragma once

#include <string>
#include <string_view>

namespace observe::scrape {

inline constexpr size_t kPublicErrorMaxBytes = 256;

// At most kPublicErrorMaxBytes of printable ASCII; "..." marks what was cut.
std::string public_error(std::string_view error);

}  // namespace observe::scrape
