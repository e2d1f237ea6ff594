#include "core/promconfig/file_sd.h"

#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <glob.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/common/utf8.h"
#include "core/promconfig/yaml_reader.h"
#include "core/relabel/go_text.h"

namespace observe::promconfig {
namespace {

std::string label_name_error(const std::string& name) {
  return quote_for_message(name) + " is not a valid label name";
}

// encoding/json matches field names case-insensitively.
bool field_is(std::string_view key, std::string_view name) {
  return relabel::go_to_lower(key) == name;
}

std::vector<TargetGroup> parse_json(std::string_view content) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(content);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root)) throw ConfigError(std::string("json: ") + simdjson::error_message(err), 0);
  std::vector<TargetGroup> groups;
  if (root.is_null()) return groups;
  simdjson::dom::array list;
  if (root.get_array().get(list))
    throw ConfigError("json: cannot unmarshal " + std::string(root.is_object() ? "object" : "value") +
                          " into Go value of type []*targetgroup.Group",
                      0);
  size_t index = 0;
  for (simdjson::dom::element item : list) {
    if (item.is_null()) throw ConfigError("nil target group item found (index " + std::to_string(index) + ")", 0);
    simdjson::dom::object obj;
    if (item.get_object().get(obj))
      throw ConfigError("json: cannot unmarshal value into Go value of type targetgroup.Group", 0);
    TargetGroup g;
    for (auto field : obj) {
      std::string_view key = field.key;
      if (field_is(key, "targets")) {
        g.targets.clear();
        if (field.value.is_null()) continue;
        simdjson::dom::array targets;
        if (field.value.get_array().get(targets))
          throw ConfigError("json: cannot unmarshal value into Go struct field .targets of type []string", 0);
        for (simdjson::dom::element t : targets) {
          std::string_view s;
          if (t.is_null()) {
            g.targets.emplace_back();
            continue;
          }
          if (t.get_string().get(s))
            throw ConfigError("json: cannot unmarshal value into Go struct field .targets of type string", 0);
          g.targets.emplace_back(s);
        }
      } else if (field_is(key, "labels")) {
        g.labels.clear();
        if (field.value.is_null()) continue;
        simdjson::dom::object labels;
        if (field.value.get_object().get(labels))
          throw ConfigError("json: cannot unmarshal value into Go struct field .labels of type model.LabelSet", 0);
        for (auto l : labels) {
          std::string name(l.key);
          if (!relabel::is_valid_label_name(name)) throw ConfigError(label_name_error(name), 0);
          std::string_view v;
          if (l.value.is_null()) {
            g.labels[name] = "";
            continue;
          }
          if (l.value.get_string().get(v))
            throw ConfigError("json: cannot unmarshal value into Go value of type model.LabelValue", 0);
          g.labels[name] = std::string(v);
        }
      } else {
        throw ConfigError("json: unknown field " + quote_for_message(key), 0);
      }
    }
    groups.push_back(std::move(g));
    ++index;
  }
  return groups;
}

std::vector<TargetGroup> parse_yaml(std::string_view content) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(content));
  } catch (const YAML::Exception& e) {
    throw ConfigError("yaml: " + e.msg, e.mark.line >= 0 ? e.mark.line + 1 : 0);
  }
  std::vector<TargetGroup> groups;
  yaml::DecodeBudget budget(content.size());
  if (yaml::is_null(root)) return groups;
  if (!root.IsSequence())
    throw ConfigError("cannot unmarshal " + yaml::kind_name(root) + " into []*targetgroup.Group", yaml::line_of(root));
  size_t index = 0;
  for (const auto& item : root) {
    if (yaml::is_null(item)) throw ConfigError("nil target group item found (index " + std::to_string(index) + ")", yaml::line_of(item));
    TargetGroup g;
    yaml::visit_map(item, {"targetgroup.Group", [&](const std::string& key, const YAML::Node& v, int line) {
                             if (key == "targets") {
                               g.targets = yaml::as_string_list(v);
                             } else if (key == "labels") {
                               g.labels.clear();
                               yaml::visit_map(v, {"model.LabelSet", [](const std::string&, const YAML::Node&, int) { return true; }});
                               if (!yaml::is_null(v))
                                 for (const auto& kv : v) {
                                   std::string name = yaml::as_string(kv.first);
                                   if (!relabel::is_valid_label_name(name))
                                     throw ConfigError(label_name_error(name), yaml::line_of(kv.first, line));
                                   g.labels[name] = yaml::as_string(kv.second);
                                 }
                             } else {
                               return false;
                             }
                             return true;
                           }});
    groups.push_back(std::move(g));
    ++index;
  }
  return groups;
}

}  // namespace

SdFormat sd_format_of(const std::string& filename) {
  size_t slash = filename.rfind('/');
  size_t dot = filename.rfind('.');
  std::string ext = (dot == std::string::npos || (slash != std::string::npos && dot < slash)) ? "" : filename.substr(dot);
  std::string lower = relabel::go_to_lower(ext);
  if (lower == ".json") return SdFormat::kJson;
  if (lower == ".yml" || lower == ".yaml") return SdFormat::kYaml;
  throw ConfigError("invalid file extension: " + quote_for_message(ext), 0);
}

std::vector<TargetGroup> parse_sd_file(std::string_view content, SdFormat format, const std::string& source_name) {
  std::vector<TargetGroup> groups;
  try {
    groups = format == SdFormat::kJson ? parse_json(content) : parse_yaml(content);
  } catch (const YAML::Exception& e) {
    throw ConfigError("yaml: " + e.msg, e.mark.line >= 0 ? e.mark.line + 1 : 0);
  }
  for (size_t i = 0; i < groups.size(); ++i) groups[i].source = source_name + ":" + std::to_string(i);
  return groups;
}

std::vector<std::string> glob_sd_files(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  // GLOB_NOESCAPE: a backslash is a path character in Go's patterns on Unix only when not
  // escaping; patterns with backslashes are rare enough to take libc's reading.
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0)
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  globfree(&g);
  std::sort(out.begin(), out.end());
  return out;
}

std::string read_file_content(const std::string& filename) {
  std::ifstream in(filename, std::ios::binary);
  if (!in) throw ConfigError("open " + filename + ": no such file or directory", 0);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::vector<TargetGroup> read_sd_file(const std::string& filename) {
  SdFormat format = sd_format_of(filename);
  auto groups = parse_sd_file(read_file_content(filename), format, filename);
  for (auto& g : groups) g.labels["__meta_filepath"] = filename;
  return groups;
}

}  // namespace observe::promconfig
