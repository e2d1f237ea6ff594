// logfmt: the whole message is the line; the configured keys give time, labels and metadata.
// The pair syntax is go-logfmt's (what Prometheus, Loki and Grafana Agent write), quoted values
// unescaped as JSON strings are, which is what go-logfmt does.
#include <string>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/ingest/kafka_internal.h"

namespace observe::ingest {

namespace {

[[noreturn]] void bad(const std::string& what, size_t pos) {
  throw Error(ErrorKind::kDataException, "logfmt syntax error at byte " + std::to_string(pos) + ": " + what,
              pos > INT32_MAX ? -1 : static_cast<int>(pos));
}

bool key_char(char c) { return static_cast<unsigned char>(c) > ' ' && c != '=' && c != '"'; }

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// \uXXXX at s[i] (pointing at 'u'); returns the code unit or -1.
int32_t read_u4(std::string_view s, size_t i) {
  if (i + 5 > s.size()) return -1;
  int32_t v = 0;
  for (size_t k = 1; k <= 4; k++) {
    int h = hex(s[i + k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

}  // namespace

void parse_logfmt(std::string_view line, const std::function<void(std::string_view, std::string_view)>& f) {
  std::string scratch;
  size_t i = 0;
  const size_t n = line.size();
  while (i < n) {
    while (i < n && static_cast<unsigned char>(line[i]) <= ' ') i++;
    if (i == n) break;
    if (line[i] == '=') bad("unexpected '='", i);
    if (line[i] == '"') bad("unexpected '\"'", i);
    size_t k0 = i;
    while (i < n && key_char(line[i])) i++;
    std::string_view key = line.substr(k0, i - k0);
    if (i < n && line[i] == '"') bad("unexpected '\"'", i);
    if (i == n || line[i] != '=') {
      f(key, {});
      continue;
    }
    i++;  // '='
    if (i < n && line[i] == '"') {
      size_t q = i++;
      scratch.clear();
      bool closed = false;
      while (i < n) {
        char c = line[i];
        if (c == '"') {
          closed = true;
          i++;
          break;
        }
        if (c != '\\') {
          scratch.push_back(c);
          i++;
          continue;
        }
        if (i + 1 >= n) bad("unterminated quoted value", q);
        char e = line[i + 1];
        switch (e) {
          case '"': case '\\': case '/': scratch.push_back(e); i += 2; break;
          case 'b': scratch.push_back('\b'); i += 2; break;
          case 'f': scratch.push_back('\f'); i += 2; break;
          case 'n': scratch.push_back('\n'); i += 2; break;
          case 'r': scratch.push_back('\r'); i += 2; break;
          case 't': scratch.push_back('\t'); i += 2; break;
          case 'u': {
            int32_t u = read_u4(line, i + 1);
            if (u < 0) bad("invalid \\u escape", i);
            i += 6;
            uint32_t cp = static_cast<uint32_t>(u);
            if (cp >= 0xD800 && cp < 0xDC00) {
              int32_t lo = (i + 1 < n && line[i] == '\\' && line[i + 1] == 'u') ? read_u4(line, i + 1) : -1;
              if (lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(lo) - 0xDC00);
                i += 6;
              } else {
                cp = 0xFFFD;  // a lone surrogate, as encoding/json decodes it
              }
            } else if (cp >= 0xDC00 && cp < 0xE000) {
              cp = 0xFFFD;
            }
            append_utf8(&scratch, cp);
            break;
          }
          default: bad("invalid escape \\" + std::string(1, e), i);
        }
      }
      if (!closed) bad("unterminated quoted value", q);
      if (i < n && static_cast<unsigned char>(line[i]) > ' ') bad("unexpected text after a quoted value", i);
      f(key, scratch);
      continue;
    }
    size_t v0 = i;
    while (i < n && static_cast<unsigned char>(line[i]) > ' ') {
      if (line[i] == '=') bad("unexpected '='", i);
      if (line[i] == '"') bad("unexpected '\"'", i);
      i++;
    }
    f(key, line.substr(v0, i - v0));
  }
}

DecodeStats decode_logfmt_message(KafkaDecoder::State& st, const KafkaFormatOptions& o, const KafkaMessage& m,
                                  LogSink& sink) {
  if (!valid_utf8(m.value))
    throw Error(ErrorKind::kDataException, message_where(m) + ": line is not valid UTF-8: " + quote_for_message(m.value, 128));
  st.pairs.clear();
  st.metadata.clear();
  std::string time_text;
  bool has_time = false;
  auto set = [](std::vector<Label>* v, const std::string& name, std::string_view value) {
    for (Label& l : *v)
      if (l.name == name) {
        l.value.assign(value.data(), value.size());
        return;
      }
    v->push_back({name, std::string(value)});
  };
  try {
    parse_logfmt(m.value, [&](std::string_view key, std::string_view value) {
      if (!o.time_field.empty() && key == o.time_field) {
        time_text.assign(value.data(), value.size());
        has_time = true;
      }
      for (const JsonField& f : o.label_fields)
        if (key == f.path) set(&st.pairs, f.label, value);
      for (const JsonField& f : o.metadata_fields)
        if (key == f.path) set(&st.metadata, f.label, value);
    });
  } catch (const Error& e) {
    throw Error(e.kind(), message_where(m) + ": " + e.what(), e.position());
  }
  int64_t ts = 0;
  if (has_time) {
    if (!time_from_text(time_text, o.time_format, &ts))
      throw Error(ErrorKind::kDataException, message_where(m) + ": time key " + quote_for_message(o.time_field, 64) +
                                                 " is not a time: " + quote_for_message(time_text, 64));
  } else if (!o.time_field.empty() && o.time_required) {
    throw Error(ErrorKind::kDataException, message_where(m) + ": time key " + quote_for_message(o.time_field, 64) + " is missing");
  } else {
    ts = message_time_ns(m);
  }
  // Unescaped values may hold anything a \u escape makes; the pairs are checked with the labels.
  DecodeStats stats;
  emit_one_entry(st, o, m, st.pairs, ts, m.value, st.metadata.empty() ? nullptr : &st.metadata,
                 /*utf8_checked=*/true, sink, stats);
  return stats;
}

}  // namespace observe::ingest
