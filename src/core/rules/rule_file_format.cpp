#include "core/rules/rule_file_format.h"

#include <yaml-cpp/yaml.h>

#include "core/promconfig/duration.h"

namespace observe::rules {

namespace {

void emit_string(YAML::Emitter& out, const std::string& s) {
  // A multi-line expression ending in one newline (what `expr: |` gives) stays readable as a
  // literal block, which reads back to the same text; anything else is double-quoted
  // (escapes keep every byte, and a value that would read as a number, bool or null stays a
  // string).
  bool literal = s.size() >= 2 && s.back() == '\n' && s[s.size() - 2] != '\n' && s.front() != ' ' &&
                 s.front() != '\n' && s.find_first_of("\r\t") == std::string::npos &&
                 s.find('\n') != s.size() - 1;
  if (literal)
    out << YAML::Literal << s;
  else
    out << YAML::DoubleQuoted << s;
}

void emit_pairs(YAML::Emitter& out, const char* key, const StringPairs& pairs) {
  if (pairs.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : pairs) {
    out << YAML::Key;
    emit_string(out, k);
    out << YAML::Value;
    emit_string(out, v);
  }
  out << YAML::EndMap;
}

}  // namespace

std::string format_rule_file(const RuleFile& file) {
  YAML::Emitter out;
  out.SetIndent(2);
  out << YAML::BeginMap << YAML::Key << "groups" << YAML::Value << YAML::BeginSeq;
  for (const RuleGroup& g : file.groups) {
    out << YAML::BeginMap << YAML::Key << "name" << YAML::Value;
    emit_string(out, g.name);
    if (g.interval_ms != 0) out << YAML::Key << "interval" << YAML::Value << promconfig::format_duration(g.interval_ms);
    if (g.has_query_offset)
      out << YAML::Key << "query_offset" << YAML::Value << promconfig::format_duration(g.query_offset_ms);
    if (g.limit != 0) out << YAML::Key << "limit" << YAML::Value << g.limit;
    emit_pairs(out, "labels", g.labels);
    out << YAML::Key << "rules" << YAML::Value << YAML::BeginSeq;
    for (const Rule& r : g.rules) {
      out << YAML::BeginMap << YAML::Key << (r.is_alert() ? "alert" : "record") << YAML::Value;
      emit_string(out, r.name());
      out << YAML::Key << "expr" << YAML::Value;
      emit_string(out, r.expr);
      if (r.for_ms != 0) out << YAML::Key << "for" << YAML::Value << promconfig::format_duration(r.for_ms);
      if (r.keep_firing_for_ms != 0)
        out << YAML::Key << "keep_firing_for" << YAML::Value << promconfig::format_duration(r.keep_firing_for_ms);
      emit_pairs(out, "labels", r.labels);
      emit_pairs(out, "annotations", r.annotations);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace observe::rules
