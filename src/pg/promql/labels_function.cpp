// observe.labels(metric text) -> jsonb: a series string such as up{job="api"} as a jsonb
// object {"__name__": "up", "job": "api"}, for psql users (Grafana wants the text form).
#include "core/common/labels.h"
#include "core/promql/parser.h"
#include "pg/border/border.h"
#include "pg/border/jsonb_labels.h"

OBSERVE_FUNCTION(observe_labels) {
  char* series = text_to_cstring(PG_GETARG_TEXT_PP(0));
  observe::pg::set_error_query(series);
  observe::Labels labels = observe::promql::parse_series(series);
  return observe::pg::labels_to_jsonb(labels, true);
}
