#include "pg/engine/profile.h"

#include <limits>
#include <string>

#include "core/common/error.h"
#include "pg/engine/layout.h"
#include "pg/engine/time.h"

namespace observe::pg {

namespace {

bool ts_default_key(const TsAttr& a) { return ts_is_key_type(a.type); }
void ts_column_codec(const TsAttr&, chunk::Column&) {}

// observe.logs: the stream's labels are the key; the line and the structured metadata are not.
bool log_default_key(const TsAttr& a) { return a.type == JSONBOID && a.name != "metadata"; }

// Chosen by measurement on the log recording (src/core/chunk/README.md "Log chunks"): the
// log-lines codec at zstd level 9 in the plain layout (2 GB/s decode + scan, 22.8x), and on
// text columns a case-folded token filter (version 3) of at most 5.7 % of the line column's
// payload: the other bytes of a chunk (time column, header, row) make that ~4.7 % of the stored
// bytes on the recording, under the 5 % target (docs/performance.md, "Token filter v3").
void log_column_codec(const TsAttr& a, chunk::Column& c) {
  if (c.kind != chunk::ColumnKind::kBytes) return;
  c.log_level = 9;
  c.log_layout = codec::LogLayout::kPlain;
  if (a.type == TEXTOID || a.type == VARCHAROID) {
    c.token_filter = true;
    c.token_filter_fold_case = true;
    c.token_filter_budget = 0.057;
  }
}

const EngineProfile kTs = {
    "observe_ts", 1, 0, 4096, size_t{1} << 20, false, ts_default_key, ts_column_codec, true,
};

// 4 MiB of raw lines a chunk (1 MiB costs 8 % more bytes); rows bounded well under the chunk
// format's kMaxRows so a chunk of tiny lines still decodes in bounded memory.
const EngineProfile kLog = {
    "observe_log", 1000, -kTsUnixEpochOffsetUs, size_t{1} << 18, size_t{4} << 20, true,
    log_default_key, log_column_codec, false,
};

}  // namespace

const EngineProfile& ts_profile() { return kTs; }
const EngineProfile& log_profile() { return kLog; }

const EngineProfile* engine_relid_profile(Oid relid) {
  HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
  if (!HeapTupleIsValid(tuple)) return nullptr;
  Form_pg_class form = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple));
  Oid am = form->relam;
  char kind = form->relkind;
  ReleaseSysCache(tuple);
  if (kind != RELKIND_RELATION || !OidIsValid(am)) return nullptr;
  if (am == get_table_am_oid(kTs.am_name, true)) return &kTs;
  if (am == get_table_am_oid(kLog.am_name, true)) return &kLog;
  return nullptr;
}

// ±infinity (timestamptz's INT64_MIN / INT64_MAX) stay themselves in every unit; no finite time
// maps onto them (to_stored keeps finite values below INT64_MAX - 999, and INT64_MIN is not a
// multiple of 1000).
constexpr int64_t kMinusInfinity = std::numeric_limits<int64_t>::min();
constexpr int64_t kInfinity = std::numeric_limits<int64_t>::max();

int64_t engine_time_to_stored(const EngineProfile& p, int64_t us) {
  if (p.time_per_us == 1 || us == kMinusInfinity || us == kInfinity) return us;
  int64_t shifted, out;
  if (__builtin_sub_overflow(us, p.stored_epoch_us, &shifted) ||
      __builtin_mul_overflow(shifted, p.time_per_us, &out) ||
      out > std::numeric_limits<int64_t>::max() - (p.time_per_us - 1))
    throw Error(ErrorKind::kInvalidParameter,
                std::string("time out of range for ") + p.am_name +
                    " (nanoseconds since 1970 in 64 bits: 1677-09-21 to 2262-04-11)");
  return out;
}

int64_t engine_stored_to_time(const EngineProfile& p, int64_t stored) {
  if (p.time_per_us == 1 || stored == kMinusInfinity || stored == kInfinity) return stored;
  int64_t q = stored / p.time_per_us;
  if (stored % p.time_per_us < 0) q--;  // floor
  return q + p.stored_epoch_us;
}

static int64_t saturate(const EngineProfile& p, int64_t us, int64_t add) {
  constexpr int64_t kMax = kInfinity, kMin = kMinusInfinity;
  if (us == kMin || us == kMax) return us;
  int64_t shifted, out;
  if (__builtin_sub_overflow(us, p.stored_epoch_us, &shifted)) return us > 0 ? kMax : kMin;
  if (__builtin_mul_overflow(shifted, p.time_per_us, &out)) return shifted > 0 ? kMax : kMin;
  if (__builtin_add_overflow(out, add, &out)) return kMax;
  return out;
}

int64_t engine_stored_lo(const EngineProfile& p, int64_t us) {
  if (p.time_per_us == 1) return us;
  return saturate(p, us, 0);
}

int64_t engine_stored_hi(const EngineProfile& p, int64_t us) {
  if (p.time_per_us == 1) return us;
  return saturate(p, us, p.time_per_us - 1);
}

}  // namespace observe::pg
