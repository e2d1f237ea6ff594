// yaml.v2's decoding rules (what Prometheus's strict YAML does) over yaml-cpp nodes: YAML 1.1
// scalar resolution (plain `yes`/`on` are booleans, a quoted "true" is a string), null as
// the zero value, !!binary, and strict mappings (an unknown or repeated key is an error).
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace observe::promconfig::yaml {

// Aliases make a small document name a huge tree (each `*a` is the whole anchored node again),
// which yaml.v2 refuses as "document contains excessive aliasing". yaml-cpp does not tell an
// alias from its anchor, so the readers count every node they decode against a budget set
// from the document's size; past it the same error is thrown.
class DecodeBudget {
 public:
  explicit DecodeBudget(size_t document_bytes);
  ~DecodeBudget();
  DecodeBudget(const DecodeBudget&) = delete;
  DecodeBudget& operator=(const DecodeBudget&) = delete;
};
// Counts one decoded node against the current budget (none: unlimited).
void count_decode(const YAML::Node& n);

// 1-based line of the node, or `fallback` when yaml-cpp has none (a synthesized node).
int line_of(const YAML::Node& n, int fallback = 0);

bool is_null(const YAML::Node& n);

// Any non-null scalar as text (yaml.v2 sets a string field from any scalar); !!binary decoded.
// Throws ConfigError "cannot unmarshal !!seq into string" for collections.
std::string as_string(const YAML::Node& n);
bool as_bool(const YAML::Node& n);
uint64_t as_uint(const YAML::Node& n);
// A Go int (64-bit): !!int in range, or a !!float truncated toward zero as yaml.v2 converts it.
int64_t as_int(const YAML::Node& n);
// A sequence of strings (null -> empty).
std::vector<std::string> as_string_list(const YAML::Node& n);

// Visits the pairs of a mapping in order, refusing a key seen twice ("field K already set in
// type T"). `visit` returns false for a key it does not know, which is then an error
// ("field K not found in type T") unless `known_elsewhere` says Prometheus knows it, in which
// case `not_imported(key, line)` is called. A null node is an empty mapping.
struct MapVisitor {
  std::string type_name;  // as yaml.v2 names Prometheus's Go type, e.g. "config.ScrapeConfig"
  std::function<bool(const std::string& key, const YAML::Node& value, int line)> visit;
  std::function<bool(const std::string& key)> known_elsewhere = [](const std::string&) { return false; };
  std::function<void(const std::string& key, int line)> not_imported = [](const std::string&, int) {};
};
void visit_map(const YAML::Node& n, const MapVisitor& v);

// yaml.v2's "cannot unmarshal !!str `x` into T" for a node of the wrong kind.
[[noreturn]] void type_error(const YAML::Node& n, const std::string& go_type);

// The scalar's YAML 1.1 type as yaml.v2 would print it: !!str, !!int, !!bool, !!null,
// !!float, !!seq, !!map.
std::string kind_name(const YAML::Node& n);

}  // namespace observe::promconfig::yaml
