// UTF-8 rules shared by every parser, and the escaping that keeps error messages valid UTF-8
// whatever bytes the input held (a PostgreSQL client may reject or mangle a message that is not).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace observe {

// Length of the well-formed UTF-8 sequence starting at s[i], or 0 when none starts there.
// Go's (and PostgreSQL's) rules: no overlong forms, no surrogates, nothing past U+10FFFF.
size_t utf8_sequence_length(std::string_view s, size_t i);

// True when all of s is well-formed UTF-8.
bool valid_utf8(std::string_view s);

// s with every byte that starts no well-formed sequence replaced by U+FFFD, as Go's
// encoding/json writes such a string (how Loki's API returns a line a template cut apart).
std::string to_valid_utf8(std::string_view s);

// Go's strconv.Quote / %q, for quoting input inside a message: double quotes around it,
// \" \\ \n \r \t, every other control character and every byte of an invalid sequence as \xNN.
// Past max_bytes of input it stops at a character boundary and appends "...".
std::string quote_for_message(std::string_view s, size_t max_bytes = std::string_view::npos);

// The safety net for a whole message: invalid bytes and control characters become \xNN
// (\n, \r, \t as such); everything else, backslashes included, is kept, so applying it twice
// changes nothing.
std::string escape_message(std::string_view message);

}  // namespace observe
