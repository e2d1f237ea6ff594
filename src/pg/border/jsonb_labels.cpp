#include "pg/border/jsonb_labels.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "core/common/utf8.h"
#include "pg/border/border.h"

extern "C" {
#include "lib/stringinfo.h"
#include "utils/json.h"
#include "utils/jsonb.h"
}

namespace observe::pg {

// Plain C-like: only PostgreSQL calls, no C++ object alive in this frame. The object is
// pushed pair by pair and converted, as jsonb_in does after parsing (the same sorting and
// de-duplication of keys, so the same bytes), without printing and parsing JSON text.
static Datum build_jsonb(const char* const* names, const uint32* name_lens, const char* const* values,
                         const uint32* value_lens, int count) {
  JsonbParseState* state = nullptr;
  JsonbValue v;
  pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
  for (int i = 0; i < count; i++) {
    v.type = jbvString;
    v.val.string.val = const_cast<char*>(names[i]);
    v.val.string.len = static_cast<int>(name_lens[i]);
    pushJsonbValue(&state, WJB_KEY, &v);
    v.type = jbvString;
    v.val.string.val = const_cast<char*>(values[i]);
    v.val.string.len = static_cast<int>(value_lens[i]);
    pushJsonbValue(&state, WJB_VALUE, &v);
  }
  JsonbValue* object = pushJsonbValue(&state, WJB_END_OBJECT, nullptr);
  return JsonbPGetDatum(JsonbValueToJsonb(object));
}

namespace {

struct Pair {
  const std::string* name;
  const std::string* value;
};

// jsonb's order of an object's keys (lengthCompareJsonbStringValue): shorter first, then bytes.
bool jsonb_key_less(const Pair& a, const Pair& b) {
  if (a.name->size() != b.name->size()) return a.name->size() < b.name->size();
  return std::memcmp(a.name->data(), b.name->data(), a.name->size()) < 0;
}

// A JEntry: the length of a string, or every JB_OFFSET_STRIDE'th entry the end offset of its
// data (as convertJsonbObject writes them).
uint32 jentry(size_t index, uint32 len, uint32 end) {
  return index % JB_OFFSET_STRIDE == 0 ? (end | JENTRY_HAS_OFF) : (JENTRY_ISSTRING | len);
}

}  // namespace

// The bytes pushJsonbValue + JsonbValueToJsonb (and so jsonb_in) give for a flat object of
// strings with distinct keys, written directly: the varlena header, the object's header
// (count | JB_FOBJECT), the keys' JEntries then the values', the keys' bytes then the values'
// (keys in jsonb's order). No PostgreSQL call but one allocation.
static Datum encode_jsonb(std::vector<Pair>& pairs) {
  std::sort(pairs.begin(), pairs.end(), jsonb_key_less);
  const size_t n = pairs.size();
  size_t data = 0;
  for (const Pair& p : pairs) data += p.name->size() + p.value->size();
  // convertJsonbObject's limit on an object's data (and on its whole size)
  if (data + 4 + 8 * n > JENTRY_OFFLENMASK)
    throw Error(ErrorKind::kLimitExceeded, "label set too large for a jsonb object");
  const size_t size = VARHDRSZ + 4 + 8 * n + data;
  char* out = static_cast<char*>(pg_guard([size] { return palloc(size); }));
  SET_VARSIZE(out, size);
  uint32 header = static_cast<uint32>(n) | JB_FOBJECT;
  std::memcpy(out + VARHDRSZ, &header, 4);
  char* entries = out + VARHDRSZ + 4;
  char* bytes = entries + 8 * n;
  uint32 end = 0;
  for (size_t i = 0; i < 2 * n; i++) {
    const std::string& s = i < n ? *pairs[i].name : *pairs[i - n].value;
    end += static_cast<uint32>(s.size());
    uint32 e = jentry(i, static_cast<uint32>(s.size()), end);
    std::memcpy(entries + 4 * i, &e, 4);
    std::memcpy(bytes, s.data(), s.size());
    bytes += s.size();
  }
  return PointerGetDatum(out);
}

Datum labels_to_jsonb(const Labels& labels, bool include_name) {
  std::vector<Pair> pairs;
  pairs.reserve(labels.items().size());
  bool distinct = true;
  for (const auto& l : labels.items()) {
    if (!include_name && l.name == kMetricNameLabel) continue;
    // PromQL escapes ("\xff", "\x00") can make any bytes; jsonb holds valid text only.
    for (const std::string* s : {&l.name, &l.value}) {
      if (!valid_utf8(*s) || s->find('\0') != std::string::npos)
        throw Error(ErrorKind::kDataException, "label " + quote_for_message(l.name, 64) + " with value " +
                                                   quote_for_message(l.value, 64) + " is not valid UTF-8 text");
    }
    // jsonb_in's limit on a string (checkStringLen)
    if (l.name.size() > JENTRY_OFFLENMASK || l.value.size() > JENTRY_OFFLENMASK)
      throw Error(ErrorKind::kLimitExceeded, "label " + quote_for_message(l.name, 64) +
                                                  " is too long for a jsonb string");
    if (!pairs.empty() && *pairs.back().name >= l.name) distinct = false;  // not sorted, or a name twice
    pairs.push_back(Pair{&l.name, &l.value});
  }
  if (distinct) return encode_jsonb(pairs);
  // Not reached with a Labels (sorted, names distinct): what jsonb_in does with a repeated key.
  std::vector<const char*> names, values;
  std::vector<uint32> name_lens, value_lens;
  for (const Pair& p : pairs) {
    names.push_back(p.name->c_str());
    values.push_back(p.value->c_str());
    name_lens.push_back(static_cast<uint32>(p.name->size()));
    value_lens.push_back(static_cast<uint32>(p.value->size()));
  }
  const char* const* n = names.data();
  const char* const* v = values.data();
  const uint32* nl = name_lens.data();
  const uint32* vl = value_lens.data();
  int count = static_cast<int>(names.size());
  return pg_guard([n, nl, v, vl, count] { return build_jsonb(n, nl, v, vl, count); });
}

// Plain C-like: flattens a jsonb object into palloc'd arrays. Returns -1 when it is not an
// object of strings.
static int flatten_jsonb_object(Jsonb* jb, char*** names_out, char*** values_out) {
  if (!JB_ROOT_IS_OBJECT(jb)) return -1;
  int capacity = JB_ROOT_COUNT(jb);
  char** names = static_cast<char**>(palloc(sizeof(char*) * (capacity + 1)));
  char** values = static_cast<char**>(palloc(sizeof(char*) * (capacity + 1)));
  int count = 0;
  JsonbIterator* it = JsonbIteratorInit(&jb->root);
  JsonbValue v;
  JsonbIteratorToken token;
  char* pending_key = nullptr;
  while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
    if (token == WJB_KEY) {
      pending_key = pnstrdup(v.val.string.val, v.val.string.len);
    } else if (token == WJB_VALUE) {
      if (v.type != jbvString || count >= capacity) return -1;
      names[count] = pending_key;
      values[count] = pnstrdup(v.val.string.val, v.val.string.len);
      count++;
    }
  }
  *names_out = names;
  *values_out = values;
  return count;
}

Labels jsonb_to_labels(Datum jsonb, bool keep_empty_values) {
  char** names = nullptr;
  char** values = nullptr;
  int count = pg_guard([&] { return flatten_jsonb_object(DatumGetJsonbP(jsonb), &names, &values); });
  if (count < 0)
    throw Error(ErrorKind::kInvalidParameter, "labels must be a jsonb object of string values");
  std::vector<Label> labels;
  for (int i = 0; i < count; i++) labels.push_back({names[i], values[i]});
  return keep_empty_values ? Labels::with_empty_values(std::move(labels)) : Labels(std::move(labels));
}

}  // namespace observe::pg
