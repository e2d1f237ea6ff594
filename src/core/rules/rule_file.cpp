// model/rulefmt of Prometheus: strict YAML decoding (yaml.v3's messages), then
// RuleGroups.Validate and the template parse test, every error collected as promtool
// collects them.
#include "core/rules/rule_file.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/promconfig/config.h"
#include "core/promconfig/duration.h"
#include "core/promconfig/yaml_reader.h"
#include "core/logql/parser.h"
#include "core/promql/parser.h"
#include "core/rules/template.h"

namespace observe::rules {

RuleFileError::RuleFileError(std::vector<std::string> errors)
    : std::runtime_error(errors.empty() ? std::string("invalid rule file") : errors.front()),
      errors_(std::move(errors)) {}

bool is_valid_metric_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool is_valid_label_name(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); i++) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

namespace {

namespace py = promconfig::yaml;

// A decoding error (yaml.v3 stops the file there: "yaml: unmarshal errors:\n  line N: ...").
struct DecodeError {
  std::string msg;
};

struct Pos {
  int line = 0, col = 0;  // 1-based; 0:0 is Go's zero yaml.Node
  std::string str() const { return std::to_string(line) + ":" + std::to_string(col); }
};

Pos pos_of(const YAML::Node& n) {
  if (!n.IsDefined()) return {};
  auto m = n.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

[[noreturn]] void unmarshal_error(const YAML::Node& n, const std::string& msg) {
  throw DecodeError{"yaml: unmarshal errors:\n  line " + std::to_string(py::line_of(n, 1)) + ": " + msg};
}

[[noreturn]] void type_mismatch(const YAML::Node& n, const std::string& go_type) {
  std::string kind = py::kind_name(n);
  if (n.IsScalar()) unmarshal_error(n, "cannot unmarshal " + kind + " `" + n.Scalar() + "` into " + go_type);
  unmarshal_error(n, "cannot unmarshal " + kind + " into " + go_type);
}

bool is_null(const YAML::Node& n) { return !n.IsDefined() || n.IsNull(); }

std::string scalar_string(const YAML::Node& n) {
  py::count_decode(n);
  if (is_null(n)) return "";
  if (!n.IsScalar()) type_mismatch(n, "string");
  return n.Scalar();
}

// Visits a mapping strictly: a repeated key or (unless `known`) an unknown key is an error.
template <typename F>
void visit(const YAML::Node& n, const std::string& type, F f) {
  py::count_decode(n);
  if (is_null(n)) return;
  if (!n.IsMap()) type_mismatch(n, type);
  std::map<std::string, int> seen;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    int line = py::line_of(it->first, 1);
    auto [at, fresh] = seen.emplace(key, line);
    if (!fresh)
      throw DecodeError{"yaml: unmarshal errors:\n  line " + std::to_string(line) + ": mapping key \"" + key +
                        "\" already defined at line " + std::to_string(at->second)};
    if (!f(key, it->first, it->second))
      throw DecodeError{"yaml: unmarshal errors:\n  line " + std::to_string(line) + ": field " + key +
                        " not found in type " + type};
  }
}

StringPairs string_map(const YAML::Node& n) {
  StringPairs out;
  py::count_decode(n);
  if (is_null(n)) return out;
  if (!n.IsMap()) type_mismatch(n, "map[string]string");
  std::map<std::string, int> seen;
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) type_mismatch(it->first, "string");
    std::string key = it->first.Scalar();
    int line = py::line_of(it->first, 1);
    auto [at, fresh] = seen.emplace(key, line);
    if (!fresh)
      throw DecodeError{"yaml: unmarshal errors:\n  line " + std::to_string(line) + ": mapping key \"" + key +
                        "\" already defined at line " + std::to_string(at->second)};
    out.emplace_back(key, scalar_string(it->second));
  }
  return out;
}

int64_t duration(const YAML::Node& n) {
  std::string s = scalar_string(n);
  if (is_null(n)) return 0;
  try {
    return promconfig::parse_duration(s);
  } catch (const Error& e) {
    throw DecodeError{e.what()};
  }
}

int64_t integer(const YAML::Node& n) {
  py::count_decode(n);
  if (is_null(n)) return 0;
  if (!n.IsScalar()) type_mismatch(n, "int");
  const std::string& s = n.Scalar();
  std::string digits = s;
  bool neg = false;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    neg = digits[0] == '-';
    digits.erase(0, 1);
  }
  digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
  if (digits.empty() || digits.size() > 18 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    type_mismatch(n, "int");
  int64_t v = std::stoll(digits);
  return neg ? -v : v;
}

// A rule as decoded, with the nodes positions are reported at.
struct RuleNodes {
  Rule rule;
  YAML::Node record, alert, expr;
  bool record_set = false, alert_set = false;
};

RuleNodes decode_rule(const YAML::Node& n) {
  RuleNodes r;
  r.rule.line = py::line_of(n, 0);
  visit(n, "rulefmt.RuleNode", [&](const std::string& k, const YAML::Node&, const YAML::Node& v) {
    if (k == "record") {
      r.rule.record = scalar_string(v);
      r.record = v;
      r.record_set = true;
    } else if (k == "alert") {
      r.rule.alert = scalar_string(v);
      r.alert = v;
      r.alert_set = true;
    } else if (k == "expr") {
      r.rule.expr = scalar_string(v);
      r.expr = v;
    } else if (k == "for") {
      r.rule.for_ms = duration(v);
    } else if (k == "keep_firing_for") {
      r.rule.keep_firing_for_ms = duration(v);
    } else if (k == "labels") {
      r.rule.labels = string_map(v);
    } else if (k == "annotations") {
      r.rule.annotations = string_map(v);
    } else {
      return false;
    }
    return true;
  });
  return r;
}

// PromQL errors as Prometheus prints them: `1:5: parse error: unclosed left parenthesis`.
std::string promql_error(const std::string& expr, const Error& e) {
  std::string msg = e.what();
  int pos = e.position();
  if (pos < 0) return msg;
  int line = 1, col = 1;
  for (int i = 0; i < pos && i < int(expr.size()); i++) {
    if (expr[i] == '\n') {
      line++;
      col = 1;
    } else {
      col++;
    }
  }
  if (msg.rfind("parse error", 0) == 0) return std::to_string(line) + ":" + std::to_string(col) + ": " + msg;
  return std::to_string(line) + ":" + std::to_string(col) + ": parse error: " + msg;
}

// RuleNode.Validate: messages without the group/rule prefix, with the node they are about.
struct Problem {
  std::string msg;
  Pos pos;
  bool has_pos = false;
  Pos alt;
  bool has_alt = false;
};

Problem plain(std::string msg) { return Problem{std::move(msg), Pos{}, false, Pos{}, false}; }

std::vector<Problem> validate_rule(const RuleNodes& rn, QueryLanguage language) {
  std::vector<Problem> out;
  const Rule& r = rn.rule;
  auto at = [&](const std::string& msg, const YAML::Node& n, bool set) {
    Problem p{msg, set ? pos_of(n) : Pos{}, true, {}, false};
    out.push_back(p);
  };
  if (!r.record.empty() && !r.alert.empty()) {
    Problem p{"only one of 'record' and 'alert' must be set", pos_of(rn.record), true, pos_of(rn.alert), true};
    out.push_back(p);
  }
  if (r.record.empty() && r.alert.empty()) at("one of 'record' or 'alert' must be set", rn.record, rn.record_set);
  if (r.expr.empty()) {
    at("field 'expr' must be set in rule", rn.expr, rn.expr.IsDefined());
  } else {
    try {
      if (language == QueryLanguage::kLogQL) {
        logql::parse_query(r.expr);
      } else {
        promql::parse_expr(r.expr);
      }
    } catch (const Error& e) {
      // LogQL's errors carry their own "parse error at line L, col C" (Loki's text).
      at("could not parse expression: " + (language == QueryLanguage::kLogQL ? std::string(e.what()) : promql_error(r.expr, e)),
         rn.expr, true);
    }
  }
  if (!r.record.empty()) {
    if (!r.annotations.empty()) at("invalid field 'annotations' in recording rule", rn.record, true);
    if (r.for_ms != 0) at("invalid field 'for' in recording rule", rn.record, true);
    if (r.keep_firing_for_ms != 0) at("invalid field 'keep_firing_for' in recording rule", rn.record, true);
    if (!is_valid_metric_name(r.record)) at("invalid recording rule name: " + r.record, rn.record, true);
  }
  for (const auto& [k, v] : r.labels) {
    if (!is_valid_label_name(k) || k == "__name__") out.push_back(plain("invalid label name: " + k));
    if (!valid_utf8(v)) out.push_back(plain("invalid label value: " + v));
  }
  for (const auto& [k, v] : r.annotations)
    if (!is_valid_label_name(k)) out.push_back(plain("invalid annotation name: " + k));
  // testTemplateParsing: alerting rules only.
  if (!r.alert.empty()) {
    auto parse_test = [&](const char* what, const std::string& k, const std::string& text) {
      try {
        Template t("__alert_" + r.alert, std::string(kAlertTemplateDefs) + text);
      } catch (const TemplateError& e) {
        out.push_back(plain(std::string(what) + " \"" + k + "\": " + e.what()));
      }
    };
    for (const auto& [k, v] : r.labels) parse_test("label", k, v);
    for (const auto& [k, v] : r.annotations) parse_test("annotation", k, v);
  }
  return out;
}

// yaml.v3 (libyaml's scanner) refuses a tab that starts a line's content in block context,
// where yaml-cpp takes it as white space. Block scalars (`|`, `>`) may hold tabs: their lines
// (indented deeper than the line that opened them, or blank) are skipped. 0: none found.
int tab_indented_line(std::string_view text) {
  int line = 0;
  int block_parent_indent = -1;  // inside a block scalar opened by a line of this indentation
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(pos, end - pos);
    line++;
    pos = end + 1;
    size_t indent = 0;
    while (indent < l.size() && l[indent] == ' ') indent++;
    bool blank = l.find_first_not_of(" \t\r") == std::string_view::npos;
    if (block_parent_indent >= 0) {
      if (blank || int(indent) > block_parent_indent) continue;
      block_parent_indent = -1;
    }
    if (!l.empty() && l[0] == '\t') return line;
    // Does this line open a block scalar? `key: |`, `- >-`, `key: |2` (comments allowed after).
    std::string_view t = l.substr(0, l.find(" #"));
    while (!t.empty() && (t.back() == ' ' || t.back() == '\r')) t.remove_suffix(1);
    while (!t.empty() && (t.back() == '-' || t.back() == '+' || (t.back() >= '1' && t.back() <= '9'))) t.remove_suffix(1);
    if (!t.empty() && (t.back() == '|' || t.back() == '>') && t.size() >= 2 && (t[t.size() - 2] == ' ' || t[t.size() - 2] == ':'))
      block_parent_indent = int(indent);
    if (end == text.size()) break;
  }
  return 0;
}

}  // namespace

std::vector<std::string> check_rule_file(std::string_view text, RuleFile* out, const RuleFileOptions& opts) {
  std::vector<std::string> errors;
  RuleFile file;
  std::vector<std::vector<RuleNodes>> nodes;
  std::vector<YAML::Node> group_nodes;
  try {
    py::DecodeBudget budget(text.size());
    YAML::Node root;
    if (int tab_line = tab_indented_line(text))
      return {"yaml: line " + std::to_string(tab_line) + ": found character that cannot start any token"};
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
      return {"yaml: line " + std::to_string(e.mark.line + 1) + ": " + e.msg};
    }
    visit(root, "rulefmt.RuleGroups", [&](const std::string& k, const YAML::Node&, const YAML::Node& v) {
      if (k != "groups") return false;
      py::count_decode(v);
      if (is_null(v)) return true;
      if (!v.IsSequence()) type_mismatch(v, "[]rulefmt.RuleGroup");
      for (const auto& g : v) {
        RuleGroup group;
        group.line = py::line_of(g, 0);
        std::vector<RuleNodes> rules;
        visit(g, "rulefmt.RuleGroup", [&](const std::string& gk, const YAML::Node&, const YAML::Node& gv) {
          if (gk == "name") {
            group.name = scalar_string(gv);
          } else if (gk == "interval") {
            group.interval_ms = duration(gv);
          } else if (gk == "query_offset" && opts.newer_group_fields) {
            group.query_offset_ms = duration(gv);
            group.has_query_offset = true;
          } else if (gk == "limit") {
            group.limit = integer(gv);
          } else if (gk == "labels" && opts.newer_group_fields) {
            group.labels = string_map(gv);
          } else if (gk == "rules") {
            py::count_decode(gv);
            if (is_null(gv)) return true;
            if (!gv.IsSequence()) type_mismatch(gv, "[]rulefmt.RuleNode");
            for (const auto& r : gv) rules.push_back(decode_rule(r));
          } else {
            return false;
          }
          return true;
        });
        for (const auto& rn : rules) group.rules.push_back(rn.rule);
        file.groups.push_back(std::move(group));
        nodes.push_back(std::move(rules));
        group_nodes.push_back(g);
      }
      return true;
    });
  } catch (const DecodeError& e) {
    return {e.msg};
  } catch (const promconfig::ConfigError& e) {
    return {std::string("yaml: ") + e.what()};
  } catch (const YAML::Exception& e) {
    return {std::string("yaml: ") + e.what()};
  }

  // RuleGroups.Validate.
  std::set<std::string> names;
  for (size_t j = 0; j < file.groups.size(); j++) {
    const RuleGroup& g = file.groups[j];
    Pos gp = pos_of(group_nodes[j]);
    if (g.name.empty()) errors.push_back(gp.str() + ": Groupname must not be empty");
    if (!names.insert(g.name).second)
      errors.push_back(gp.str() + ": groupname: \"" + g.name + "\" is repeated in the same file");
    for (const auto& [k, v] : g.labels) {
      if (!is_valid_label_name(k) || k == "__name__") errors.push_back(gp.str() + ": invalid label name: " + k);
      if (!valid_utf8(v)) errors.push_back(gp.str() + ": invalid label value: " + v);
    }
    for (size_t i = 0; i < nodes[j].size(); i++) {
      const Rule& r = nodes[j][i].rule;
      std::string rule_name = r.alert.empty() ? r.record : r.alert;
      for (const auto& p : validate_rule(nodes[j][i], opts.language)) {
        std::string prefix;
        if (p.has_alt) prefix = p.pos.str() + ": " + p.alt.str() + ": ";
        else if (p.has_pos) prefix = p.pos.str() + ": ";
        errors.push_back(prefix + "group \"" + g.name + "\", rule " + std::to_string(i + 1) + ", \"" + rule_name +
                         "\": " + p.msg);
      }
    }
  }
  for (RuleGroup& g : file.groups)
    for (Rule& r : g.rules) r.language = opts.language;
  if (errors.empty() && out) *out = std::move(file);
  return errors;
}

const char* query_language_name(QueryLanguage l) { return l == QueryLanguage::kLogQL ? "logql" : "promql"; }

RuleFile parse_rule_file(std::string_view text, const RuleFileOptions& opts) {
  RuleFile f;
  auto errors = check_rule_file(text, &f, opts);
  if (!errors.empty()) throw RuleFileError(std::move(errors));
  return f;
}

}  // namespace observe::rules
