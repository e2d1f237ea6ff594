#include "core/logql/hyperscan_filter.h"

#include <hs/hs.h>

#include <cstring>

#include "core/common/utf8.h"

namespace observe::logql {

namespace {

int on_match(unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
  *static_cast<bool*>(ctx) = true;
  return 1;  // one match decides the line
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

}  // namespace

bool hyperscan_agrees(std::string_view p) {
  static const char kEscapes[] = "dDwWbB.\\/-\"'[](){}*+?|^$nrtf:=#&~,<>!@%_ ";
  bool caseless = false;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); i++) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return false;
      char e = p[++i];
      if (e == '\0' || std::strchr(kEscapes, e) == nullptr) return false;
      if (in_class && (e == 'b' || e == 'B')) return false;  // \b in a class is a backspace in PCRE only
      continue;
    }
    if (in_class) {
      if (c == '[' && i + 1 < p.size() && p[i + 1] == ':') return false;  // [[:alpha:]]
      if (c == ']') in_class = false;
      continue;
    }
    switch (c) {
      case '[':
        in_class = true;
        if (i + 1 < p.size() && p[i + 1] == '^') i++;
        if (i + 1 < p.size() && p[i + 1] == ']') i++;  // a leading ] is a literal
        break;
      case '$': return false;
      case '(':
        if (i + 1 < p.size() && p[i + 1] == '?') {
          std::string_view rest = p.substr(i + 2);
          if (rest.rfind("i)", 0) == 0 || rest.rfind("i:", 0) == 0) {
            caseless = true;
            i += 3;
          } else if (rest.rfind(":", 0) == 0) {
            i += 2;
          } else {
            return false;
          }
        }
        break;
      default: break;
    }
  }
  if (in_class) return false;
  return !(caseless && !is_ascii(p));
}

std::shared_ptr<const HyperscanFilter> HyperscanFilter::compile(std::string_view pattern) {
  if (!hyperscan_agrees(pattern)) return nullptr;
  std::string expr(pattern);
  if (expr.find('\0') != std::string::npos) return nullptr;
  hs_database_t* db = nullptr;
  hs_compile_error_t* err = nullptr;
  if (hs_compile(expr.c_str(), HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY, HS_MODE_BLOCK, nullptr, &db,
                 &err) != HS_SUCCESS) {
    hs_free_compile_error(err);
    return nullptr;
  }
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
    hs_free_database(db);
    return nullptr;
  }
  bool caseless = expr.find("(?i") != std::string::npos;
  return std::shared_ptr<const HyperscanFilter>(new HyperscanFilter(db, scratch, caseless));
}

HyperscanFilter::~HyperscanFilter() {
  hs_free_scratch(scratch_);
  hs_free_database(db_);
}

int HyperscanFilter::match(std::string_view line) const {
  if (caseless_ ? !is_ascii(line) : !valid_utf8(line)) return -1;
  if (line.size() > 0xFFFFFFFFu) return -1;
  bool matched = false;
  hs_error_t rc = hs_scan(db_, line.data(), static_cast<unsigned>(line.size()), 0, scratch_, on_match, &matched);
  if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) return -1;
  return matched ? 1 : 0;
}

}  // namespace observe::logql
