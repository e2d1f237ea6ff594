#include "core/relabel/relabel.h"

#include <re2/re2.h>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/relabel/go_text.h"
#include "core/relabel/md5.h"

namespace observe::relabel {
namespace {

struct NamedAction {
  std::string_view name;
  Action action;
};
constexpr NamedAction kActions[] = {
    {"replace", Action::kReplace},     {"keep", Action::kKeep},
    {"drop", Action::kDrop},           {"keepequal", Action::kKeepEqual},
    {"dropequal", Action::kDropEqual}, {"hashmod", Action::kHashMod},
    {"labelmap", Action::kLabelMap},   {"labeldrop", Action::kLabelDrop},
    {"labelkeep", Action::kLabelKeep}, {"lowercase", Action::kLowercase},
    {"uppercase", Action::kUppercase},
};

RE2::Options go_options() {
  RE2::Options o;
  o.set_log_errors(false);
  return o;
}

// hashmod: Prometheus folds the 16-byte digest into a uint64 with shifts of (15-i)*8 bits;
// Go's shifts of 64 bits and more give 0, so only the last 8 bytes count, big-endian.
uint64_t sum64(const std::array<uint8_t, 16>& h) {
  uint64_t s = 0;
  for (int i = 8; i < 16; ++i) s |= uint64_t(h[i]) << ((15 - i) * 8);
  return s;
}

// Go's regexp/syntax ErrorCode texts for RE2's codes (the same classification).
std::string go_error_code(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape: return "invalid escape sequence";
    case RE2::ErrorBadCharClass: return "invalid character class";
    case RE2::ErrorBadCharRange: return "invalid character class range";
    case RE2::ErrorMissingBracket: return "missing closing ]";
    case RE2::ErrorMissingParen: return "missing closing )";
    case RE2::ErrorUnexpectedParen: return "unexpected )";
    case RE2::ErrorTrailingBackslash: return "trailing backslash at end of expression";
    case RE2::ErrorRepeatArgument: return "missing argument to repetition operator";
    case RE2::ErrorRepeatSize: return "invalid repeat count";
    case RE2::ErrorRepeatOp: return "invalid nested repetition operator";
    case RE2::ErrorBadPerlOp: return "invalid or unsupported Perl syntax";
    case RE2::ErrorBadUTF8: return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture: return "invalid named capture";
    default: return "regexp/syntax: internal error";
  }
}

}  // namespace

std::optional<Action> parse_action(std::string_view s) {
  std::string lower = go_to_lower(s);
  for (const auto& a : kActions)
    if (a.name == lower) return a.action;
  return std::nullopt;
}

std::string_view action_name(Action a) {
  for (const auto& n : kActions)
    if (n.action == a) return n.name;
  return "";
}

Regex::Regex(std::string source) : source_(std::move(source)) {
  std::string anchored = "^(?:" + source_ + ")$";
  auto re = std::make_shared<const RE2>(anchored, go_options());
  if (!re->ok())
    throw Error(ErrorKind::kInvalidParameter, "error parsing regexp: " + go_error_code(re->error_code()) +
                                                  ": `" + re->error_arg() + "`");
  names_.assign(static_cast<size_t>(re->NumberOfCapturingGroups()) + 1, "");
  for (const auto& [name, index] : re->NamedCapturingGroups())
    names_[static_cast<size_t>(index)] = name;
  re_ = std::move(re);
}

bool Regex::full_match(std::string_view s) const {
  return re_->Match(s, 0, s.size(), RE2::UNANCHORED, nullptr, 0);
}

bool Regex::match(std::string_view s, std::vector<Span>* spans) const {
  std::vector<re2::StringPiece> groups(names_.size());
  if (!re_->Match(s, 0, s.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size())))
    return false;
  spans->assign(groups.size(), Span{});
  for (size_t i = 0; i < groups.size(); ++i) {
    if (groups[i].data() == nullptr) continue;
    (*spans)[i].begin = groups[i].data() - s.data();
    (*spans)[i].end = (*spans)[i].begin + static_cast<long>(groups[i].size());
  }
  return true;
}

std::shared_ptr<const Regex> Config::default_regex() {
  static const auto re = std::make_shared<const Regex>("(.*)");
  return re;
}

bool is_valid_relabel_target(std::string_view s) {
  static const RE2 re(R"(^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$)");
  return RE2::FullMatch(s, re);
}

std::string validate(const Config& c) {
  const Action a = c.action;
  const std::string name(action_name(a));
  auto one_of = [a](std::initializer_list<Action> list) {
    for (Action x : list)
      if (x == a) return true;
    return false;
  };
  if (a == Action::kEmpty) return "relabel action cannot be empty";
  if (c.modulus == 0 && a == Action::kHashMod)
    return "relabel configuration for hashmod requires non-zero modulus";
  if (one_of({Action::kReplace, Action::kHashMod, Action::kLowercase, Action::kUppercase,
              Action::kKeepEqual, Action::kDropEqual}) &&
      c.target_label.empty())
    return "relabel configuration for " + name + " action requires 'target_label' value";
  if (one_of({Action::kReplace, Action::kLowercase, Action::kUppercase, Action::kKeepEqual,
              Action::kDropEqual}) &&
      !is_valid_relabel_target(c.target_label))
    return quote_for_message(c.target_label) + " is invalid 'target_label' for " + name + " action";
  if (one_of({Action::kLowercase, Action::kUppercase, Action::kKeepEqual, Action::kDropEqual}) &&
      c.replacement != "$1")
    return "'replacement' can not be set for " + name + " action";
  if (a == Action::kLabelMap && !is_valid_relabel_target(c.replacement))
    return quote_for_message(c.replacement) + " is invalid 'replacement' for " + name + " action";
  if (a == Action::kHashMod && !is_valid_label_name(c.target_label))
    return quote_for_message(c.target_label) + " is invalid 'target_label' for " + name + " action";
  if (one_of({Action::kDropEqual, Action::kKeepEqual}) &&
      (c.regex_given || c.modulus != 0 || c.separator != ";" || c.replacement != "$1"))
    return name + " action requires only 'source_labels' and `target_label`, and no other fields";
  if (one_of({Action::kLabelDrop, Action::kLabelKeep}) &&
      (c.source_labels_given || !c.target_label.empty() || c.modulus != 0 ||
       c.separator != ";" || c.replacement != "$1"))
    return name + " action requires only 'regex', and no other fields";
  return "";
}

namespace {

// One rule; false when it drops the set. `lset` is replaced by the result.
bool apply(Labels& lset, const Config& cfg) {
  std::string val;
  for (size_t i = 0; i < cfg.source_labels.size(); ++i) {
    if (i) val += cfg.separator;
    val += lset.get(cfg.source_labels[i]);
  }
  const Regex& re = *cfg.regex;
  switch (cfg.action) {
    case Action::kDrop:
      return !re.full_match(val);
    case Action::kKeep:
      return re.full_match(val);
    case Action::kDropEqual:
      return lset.get(cfg.target_label) != val;
    case Action::kKeepEqual:
      return lset.get(cfg.target_label) == val;
    case Action::kReplace: {
      std::vector<Span> spans;
      if (!re.match(val, &spans)) break;
      std::string target = go_expand(cfg.target_label, val, spans, re.group_names());
      // Prometheus deletes the label named by the unexpanded target_label in both cases.
      if (!is_valid_label_name(target)) {
        lset.remove(cfg.target_label);
        break;
      }
      std::string res = go_expand(cfg.replacement, val, spans, re.group_names());
      if (res.empty()) {
        lset.remove(cfg.target_label);
        break;
      }
      lset.set(target, res);
      break;
    }
    case Action::kLowercase:
      lset.set(cfg.target_label, go_to_lower(val));
      break;
    case Action::kUppercase:
      lset.set(cfg.target_label, go_to_upper(val));
      break;
    case Action::kHashMod: {
      uint64_t mod = sum64(md5(val)) % cfg.modulus;
      lset.set(cfg.target_label, std::to_string(mod));
      break;
    }
    case Action::kLabelMap: {
      const Labels before = lset;
      std::vector<Span> spans;
      for (const auto& l : before.items()) {
        if (!re.match(l.name, &spans)) continue;
        lset.set(go_expand(cfg.replacement, l.name, spans, re.group_names()), l.value);
      }
      break;
    }
    case Action::kLabelDrop:
    case Action::kLabelKeep: {
      const bool keep_matching = cfg.action == Action::kLabelKeep;
      std::vector<Label> kept;
      for (const auto& l : lset.items())
        if (re.full_match(l.name) == keep_matching) kept.push_back(l);
      lset = Labels(std::move(kept));
      break;
    }
    case Action::kEmpty:
      throw Error(ErrorKind::kInternal, "relabel: unknown relabel action type \"\"");
  }
  return true;
}

}  // namespace

std::optional<Labels> process(const Labels& labels, const std::vector<Config>& rules) {
  Labels out = labels;
  for (const auto& rule : rules)
    if (!apply(out, rule)) return std::nullopt;
  return out;
}

}  // namespace observe::relabel
