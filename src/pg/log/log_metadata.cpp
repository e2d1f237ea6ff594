#include <cstring>

#include "core/common/error.h"
#include "pg/border/border.h"
#include "pg/border/jsonb_labels.h"
#include "pg/log/log_store_impl.h"

namespace observe::pg {

bool log_metadata_labels(std::string_view jsonb_image, Labels* out) {
  // The stored image back into a datum (a varlena), then its string pairs.
  Datum d = pg_guard([jsonb_image] {
    auto* v = static_cast<char*>(palloc(VARHDRSZ + jsonb_image.size()));
    SET_VARSIZE(v, VARHDRSZ + jsonb_image.size());
    memcpy(VARDATA(v), jsonb_image.data(), jsonb_image.size());
    return PointerGetDatum(v);
  });
  bool ok = true;
  try {
    *out = jsonb_to_labels(d, true);  // {name=""} is metadata too
  } catch (const Error&) {
    ok = false;
  }
  pg_guard([d] { pfree(DatumGetPointer(d)); });
  return ok;
}

}  // namespace observe::pg
