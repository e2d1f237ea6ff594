// The pieces of Go's standard library whose exact behaviour relabeling depends on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace observe::relabel {

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

// Go's strings.ToLower / strings.ToUpper: rune by rune with Unicode simple case mapping;
// each byte of an invalid UTF-8 sequence becomes U+FFFD (as strings.Map does).
std::string go_to_lower(std::string_view s);
std::string go_to_upper(std::string_view s);

// model.LabelName.IsValid of prometheus/common 0.39 (Prometheus 2.42): [a-zA-Z_][a-zA-Z0-9_]*.
bool is_valid_label_name(std::string_view name);

}  // namespace observe::relabel
