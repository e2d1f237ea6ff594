#include "core/scrape/public_error.h"

#include <gtest/gtest.h>

#include "core/exposition/parser.h"
#include "core/scrape/target.h"

using observe::scrape::public_error;

namespace {
// The error a scrape of this body gives, as the scrape worker sees it.
std::string scrape_error(const std::string& body, observe::exposition::Format format) {
  observe::scrape::TargetConfig config;
  config.labels.set("job", "j");
  observe::scrape::TargetState state(config);
  return state.scrape_succeeded(body, format, 1000, 0.1).error;
}
}  // namespace

TEST(PublicError, FetchErrorsPassUnchanged) {
  for (const char* e : {"server returned HTTP status 404", "context deadline exceeded",
                        "Couldn't connect to server", "body size limit exceeded",
                        "connection to 127.0.0.2 (deny 127.0.0.2/32) refused by the outbound network policy",
                        "sample limit exceeded: 11 samples, limit 10"})
    EXPECT_EQ(public_error(e), e);
}

// Whatever a target answers, no byte of its answer reaches the stored error.
TEST(PublicError, NoResponseBodyBytes) {
  using observe::exposition::Format;
  const std::string secret = "AKIAsecretTOKEN";
  const std::string bodies[] = {
      "metric{label=\"" + secret + "\"} notanumber\n",
      "metric{label=\"" + secret + "\n",
      secret + " 1 2 3\n",
      "metric{" + secret + "\"=\"v\"} 1\n",
      "metric 1 " + secret + "\n",
      "# TYPE m " + secret + "\n",
      "m{a=\"1\",a=\"" + secret + "\"} 1\n",
      "m 1\n m2 " + secret + "\n",
  };
  int failed = 0;
  for (const auto& body : bodies) {
    for (Format f : {Format::kPrometheusText, Format::kOpenMetrics}) {
      std::string raw = scrape_error(body, f);
      if (raw.empty()) continue;
      ++failed;
      std::string shown = public_error(raw);
      EXPECT_EQ(shown.find("AKIA"), std::string::npos) << raw << " -> " << shown;
      EXPECT_EQ(shown.find("TOKEN"), std::string::npos) << raw << " -> " << shown;
      EXPECT_EQ(shown.rfind("line ", 0), 0u) << shown;  // the parser's wording stays
    }
  }
  EXPECT_GE(failed, 12);  // the bodies above really fail to parse
  // A body byte the parser names after ", got " is gone too.
  EXPECT_EQ(public_error("line 1: expected a metric name, a '#' comment or a blank line, got 'x'"),
            "line 1: expected a metric name, a '#' comment or a blank line...");
}

TEST(PublicError, BoundedAndPrintable) {
  std::string long_error(1000, 'e');
  std::string shown = public_error(long_error);
  EXPECT_EQ(shown.size(), observe::scrape::kPublicErrorMaxBytes);
  EXPECT_EQ(shown.substr(shown.size() - 3), "...");
  EXPECT_EQ(public_error("a\xff\nb"), "a??b");
}
