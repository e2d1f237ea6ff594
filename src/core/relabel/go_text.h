// The pieces of Go's standard library whose exact behaviour relabeling depends on.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/common/go_regexp.h"

namespace observe::relabel {

// Regexp.ExpandString and its match spans live in core/common (PromQL, LogQL and the rule
// templates expand the same way).
using observe::go_expand;
using observe::Span;

// Go's strings.ToLower / strings.ToUpper: rune by rune with Unicode simple case mapping;
// each byte of an invalid UTF-8 sequence becomes U+FFFD (as strings.Map does).
std::string go_to_lower(std::string_view s);
std::string go_to_upper(std::string_view s);

// model.LabelName.IsValid of prometheus/common 0.39 (Prometheus 2.42): [a-zA-Z_][a-zA-Z0-9_]*.
bool is_valid_label_name(std::string_view name);

}  // namespace observe::relabel
