// Substring predicates on a text value column that has a token filter per chunk (observe_log's
// line): the planner side turns them into TsContainsTest lists, the scan skips chunks whose
// filter rules a needle out (every row is still rechecked by the qual: skipping only).
//
//   line LIKE 'a%b_c'      every literal run ('a', 'b', 'c') is contained
//   line ILIKE '%abc%'     the same, ignoring case (ASCII needles only: ILIKE folds non-ASCII
//                          letters by locale, the filter folds ASCII only)
//   line ~ 'abc'           a pattern without regex metacharacters is a literal; ~* ignores case
//   position('abc' in line) > 0, strpos(line, 'abc') > 0 (also >= 1, <> 0)
#include <string>
#include <vector>

#include "pg/border/border.h"
#include "pg/engine/line_pushdown.h"
#include "pg/engine/pg_engine_headers.h"
#include "catalog/pg_collation_d.h"
extern "C" {
#include "mb/pg_wchar.h"
}

namespace observe::pg {

namespace {

Node* strip(Node* n) {
  while (n != nullptr && IsA(n, RelabelType)) n = reinterpret_cast<Node*>(reinterpret_cast<RelabelType*>(n)->arg);
  return n;
}

// The token-filtered column that `n` references, or -1.
int filtered_column(Node* n, Index rti, const TsRelShape& shape) {
  int att = ts_column_of(n, rti);
  if (att < 0 || att >= shape.natts || shape.token_filter == nullptr || !shape.token_filter[att]) return -1;
  return shape.column[att];
}

// A non-null text constant, or nullptr.
const char* text_const(Node* n, int* len) {
  n = strip(n);
  if (n == nullptr || !IsA(n, Const)) return nullptr;
  Const* c = reinterpret_cast<Const*>(n);
  if (c->constisnull || (c->consttype != TEXTOID && c->consttype != VARCHAROID)) return nullptr;
  Datum d = c->constvalue;
  text* t = pg_guard([d] { return DatumGetTextPP(d); });
  *len = VARSIZE_ANY_EXHDR(t);
  return VARDATA_ANY(t);
}

bool ascii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// The literal runs of a LIKE pattern (default escape `\`).
std::vector<std::string> like_runs(const char* p, int len) {
  std::vector<std::string> runs(1);
  for (int i = 0; i < len; i++) {
    char c = p[i];
    if (c == '\\' && i + 1 < len) {
      runs.back().push_back(p[++i]);
    } else if (c == '%' || c == '_') {
      if (!runs.back().empty()) runs.emplace_back();
    } else {
      runs.back().push_back(c);
    }
  }
  if (runs.back().empty()) runs.pop_back();
  return runs;
}

bool regex_literal(const char* p, int len, std::string* out) {
  static const char kMeta[] = ".^$*+?()[]{}|\\";
  for (int i = 0; i < len; i++)
    for (const char* m = kMeta; *m != '\0'; m++)
      if (p[i] == *m) return false;
  out->assign(p, len);
  return true;
}

// Whether a LIKE pattern is '%lit%' (one or more % on each side, no wildcard inside): then
// the one literal run is the whole predicate.
bool like_is_contains(const char* p, int len) {
  int b = 0, e = len;
  while (b < e && p[b] == '%') b++;
  if (b == 0) return false;
  // Trailing %s, not escaped: count the backslashes before the last kept byte.
  int t = e;
  while (t > b && p[t - 1] == '%') t--;
  if (t == e) return false;
  int inner_end = t;
  for (int i = b; i < inner_end; i++) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 >= len) return false;
      i++;
      if (i >= inner_end) return false;  // the backslash escapes a trailing %: not a wildcard
    } else if (c == '%' || c == '_') {
      return false;
    }
  }
  return true;
}

// Whether byte containment of valid strings is character containment in this database:
// UTF-8 (no character's bytes are a suffix + prefix of others') or a single-byte encoding.
bool bytes_are_characters() {
  return pg_guard([] { return GetDatabaseEncoding() == PG_UTF8 || pg_database_encoding_max_length() == 1; });
}

bool deterministic(Oid coll) {
  if (coll == InvalidOid || coll == DEFAULT_COLLATION_OID || coll == C_COLLATION_OID || coll == POSIX_COLLATION_OID)
    return true;
  return pg_guard([coll] { return get_collation_isdeterministic(coll); });
}

void add_test(List** tests, int column, bool ci, const std::vector<std::string>& needles, bool exact = false) {
  // One test per needle (all of them must be contained).
  for (const std::string& n : needles) {
    if (n.size() < 3) continue;  // no trigram: the filter cannot tell
    if (ci && !ascii(n)) continue;
    const char* p = n.data();
    int len = static_cast<int>(n.size());
    pg_guard([&] {
      List* t = list_make2(makeConst(INT4OID, -1, InvalidOid, 4, Int32GetDatum(column), false, true),
                           makeConst(BOOLOID, -1, InvalidOid, 1, BoolGetDatum(ci), false, true));
      t = lappend(t, makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1,
                               PointerGetDatum(cstring_to_text_with_len(p, len)), false, false));
      t = lappend(t, makeConst(BOOLOID, -1, InvalidOid, 1, BoolGetDatum(exact), false, true));
      *tests = lappend(*tests, t);
    });
  }
}

}  // namespace

namespace {
bool contains_filter(Expr* clause, Index rti, const TsRelShape& shape, List** tests, bool* exact);
}  // namespace

// Runs in the planner: C++ objects live here, so the body goes through invoke_cpp and every
// PostgreSQL call through pg_guard.
bool ts_contains_filter(Expr* clause, Index rti, const TsRelShape& shape, List** tests, bool* exact) {
  *exact = false;
  return invoke_cpp([&] { return contains_filter(clause, rti, shape, tests, exact); });
}

namespace {
bool contains_filter(Expr* clause, Index rti, const TsRelShape& shape, List** tests, bool* exact) {
  if (!IsA(clause, OpExpr)) return false;
  OpExpr* op = reinterpret_cast<OpExpr*>(clause);
  if (list_length(op->args) != 2) return false;
  Node* l = static_cast<Node*>(linitial(op->args));
  Node* r = static_cast<Node*>(lsecond(op->args));
  Oid opno = op->opno;
  Oid fn = pg_guard([opno] { return get_opcode(opno); });
  int len = 0;
  if (fn == F_TEXTLIKE || fn == F_TEXTICLIKE || fn == F_TEXTREGEXEQ || fn == F_TEXTICREGEXEQ) {
    int column = filtered_column(l, rti, shape);
    const char* p = text_const(r, &len);
    if (column < 0 || p == nullptr) return false;
    bool ci = fn == F_TEXTICLIKE || fn == F_TEXTICREGEXEQ;
    std::vector<std::string> needles;
    bool whole = false;  // the needle is the whole predicate
    if (fn == F_TEXTLIKE || fn == F_TEXTICLIKE) {
      needles = like_runs(p, len);
      whole = !ci && like_is_contains(p, len) && needles.size() == 1;
    } else {
      std::string lit;
      if (!regex_literal(p, len, &lit)) return false;
      needles.push_back(lit);
      whole = !ci;
    }
    whole = whole && needles[0].size() >= 3 && deterministic(op->inputcollid) && bytes_are_characters();
    List* before = *tests;
    int n_before = list_length(before);
    add_test(tests, column, ci, needles, whole);
    *exact = whole && list_length(*tests) == n_before + 1;
    return list_length(*tests) > n_before;
  }
  // position(needle in line) > 0, >= 1, <> 0
  if (fn != F_INT4GT && fn != F_INT4GE && fn != F_INT4NE) return false;
  Node* call = strip(l);
  Node* bound = strip(r);
  if (call == nullptr || !IsA(call, FuncExpr) || bound == nullptr || !IsA(bound, Const)) return false;
  Const* b = reinterpret_cast<Const*>(bound);
  if (b->constisnull || b->consttype != INT4OID) return false;
  int32 v = DatumGetInt32(b->constvalue);
  if (!((fn == F_INT4GT && v >= 0) || (fn == F_INT4GE && v >= 1) || (fn == F_INT4NE && v == 0))) return false;
  FuncExpr* f = reinterpret_cast<FuncExpr*>(call);
  if ((f->funcid != F_POSITION_TEXT_TEXT && f->funcid != F_STRPOS) || list_length(f->args) != 2) return false;
  int column = filtered_column(static_cast<Node*>(linitial(f->args)), rti, shape);
  const char* p = text_const(static_cast<Node*>(lsecond(f->args)), &len);
  if (column < 0 || p == nullptr) return false;
  int n_before = list_length(*tests);
  bool whole = len >= 3 && deterministic(f->inputcollid) && bytes_are_characters();
  add_test(tests, column, false, {std::string(p, len)}, whole);
  *exact = whole && list_length(*tests) == n_before + 1;
  return list_length(*tests) > n_before;
}
}  // namespace

std::vector<TsContainsTest> ts_contains_tests(List* tests) {
  std::vector<TsContainsTest> out;
  ListCell* lc;
  foreach (lc, tests) {
    List* t = static_cast<List*>(lfirst(lc));
    TsContainsTest test;
    test.column = DatumGetInt32(static_cast<Const*>(linitial(t))->constvalue);
    test.case_insensitive = DatumGetBool(static_cast<Const*>(lsecond(t))->constvalue);
    Datum d = static_cast<Const*>(lthird(t))->constvalue;
    text* n = pg_guard([d] { return DatumGetTextPP(d); });
    test.any_of.emplace_back(VARDATA_ANY(n), VARSIZE_ANY_EXHDR(n));
    test.exact = list_length(t) > 3 && DatumGetBool(static_cast<Const*>(lfourth(t))->constvalue);
    out.push_back(std::move(test));
  }
  return out;
}

}  // namespace observe::pg
