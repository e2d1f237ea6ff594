#include "pg/srf_rows.h"

#include "pg/border.h"
#include "pg/time_convert.h"

extern "C" {
#include "funcapi.h"
#include "utils/tuplestore.h"
}

namespace observe::pg {

SrfRows::SrfRows(FunctionCallInfo fcinfo) : fcinfo_(fcinfo) {
  pg_guard([fcinfo] { InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC); });
}

static void put_row(FunctionCallInfo fcinfo, int64_t t_ms, const char* text, size_t text_len,
                    const double* value) {
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  Datum values[3];
  bool nulls[3] = {false, text == nullptr, value == nullptr};
  values[0] = TimestampTzGetDatum(ms_to_timestamptz(t_ms));
  values[1] = text != nullptr ? PointerGetDatum(cstring_to_text_with_len(text, static_cast<int>(text_len)))
                              : (Datum)0;
  values[2] = value != nullptr ? Float8GetDatum(*value) : (Datum)0;
  tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  if (text != nullptr) pfree(DatumGetPointer(values[1]));
}

void SrfRows::add(int64_t t_ms, const std::string* text, const double* value) {
  const char* data = text != nullptr ? text->data() : nullptr;
  size_t len = text != nullptr ? text->size() : 0;
  FunctionCallInfo fcinfo = fcinfo_;
  pg_guard([=] { put_row(fcinfo, t_ms, data, len, value); });
}

}  // namespace observe::pg
