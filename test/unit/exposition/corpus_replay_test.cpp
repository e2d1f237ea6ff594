// Replays the fuzzer's seed corpus (test/fuzz/corpus/exposition) through both grammars in the
// normal build: every seed either parses or raises ParseError, nothing else.
#include <gtest/gtest.h>

#include <dirent.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/exposition/parser.h"

namespace observe::exposition {
namespace {

std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  if (DIR* d = opendir(OBSERVE_FUZZ_CORPUS)) {
    while (dirent* ent = readdir(d))
      if (ent->d_name[0] != '.') out.push_back(std::string(OBSERVE_FUZZ_CORPUS) + "/" + ent->d_name);
    closedir(d);
  }
  return out;
}

TEST(FuzzCorpus, EverySeedParsesOrFailsCleanly) {
  auto files = corpus_files();
  ASSERT_GE(files.size(), 20u) << "seed corpus missing at " << OBSERVE_FUZZ_CORPUS;
  size_t parsed = 0, refused = 0;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string data = ss.str();
    for (Format f : {Format::kPrometheusText, Format::kOpenMetrics}) {
      Parser p(data, f);
      Entry e;
      try {
        while (p.next(&e)) {
        }
        ++parsed;
      } catch (const ParseError& err) {
        EXPECT_EQ(std::string(err.what()).rfind("line ", 0), 0u) << path;
        ++refused;
      }
    }
  }
  // The corpus holds both valid payloads and near-misses of each grammar.
  EXPECT_GT(parsed, 10u);
  EXPECT_GT(refused, 10u);
}

}  // namespace
}  // namespace observe::exposition
