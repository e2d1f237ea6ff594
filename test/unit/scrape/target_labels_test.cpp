#include "core/scrape/target_labels.h"

#include <gtest/gtest.h>

#include "core/exposition/parser.h"

namespace observe::scrape {
namespace {

// Labels of the first sample of a text-format payload after attaching `target`.
Labels attach(const std::string& payload, const Labels& target, bool honor, bool normalize = true) {
  exposition::Parser p(payload, exposition::Format::kPrometheusText);
  exposition::Entry e;
  while (p.next(&e))
    if (e.kind == exposition::EntryKind::kSample) {
      LabelRules rules;
      rules.honor_labels = honor;
      rules.normalize_le_quantile = normalize;
      return attach_target_labels(e, target, rules);
    }
  ADD_FAILURE() << "no sample";
  return {};
}

const Labels kTarget{{"job", "node"}, {"instance", "h:9100"}};

TEST(TargetLabels, AddedWhenNoClash) {
  EXPECT_EQ(attach("m{a=\"1\"} 1\n", kTarget, false),
            (Labels{{"__name__", "m"}, {"a", "1"}, {"instance", "h:9100"}, {"job", "node"}}));
}

TEST(TargetLabels, ClashKeepsExposedAsExported) {
  EXPECT_EQ(attach("m{job=\"app\",instance=\"x\"} 1\n", kTarget, false),
            (Labels{{"__name__", "m"}, {"exported_instance", "x"}, {"exported_job", "app"},
                    {"instance", "h:9100"}, {"job", "node"}}));
}

TEST(TargetLabels, ExportedPrefixRepeatsWhileTaken) {
  EXPECT_EQ(attach("m{job=\"a\",exported_job=\"b\"} 1\n", kTarget, false),
            (Labels{{"__name__", "m"}, {"exported_exported_job", "a"}, {"exported_job", "b"},
                    {"instance", "h:9100"}, {"job", "node"}}));
}

TEST(TargetLabels, ShorterClashesResolvedFirst) {
  // Target labels `a` and `exported_a` both clash; `a` is resolved first and takes
  // exported_a... which is a target label already, so it becomes exported_exported_a, and
  // the exposed exported_a then needs exported_exported_exported_a.
  Labels target{{"a", "T1"}, {"exported_a", "T2"}};
  EXPECT_EQ(attach("m{a=\"x\",exported_a=\"y\"} 1\n", target, false),
            (Labels{{"__name__", "m"}, {"a", "T1"}, {"exported_a", "T2"}, {"exported_exported_a", "x"},
                    {"exported_exported_exported_a", "y"}}));
}

TEST(TargetLabels, HonorLabelsLetsExposedWin) {
  EXPECT_EQ(attach("m{job=\"app\"} 1\n", kTarget, true),
            (Labels{{"__name__", "m"}, {"instance", "h:9100"}, {"job", "app"}}));
}

TEST(TargetLabels, EmptyExposedValueIsNoLabelAndNoClash) {
  EXPECT_EQ(attach("m{job=\"\",a=\"\"} 1\n", kTarget, false),
            (Labels{{"__name__", "m"}, {"instance", "h:9100"}, {"job", "node"}}));
  EXPECT_EQ(attach("m{job=\"\"} 1\n", kTarget, true),
            (Labels{{"__name__", "m"}, {"instance", "h:9100"}, {"job", "node"}}));
}

TEST(TargetLabels, LeAndQuantileNormalisedLikePrometheus3) {
  EXPECT_EQ(attach("# TYPE h histogram\nh_bucket{le=\"1\"} 1\n", {}, false).get("le"), "1.0");
  EXPECT_EQ(attach("# TYPE h histogram\nh_bucket{le=\"1000000\"} 1\n", {}, false).get("le"), "1e+06");
  EXPECT_EQ(attach("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\n", {}, false).get("le"), "+Inf");
  EXPECT_EQ(attach("# TYPE s summary\ns{quantile=\"0.50\"} 1\n", {}, false).get("quantile"), "0.5");
  EXPECT_EQ(attach("# TYPE h histogram\nh_bucket{le=\"1\"} 1\n", {}, false, false).get("le"), "1");
  EXPECT_EQ(attach("m{le=\"1\"} 1\n", {}, false).get("le"), "1");  // not a histogram
  EXPECT_EQ(attach("# TYPE h histogram\nh_bucket{le=\"x\"} 1\n", {}, false).get("le"), "x");
}

}  // namespace
}  // namespace observe::scrape
