#include "pg/rules/spi_text.h"

#include "pg/border/border.h"

extern "C" {
#include "executor/spi.h"
#include "utils/builtins.h"
}

namespace observe::pg {

void spi_execute_text(const char* sql, const std::vector<const char*>& params, int expect) {
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
    int rc = SPI_execute_with_args(sql, n, types, values, nulls, false, 0);
    if (rc != expect) elog(ERROR, "rules statement failed: %s", SPI_result_code_string(rc));
  });
}

}  // namespace observe::pg
