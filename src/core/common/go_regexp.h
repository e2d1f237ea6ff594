// Go's regexp replacement semantics, which PromQL's label_replace, relabeling, LogQL's
// regexReplaceAll and the alert templates' reReplaceAll all inherit from the Go library.
#pragma once

#include <re2/re2.h>

#include <string>
#include <string_view>
#include <vector>

namespace observe {

// A submatch of one regexp match: byte offsets into the matched text, or {-1, -1} when the
// group took no part in the match (Go's FindStringSubmatchIndex pairs).
struct Span {
  long begin = -1;
  long end = -1;
};

// Go's Regexp.ExpandString: `$$` is a dollar; `$name` / `${name}` take the longest run of
// letters, digits and `_` as the name; a name that is a number (no leading zero, below 1e8)
// is a group index, any other is a group name; an unknown or unmatched group expands to
// nothing; a `$` not followed by a valid reference stays as it is.
// `names[i]` is the name of group i ("" when unnamed; names[0] is the whole match).
std::string go_expand(std::string_view tmpl, std::string_view src, const std::vector<Span>& match,
                      const std::vector<std::string>& names);

// The same over an RE2 match: groups[0..n) as RE2::Match fills them (data() null when the
// group did not take part), names from re's named groups. Appends to out.
void go_expand_append(std::string& out, std::string_view tmpl, const RE2& re, const re2::StringPiece* groups,
                      int n);

// Go's Regexp.ReplaceAllString (each match replaced by the expanded template) or, when
// literal, ReplaceAllLiteralString. As Go, an empty match right after a match is skipped.
std::string go_replace_all(const RE2& re, std::string_view src, std::string_view repl, bool literal = false);

// Decodes the rune at s[i] as Go's range loop does: an invalid byte is U+FFFD of width 1.
char32_t go_decode_rune(std::string_view s, size_t i, size_t* width);

}  // namespace observe
