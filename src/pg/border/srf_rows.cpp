#include "pg/border/srf_rows.h"

#include <algorithm>

#include "pg/border/border.h"
#include "pg/border/time_convert.h"

extern "C" {
#include "funcapi.h"
#include "miscadmin.h"
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

static Datum* make_texts(const std::string* texts, size_t n) {
  auto* datums = static_cast<Datum*>(palloc(sizeof(Datum) * (n > 0 ? n : 1)));
  for (size_t i = 0; i < n; i++)
    datums[i] = PointerGetDatum(cstring_to_text_with_len(texts[i].data(), static_cast<int>(texts[i].size())));
  return datums;
}

static void resize_tuplestore(FunctionCallInfo fcinfo, size_t kbytes) {
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  if (kbytes <= static_cast<size_t>(work_mem)) return;
  constexpr size_t kMaxKBytes = MaxAllocHugeSize / 1024 / 4;
  bool random_access = (rsinfo->allowedModes & SFRM_Materialize_Random) != 0;
  MemoryContext old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
  Tuplestorestate* bigger = tuplestore_begin_heap(random_access, false, static_cast<int>(std::min(kbytes, kMaxKBytes)));
  MemoryContextSwitchTo(old);
  tuplestore_end(rsinfo->setResult);
  rsinfo->setResult = bigger;
}

void SrfRows::expect(size_t rows, size_t text_bytes) {
  // A stored row: palloc chunk header, minimal tuple header and null bitmap, timestamptz,
  // text (short varlena header), float8, each aligned.
  size_t bytes = rows * (16 + 24 + 8 + 8 + 8) + text_bytes;
  FunctionCallInfo fcinfo = fcinfo_;
  pg_guard([=] { resize_tuplestore(fcinfo, bytes / 1024 + 1); });
}

void SrfRows::set_texts(const std::vector<std::string>& texts) {
  const std::string* t = texts.data();
  size_t n = texts.size();
  texts_ = pg_guard([=] { return make_texts(t, n); });
}

// tuplestore_putvalues copies the datums into its tuple: one text datum serves every row.
static void put_rows(FunctionCallInfo fcinfo, const Datum* texts, const SrfRows::Row* rows, size_t n_rows) {
  auto* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
  Datum values[3];
  bool nulls[3] = {false, false, false};
  for (size_t i = 0; i < n_rows; i++) {
    values[0] = TimestampTzGetDatum(ms_to_timestamptz(rows[i].t_ms));
    values[1] = texts[rows[i].text];
    values[2] = Float8GetDatum(rows[i].value);
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
  }
  CHECK_FOR_INTERRUPTS();
}

void SrfRows::add_rows(const std::vector<Row>& rows) {
  const Datum* t = texts_;
  const Row* r = rows.data();
  size_t n = rows.size();
  FunctionCallInfo fcinfo = fcinfo_;
  pg_guard([=] { put_rows(fcinfo, t, r, n); });
}

}  // namespace observe::pg
