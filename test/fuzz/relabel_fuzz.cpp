// Fuzzes relabeling: the input's lines are a regex, a replacement, a target label and label
// values; every action runs over them. Invariants: a bad regex is an observe::Error, never a
// crash; validate() never throws; process() keeps the set sorted with no duplicate names.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/common/error.h"
#include "core/relabel/relabel.h"

using namespace observe;
using namespace observe::relabel;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= in.size() && lines.size() < 12) {
    size_t nl = in.find('\n', start);
    if (nl == std::string::npos) nl = in.size();
    lines.push_back(in.substr(start, nl - start));
    start = nl + 1;
  }
  while (lines.size() < 4) lines.emplace_back();
  std::shared_ptr<const Regex> re;
  try {
    re = std::make_shared<const Regex>(lines[0]);
  } catch (const Error&) {
    return 0;
  }
  std::vector<Label> pairs = {{"__address__", lines[3]}, {"a", lines[1]}, {"b", lines[2]}};
  for (size_t i = 4; i + 1 < lines.size(); i += 2) pairs.push_back({lines[i], lines[i + 1]});
  Labels input(pairs);
  for (int a = static_cast<int>(Action::kReplace); a <= static_cast<int>(Action::kUppercase); ++a) {
    Config c;
    c.action = static_cast<Action>(a);
    c.regex = re;
    c.regex_given = true;
    c.source_labels = {"a", "b", "missing"};
    c.replacement = lines[1];
    c.target_label = lines[2];
    c.modulus = 7;
    (void)validate(c);
    if (c.target_label.empty()) c.target_label = "t";
    auto out = process(input, {c});
    if (!out) continue;
    const auto& items = out->items();
    for (size_t i = 1; i < items.size(); ++i)
      if (!(items[i - 1].name < items[i].name)) abort();
  }
  return 0;
}
