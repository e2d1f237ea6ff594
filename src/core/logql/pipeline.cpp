#include "core/logql/hyperscan_filter.h"
#include "core/logql/pipeline.h"

#include <re2/re2.h>

#include <algorithm>
#include <unordered_set>

#include "core/logql/extract.h"
#include "core/logql/ip.h"
#include "core/logql/lexer.h"
#include "core/logql/pattern.h"
#include "core/logql/template.h"
#include "core/promql/strutil.h"

namespace observe::logql {

// ---- LabelSet ----

void LabelSet::push(std::string_view name, std::string_view value, Origin origin) {
  if (n_ < entries_.size()) {
    entries_[n_].name.assign(name.data(), name.size());
    entries_[n_].value.assign(value.data(), value.size());
    entries_[n_].origin = origin;
  } else {
    entries_.push_back({std::string(name), std::string(value), origin});
  }
  n_++;
}

void LabelSet::reset(const Labels& stream, const Labels& metadata) {
  n_ = 0;
  err_.clear();
  details_.clear();
  for (auto& l : stream.items()) push(l.name, l.value, kStream);
  for (auto& l : metadata.items()) {
    Entry* e = find(l.name);
    if (e && e->origin == kStream) {
      std::string ext = l.name + "_extracted";
      Entry* x = find(ext);
      if (x) x->value = l.value;
      else push(ext, l.value, kMeta);
    } else if (e) {
      e->value = l.value;
    } else {
      push(l.name, l.value, kMeta);
    }
  }
}

LabelSet::Entry* LabelSet::find(std::string_view name) {
  for (size_t i = 0; i < n_; i++)
    if (entries_[i].name == name) return &entries_[i];
  return nullptr;
}
const LabelSet::Entry* LabelSet::find(std::string_view name) const {
  for (size_t i = 0; i < n_; i++)
    if (entries_[i].name == name) return &entries_[i];
  return nullptr;
}

const std::string* LabelSet::get(std::string_view name) const {
  if (name == kErrorLabel) return err_.empty() ? nullptr : &err_;
  if (name == kErrorDetailsLabel) return details_.empty() ? nullptr : &details_;
  const Entry* e = find(name);
  return e ? &e->value : nullptr;
}

void LabelSet::set_parsed(const std::string& name, std::string_view value) {
  Entry* e = find(name);
  if (e && e->origin != kParsed) {
    std::string ext = name + "_extracted";
    Entry* x = find(ext);
    if (x) {
      x->value.assign(value.data(), value.size());
      x->origin = kParsed;
    } else {
      push(ext, value, kParsed);
    }
    return;
  }
  if (e) e->value.assign(value.data(), value.size());
  else push(name, value, kParsed);
}

void LabelSet::set(const std::string& name, std::string_view value) {
  if (name == kErrorLabel) {
    err_ = std::string(value);
    return;
  }
  if (name == kErrorDetailsLabel) {
    details_ = std::string(value);
    return;
  }
  Entry* e = find(name);
  if (e) e->value.assign(value.data(), value.size());
  else push(name, value, kParsed);
}

void LabelSet::del(std::string_view name) {
  if (name == kErrorLabel) {
    err_.clear();
    return;
  }
  if (name == kErrorDetailsLabel) {
    details_.clear();
    return;
  }
  retain([&](const std::string& n, const std::string&) { return n != name; });
}

void LabelSet::set_error(const std::string& err, const std::string& details) {
  if (!err_.empty()) return;  // the first error stays
  err_ = err;
  details_ = details;
}

Labels LabelSet::result() const {
  std::vector<Label> out;
  out.reserve(n_ + 2);
  for (size_t i = 0; i < n_; i++) out.push_back({entries_[i].name, entries_[i].value});
  if (!err_.empty()) out.push_back({kErrorLabel, err_});
  if (!details_.empty()) out.push_back({kErrorDetailsLabel, details_});
  return Labels::with_empty_values(std::move(out));
}

// ---- filters ----

bool line_filter_matches(const LineFilter& f, std::string_view line) {
  bool any = false;
  for (auto& t : f.terms) {
    bool m;
    if (t.ip) {
      m = t.ipm->matches_line(line);
    } else {
      switch (f.op) {
        case LineFilterOp::kContains:
        case LineFilterOp::kNotContains: m = line.find(t.value) != std::string_view::npos; break;
        case LineFilterOp::kRegex:
        case LineFilterOp::kNotRegex: {
          int fast = t.hs ? t.hs->match(line) : -1;
          m = fast >= 0 ? fast == 1 : RE2::PartialMatch(line, *t.re);
          break;
        }
        default: m = t.pattern->test(line); break;
      }
    }
    if (m) {
      any = true;
      break;
    }
  }
  return f.negative() ? !any : any;
}

namespace {

bool compare(CmpOp op, double a, double b) {
  switch (op) {
    case CmpOp::kEq: return a == b;
    case CmpOp::kNeq: return a != b;
    case CmpOp::kGt: return a > b;
    case CmpOp::kGte: return a >= b;
    case CmpOp::kLt: return a < b;
    case CmpOp::kLte: return a <= b;
  }
  return false;
}

const std::string kEmpty;

}  // namespace

bool eval_label_filter(const LabelFilter& f, LabelSet* lbs) {
  switch (f.kind) {
    case LabelFilter::kAnd: {
      bool l = eval_label_filter(*f.lhs, lbs);
      bool r = eval_label_filter(*f.rhs, lbs);
      return l && r;
    }
    case LabelFilter::kOr: {
      if (eval_label_filter(*f.lhs, lbs)) return true;
      return eval_label_filter(*f.rhs, lbs);
    }
    case LabelFilter::kString: {
      const std::string* v = lbs->get(f.matcher->name());
      return f.matcher->matches(v ? *v : kEmpty);
    }
    case LabelFilter::kIp: {
      if (lbs->has_error()) return true;  // only string filters can drop an erroring line
      const std::string* v = lbs->get(f.name);
      if (!v) return false;
      bool m = f.ipm->matches_line(*v);  // an address anywhere in the value
      return f.op == CmpOp::kEq ? m : !m;
    }
    default: break;
  }
  // numeric, duration, bytes: they cannot read the error labels
  if (f.name == kErrorLabel || f.name == kErrorDetailsLabel) return false;
  const std::string* v = lbs->get(f.name);
  if (!v) return false;
  double x;
  std::string err;
  bool ok;
  if (f.kind == LabelFilter::kNumeric) {
    ok = go_parse_float(*v, &x);
    if (!ok) err = "strconv.ParseFloat: parsing " + promql::go_quote(*v) + ": invalid syntax";
  } else if (f.kind == LabelFilter::kDuration) {
    int64_t ns;
    ok = go_parse_duration(*v, &ns, &err);
    x = static_cast<double>(ns) / 1e9;
  } else {
    ok = parse_bytes(*v, &x, &err);
  }
  if (!ok) {
    lbs->set_error("LabelFilterErr", err);
    return true;
  }
  return compare(f.op, x, f.number);
}

namespace {

enum class Static { kFalse, kTrue, kUnknown };

Static static_label_filter(const LabelFilter& f, const Labels& stream) {
  switch (f.kind) {
    case LabelFilter::kAnd: {
      Static l = static_label_filter(*f.lhs, stream), r = static_label_filter(*f.rhs, stream);
      if (l == Static::kFalse || r == Static::kFalse) return Static::kFalse;
      return l == Static::kTrue && r == Static::kTrue ? Static::kTrue : Static::kUnknown;
    }
    case LabelFilter::kOr: {
      Static l = static_label_filter(*f.lhs, stream), r = static_label_filter(*f.rhs, stream);
      if (l == Static::kTrue || r == Static::kTrue) return Static::kTrue;
      return l == Static::kFalse && r == Static::kFalse ? Static::kFalse : Static::kUnknown;
    }
    case LabelFilter::kString: {
      const std::string& name = f.matcher->name();
      if (name == kErrorLabel || name == kErrorDetailsLabel || !stream.has(name)) return Static::kUnknown;
      return f.matcher->matches(stream.get(name)) ? Static::kTrue : Static::kFalse;
    }
    default: return Static::kUnknown;  // numeric, duration, bytes, ip: errors and parsing
  }
}

}  // namespace

bool stream_can_pass(const std::vector<Stage>& stages, const Labels& stream) {
  for (const Stage& st : stages) {
    switch (st.kind) {
      case StageKind::kLabelFilter:
        if (st.label_filter && static_label_filter(*st.label_filter, stream) == Static::kFalse) return false;
        break;
      case StageKind::kLineFilter:
      case StageKind::kJson:
      case StageKind::kLogfmt:
      case StageKind::kRegexp:
      case StageKind::kPattern:
      case StageKind::kLineFormat:
      case StageKind::kDecolorize: break;
      default: return true;  // unpack, label_format, drop, keep: stream labels may change
    }
  }
  return true;
}

bool post_unwrap_filters(const std::vector<LabelFilterPtr>& filters, LabelSet* labels) {
  for (auto& f : filters)
    if (!eval_label_filter(*f, labels)) return false;
  return true;
}

// ---- Pipeline ----

Pipeline::Pipeline(const std::vector<Stage>& stages) : stages_(stages), json_(std::make_unique<JsonExtractor>()) {}
Pipeline::~Pipeline() = default;

bool Pipeline::label_filter(const LabelFilter& f, LabelSet* labels) { return eval_label_filter(f, labels); }

namespace {

const RE2& ansi_re() {
  static const RE2 re("[\\x{1b}\\x{9b}][\\[()#;?]*(?:[0-9]{1,4}(?:;[0-9]{0,4})*)?[0-9A-ORZcf-nqry=><]");
  return re;
}

}  // namespace

bool SeenKeys::insert(std::string_view key) {
  if (n_ < kLinear) {
    for (size_t i = 0; i < n_; i++)
      if (keys_[i] == key) return false;
    if (n_ < keys_.size()) keys_[n_].assign(key.data(), key.size());
    else keys_.emplace_back(key);
    n_++;
    return true;
  }
  if (many_.empty())
    for (size_t i = 0; i < n_; i++) many_.insert(keys_[i]);
  return many_.insert(std::string(key)).second;
}

bool Pipeline::process(int64_t ts_ns, std::string* line, LabelSet* lbs) {
  SeenKeys& seen = seen_;  // duplicate keys within one line keep the first
  for (const Stage& st : stages_) {
    switch (st.kind) {
      case StageKind::kLineFilter:
        if (!line_filter_matches(st.line_filter, *line)) return false;
        break;
      case StageKind::kJson: {
        std::string err;
        if (st.params.empty()) {
          seen.clear();
          bool ok = json_->all(*line, [&](const std::string& k, std::string_view v) {
            if (seen.insert(k)) lbs->set_parsed(k, v);
          }, &err);
          if (!ok) lbs->set_error("JSONParserErr", err);
        } else {
          std::vector<std::vector<std::string>> paths;
          for (auto& p : st.params) paths.push_back(p.json_path);
          std::vector<std::string> values;
          if (!json_->paths(*line, paths, &values, &err)) {
            lbs->set_error("JSONParserErr", err);
          } else {
            for (size_t i = 0; i < st.params.size(); i++) lbs->set_parsed(sanitize_label_name(st.params[i].name), values[i]);
          }
        }
        break;
      }
      case StageKind::kLogfmt: {
        std::string err;
        seen.clear();
        if (st.params.empty()) {
          bool ok = logfmt_pairs(*line, st.strict, st.keep_empty, [&](std::string_view k, std::string_view v) {
            std::string key = sanitize_label_name(k);
            if (seen.insert(key)) lbs->set_parsed(key, v);
          }, &err);
          if (!ok) lbs->set_error("LogfmtParserErr", err);
        } else {
          std::vector<std::pair<std::string, std::string>> found;  // key -> first value
          bool ok = logfmt_pairs(*line, st.strict, true, [&](std::string_view k, std::string_view v) {
            if (seen.insert(k)) found.emplace_back(std::string(k), std::string(v));
          }, &err);
          if (!ok) lbs->set_error("LogfmtParserErr", err);
          for (auto& p : st.params) {
            for (auto& f : found) {
              if (f.first == p.value) {
                if (!f.second.empty() || st.keep_empty) lbs->set_parsed(sanitize_label_name(p.name), f.second);
                break;
              }
            }
          }
        }
        break;
      }
      case StageKind::kRegexp: {
        int n = st.re->NumberOfCapturingGroups();
        std::vector<re2::StringPiece> groups(static_cast<size_t>(n + 1));
        if (st.re->Match(*line, 0, line->size(), RE2::UNANCHORED, groups.data(), n + 1)) {
          for (auto& [name, idx] : st.re->NamedCapturingGroups()) {
            auto& g = groups[static_cast<size_t>(idx)];
            if (g.data() == nullptr) continue;
            lbs->set_parsed(sanitize_label_name(name), std::string_view(g.data(), g.size()));
          }
        }
        break;
      }
      case StageKind::kPattern: {
        auto caps = st.pattern->captures(*line);
        const auto& names = st.pattern->names();
        for (size_t i = 0; i < caps.size() && i < names.size(); i++) lbs->set_parsed(sanitize_label_name(names[i]), caps[i]);
        break;
      }
      case StageKind::kUnpack: {
        std::string err, entry;
        bool has_entry = false;
        seen.clear();
        bool ok = json_->unpack(*line, [&](const std::string& k, std::string_view v) {
          if (seen.insert(k)) lbs->set_parsed(k, v);
        }, &entry, &has_entry, &err);
        if (!ok) lbs->set_error("JSONParserErr", err);
        else if (has_entry) *line = entry;
        break;
      }
      case StageKind::kLabelFilter:
        if (!label_filter(*st.label_filter, lbs)) return false;
        break;
      case StageKind::kLineFormat: {
        TemplateContext ctx;
        ctx.label = [&](std::string_view n, std::string* out) {
          const std::string* v = lbs->get(n);
          if (v) *out = *v;
          return v != nullptr;
        };
        ctx.line = *line;
        ctx.ts_ns = ts_ns;
        std::string out, err;
        if (st.tmpl->render(ctx, &out, &err)) *line = std::move(out);
        else lbs->set_error("TemplateFormatErr", err);
        break;
      }
      case StageKind::kLabelFormat: {
        // Templates see the labels as they were before this stage.
        Labels before = lbs->result();
        for (auto& p : st.params) {
          if (!p.is_template) {
            // A rename of an absent label changes nothing (Loki renames only what exists).
            const std::string* v = lbs->get(p.value);
            if (!v) continue;
            std::string val = *v;
            lbs->del(p.value);
            lbs->set(p.name, val);
            continue;
          }
          TemplateContext ctx;
          ctx.label = [&](std::string_view n, std::string* out) {
            if (!before.has(n)) return false;
            *out = std::string(before.get(n));
            return true;
          };
          ctx.line = *line;
          ctx.ts_ns = ts_ns;
          std::string out, err;
          if (p.tmpl->render(ctx, &out, &err)) lbs->set(p.name, out);
          else lbs->set_error("TemplateFormatErr", err);
        }
        break;
      }
      case StageKind::kDrop:
        for (auto& it : st.items) {
          if (it.matcher) {
            const std::string* v = lbs->get(it.name);
            if (v && it.matcher->matches(*v)) lbs->del(it.name);
          } else {
            lbs->del(it.name);
          }
        }
        break;
      case StageKind::kKeep:
        lbs->retain([&](const std::string& name, const std::string& value) {
          for (auto& it : st.items)
            if (it.name == name && (!it.matcher || it.matcher->matches(value))) return true;
          return false;
        });
        break;
      case StageKind::kDecolorize:
        RE2::GlobalReplace(line, ansi_re(), "");
        break;
    }
  }
  return true;
}

}  // namespace observe::logql
