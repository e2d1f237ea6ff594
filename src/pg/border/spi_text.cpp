#include "pg/border/spi_text.h"

#include <unordered_map>

#include "pg/border/border.h"
#include "pg/border/jsonb_labels.h"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
}

namespace observe::pg {

void spi_execute_text(const char* sql, const std::vector<const char*>& params, int expect, bool read_only) {
  pg_guard([&] {
    int n = static_cast<int>(params.size());
    Oid* types = static_cast<Oid*>(palloc(sizeof(Oid) * (n + 1)));
    Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    char* nulls = static_cast<char*>(palloc(n + 1));
    for (int i = 0; i < n; i++) {
      types[i] = TEXTOID;
      values[i] = params[i] ? CStringGetTextDatum(params[i]) : (Datum)0;
      nulls[i] = params[i] ? ' ' : 'n';
    }
    int rc = SPI_execute_with_args(sql, n, types, values, nulls, read_only, 0);
    if (rc != expect) elog(ERROR, "SPI statement failed: %s", SPI_result_code_string(rc));
  });
}

void spi_execute_text_prepared(const char* sql, const std::vector<const char*>& params, int expect) {
  static std::unordered_map<const char*, SPIPlanPtr> plans;
  int n = static_cast<int>(params.size());
  SPIPlanPtr plan = nullptr;
  auto it = plans.find(sql);
  if (it != plans.end()) plan = it->second;
  if (plan == nullptr) {
    plan = pg_guard([&] {
      Oid* types = static_cast<Oid*>(palloc(sizeof(Oid) * (n + 1)));
      for (int i = 0; i < n; i++) types[i] = TEXTOID;
      SPIPlanPtr p = SPI_prepare(sql, n, types);
      if (p == nullptr) elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
      if (SPI_keepplan(p) != 0) elog(ERROR, "SPI_keepplan failed");
      return p;
    });
    plans[sql] = plan;
  }
  pg_guard([&] {
    Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
    char* nulls = static_cast<char*>(palloc(n + 1));
    for (int i = 0; i < n; i++) {
      values[i] = params[i] ? CStringGetTextDatum(params[i]) : (Datum)0;
      nulls[i] = params[i] ? ' ' : 'n';
    }
    int rc = SPI_execute_plan(plan, values, nulls, false, 0);
    if (rc != expect) elog(ERROR, "SPI statement failed: %s", SPI_result_code_string(rc));
  });
}

size_t spi_rows() { return SPI_tuptable != nullptr ? static_cast<size_t>(SPI_processed) : 0; }

std::optional<std::string> spi_text(size_t row, int col) {
  char* v = pg_guard([&] { return SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col + 1); });
  if (v == nullptr) return std::nullopt;
  std::optional<std::string> out(v);  // SPI's memory: freed with the statement's context
  return out;
}

Labels spi_labels(size_t row, int col) {
  bool isnull = true;
  Datum d = pg_guard([&] { return SPI_getbinval(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col + 1, &isnull); });
  return isnull ? Labels() : jsonb_to_labels(d);
}

}  // namespace observe::pg
