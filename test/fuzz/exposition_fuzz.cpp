// libFuzzer target: any bytes, as both exposition formats and through the scrape logic.
// A ParseError is the expected answer to garbage; anything else escaping, a sanitizer report
// or a broken invariant below is a bug.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/exposition/numbers.h"
#include "core/exposition/parser.h"
#include "core/common/stale.h"
#include "core/scrape/target.h"

using namespace observe;

static void check(bool ok) {
  if (!ok) std::abort();
}

static void parse(std::string_view data, exposition::Format format) {
  exposition::ParserOptions options;
  options.skip_created_series = data.size() % 2 == 1;
  exposition::Parser p(data, format, options);
  exposition::Entry e;
  try {
    while (p.next(&e)) {
      check(e.line >= 1);
      if (e.kind != exposition::EntryKind::kSample) continue;
      check(!e.metric_name.empty());
      check(e.series.substr(0, e.metric_name.size()) == e.metric_name);
      for (const auto& l : e.labels) check(!l.name.empty() && l.name != "__name__");
      check(!observe::is_stale_nan(e.value));  // a payload cannot forge the stale marker
      // Formatting a value the OpenMetrics way and parsing it back gives the same double.
      if (std::isfinite(e.value)) {
        double back = 0;
        check(exposition::parse_go_float(exposition::format_openmetrics_float(e.value), &back) ==
              exposition::NumberStatus::kOk);
        check(back == e.value);
      }
    }
  } catch (const exposition::ParseError& err) {
    check(err.line() >= 1 && err.line() <= data.size() + 1);
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  std::string_view data(reinterpret_cast<const char*>(bytes), size);
  parse(data, exposition::Format::kPrometheusText);
  parse(data, exposition::Format::kOpenMetrics);

  scrape::TargetConfig config;
  config.labels = Labels{{"job", "fuzz"}, {"instance", "h:1"}};
  config.sample_limit = size % 7 == 0 ? 3 : 0;
  config.honor_labels = size % 3 == 0;
  if (size % 5 == 0) {
    // metric_relabel_configs and label limits on the same path (drop, rewrite, remove a label).
    relabel::Config drop;
    drop.action = relabel::Action::kDrop;
    drop.source_labels = {"__name__"};
    drop.regex = std::make_shared<const relabel::Regex>("a.*");
    relabel::Config rewrite;
    rewrite.source_labels = {"le", "quantile"};
    rewrite.target_label = "copy";
    relabel::Config remove;
    remove.action = relabel::Action::kLabelDrop;
    remove.regex = std::make_shared<const relabel::Regex>(size % 2 ? "__name__" : "x.*");
    config.metric_relabel = {drop, rewrite, remove};
    config.label_limit = 6;
    config.label_value_length_limit = 32;
  }
  scrape::TargetState state(config);
  for (int i = 0; i < 2; ++i) {
    auto r = state.scrape_succeeded(data, i == 0 ? exposition::Format::kPrometheusText
                                                 : exposition::Format::kOpenMetrics,
                                    1700000000000 + i * 15000, 0.01);
    check(r.samples.size() >= 5);  // the report series are always there
    check(r.report.up == r.error.empty());
  }
  return 0;
}
