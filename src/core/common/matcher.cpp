#include "core/common/matcher.h"

#include <re2/re2.h>

#include "core/common/error.h"

namespace observe {

LabelMatcher::LabelMatcher(MatchOp op, std::string name, std::string value)
    : op_(op), name_(std::move(name)), value_(std::move(value)) {
  if (op_ == MatchOp::kRegexMatch || op_ == MatchOp::kRegexNoMatch) {
    // Prometheus anchors every regex: ^(?:re)$. (?s) makes '.' match newlines, as Go's does there.
    RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_dot_nl(true);
    auto re = std::make_shared<RE2>("^(?:" + value_ + ")$", opts);
    if (!re->ok())
      throw Error(ErrorKind::kInvalidParameter,
                  "invalid regular expression \"" + value_ + "\": " + re->error());
    re_ = std::move(re);
  }
}

bool LabelMatcher::matches(std::string_view v) const {
  switch (op_) {
    case MatchOp::kEqual: return v == value_;
    case MatchOp::kNotEqual: return v != value_;
    case MatchOp::kRegexMatch: return RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
    case MatchOp::kRegexNoMatch: return !RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re_);
  }
  return false;
}

std::string LabelMatcher::to_string() const {
  static const char* ops[] = {"=", "!=", "=~", "!~"};
  return name_ + ops[static_cast<int>(op_)] + quote_label_value(value_);
}

bool matches_all(const Matchers& matchers, const Labels& labels) {
  for (const auto& m : matchers)
    if (!m.matches(labels)) return false;
  return true;
}

}  // namespace observe
