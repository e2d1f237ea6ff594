// observe.ingest_prometheus_text(payload, labels, at): the scrape worker's parser and write
// path from SQL, for pushgateway-style pushes and for tests.
#include <string_view>

#include "core/exposition/parser.h"
#include "core/scrape/target_labels.h"
#include "pg/border/border.h"
#include "pg/border/jsonb_labels.h"
#include "pg/workers/metrics_writer.h"
#include "pg/border/time_convert.h"

namespace {

// OpenMetrics payloads end with "# EOF"; everything else is the text format 0.0.4.
observe::exposition::Format detect_format(std::string_view payload) {
  while (!payload.empty() && (payload.back() == '\n' || payload.back() == ' ')) payload.remove_suffix(1);
  return payload.size() >= 5 && payload.substr(payload.size() - 5) == "# EOF"
             ? observe::exposition::Format::kOpenMetrics
             : observe::exposition::Format::kPrometheusText;
}

}  // namespace

// observe.ingest_prometheus_text(payload text, labels jsonb, at timestamptz) RETURNS bigint
OBSERVE_FUNCTION(observe_ingest_prometheus_text) {
  text* payload_text = PG_GETARG_TEXT_PP(0);
  std::string_view payload(VARDATA_ANY(payload_text), VARSIZE_ANY_EXHDR(payload_text));
  observe::Labels extra = observe::pg::jsonb_to_labels(PG_GETARG_DATUM(1));
  int64_t at_ms = observe::pg::timestamptz_to_ms(PG_GETARG_TIMESTAMPTZ(2));

  // Pushed payloads carry their own job/instance: their labels win over the defaults given
  // here, as Prometheus scrapes a pushgateway with honor_labels.
  observe::scrape::LabelRules rules;
  rules.honor_labels = true;
  observe::pg::MetricsWriter writer;
  observe::exposition::for_each_sample(payload, detect_format(payload),
                                       [&](const observe::exposition::Entry& e) {
    // A huge payload (or many default labels) takes long: let statement_timeout and cancel in.
    if (observe::pg::interrupt_pending()) throw observe::Error(observe::ErrorKind::kCanceled, "canceled");
    observe::Labels series = observe::scrape::attach_target_labels(e, extra, rules);
    writer.append(series, e.has_timestamp ? e.timestamp_ms : at_ms, e.value);
  });
  PG_RETURN_INT64(static_cast<int64>(writer.written()));
}
