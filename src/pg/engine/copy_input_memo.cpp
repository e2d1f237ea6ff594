#include "pg/engine/copy_input_memo.h"

#include <cstring>

#include "pg/engine/pg_engine_headers.h"

// Border: the memo is called by PostgreSQL (InputFunctionCall) and calls PostgreSQL; it holds no
// C++ object with a destructor and throws nothing, so an ereport may pass through it.

namespace observe::pg {

namespace {

// jsonb gets a direct-mapped table: a time-major export cycles through every series at each
// timestamp. Timestamps keep only the last text: a series-major export (the usual one) almost
// never repeats one, so a miss must cost next to nothing; a time-major export repeats it row
// after row.
constexpr int kTableSlots = 4096;                  // a power of two
constexpr Size kMaxTextBytes = 8192;               // longer texts are parsed every time
constexpr Size kMaxCachedBytes = 8 * 1024 * 1024;  // memory of one column's cache

struct Entry {
  char* text;  // nullptr: an empty slot
  Size length;
  Datum value;
};

struct InputMemo {
  FmgrInfo original;
  MemoryContext cache;  // holds the texts and datums of the entries, nothing else
  bool typbyval;
  int16 typlen;
  uint32 slot_mask;  // 0: the last text only
  Entry* entries;
  Entry* last;  // the entry that answered or was stored last: checked first
  uint64 calls;
  uint64 parsed;
};

bool matches(const Entry* e, const char* text, Size length) {
  return e->text != nullptr && e->length == length && memcmp(e->text, text, length) == 0;
}

void forget_all(InputMemo* m) {
  for (uint32 i = 0; i <= m->slot_mask; i++) m->entries[i].text = nullptr;
  MemoryContextReset(m->cache);
}

void forget(InputMemo* m, Entry* e) {
  if (e->text == nullptr) return;
  pfree(e->text);
  if (!m->typbyval) pfree(DatumGetPointer(e->value));
  e->text = nullptr;
}

void remember(InputMemo* m, Entry* slot, const char* text, Size length, Datum value) {
  forget(m, slot);
  // Whatever the input, the cache never holds much more than kMaxCachedBytes: past it, start over.
  if (MemoryContextMemAllocated(m->cache, false) > kMaxCachedBytes) forget_all(m);
  MemoryContext old = MemoryContextSwitchTo(m->cache);
  char* copy = static_cast<char*>(palloc(length + 1));
  memcpy(copy, text, length + 1);
  slot->value = datumCopy(value, m->typbyval, m->typlen);
  MemoryContextSwitchTo(old);
  slot->text = copy;
  slot->length = length;
  m->last = slot;
}

// The wrapper's fn_addr. Returning a cached datum (not a fresh copy) is safe because PG 15's
// CopyFrom never keeps a pointer into the row's values past the row: for buffered
// (multi-insert) rows it calls ExecMaterializeSlot, which copies them into the slot, and a
// single-row insert is done before the next row is read; the AM copies what it buffers. The
// cache (and so every datum handed out) lives until the COPY ends.
Datum memo_input(FunctionCallInfo fcinfo) {
  auto* m = static_cast<InputMemo*>(fcinfo->flinfo->fn_extra);
  // Only strict functions are wrapped: InputFunctionCall never passes a NULL text here.
  char* text = PG_GETARG_CSTRING(0);
  Size length = strlen(text);
  m->calls++;
  if (matches(m->last, text, length)) return m->last->value;
  Entry* slot = m->entries;
  if (m->slot_mask != 0) {
    uint32 hash = hash_bytes(reinterpret_cast<const unsigned char*>(text), static_cast<int>(length));
    slot = &m->entries[hash & m->slot_mask];
    if (matches(slot, text, length)) {
      m->last = slot;
      return slot->value;
    }
  }
  Datum value = InputFunctionCall(&m->original, text, PG_GETARG_OID(1), PG_GETARG_INT32(2));
  m->parsed++;
  if (length <= kMaxTextBytes) remember(m, slot, text, length, value);
  return value;
}

}  // namespace

bool copy_input_memo_applies(const FmgrInfo* fn) {
  // Deterministic for the statement: jsonb_in always; the timestamp inputs depend only on
  // DateStyle/TimeZone and the transaction start time ('now'), which a COPY cannot change.
  bool known = fn->fn_oid == F_JSONB_IN || fn->fn_oid == F_TIMESTAMPTZ_IN ||
               fn->fn_oid == F_TIMESTAMP_IN;
  return known && fn->fn_strict && fn->fn_addr != memo_input;
}

bool copy_input_memo_counts(const FmgrInfo* fn, uint64* calls, uint64* parsed) {
  if (fn->fn_addr != memo_input) return false;
  const auto* m = static_cast<const InputMemo*>(fn->fn_extra);
  *calls = m->calls;
  *parsed = m->parsed;
  return true;
}

void copy_input_memo_wrap(FmgrInfo* fn, MemoryContext context) {
  auto* m = static_cast<InputMemo*>(MemoryContextAllocZero(context, sizeof(InputMemo)));
  m->original = *fn;
  m->cache = AllocSetContextCreate(context, "observe COPY input memo", ALLOCSET_DEFAULT_SIZES);
  get_typlenbyval(get_func_rettype(fn->fn_oid), &m->typlen, &m->typbyval);
  uint32 slots = fn->fn_oid == F_JSONB_IN ? kTableSlots : 1;
  m->slot_mask = slots - 1;
  m->entries = static_cast<Entry*>(MemoryContextAllocZero(context, slots * sizeof(Entry)));
  m->last = m->entries;
  fn->fn_addr = memo_input;
  fn->fn_extra = m;
}

}  // namespace observe::pg
