// libFuzzer target: what the HTTP API parses and writes (src/core/httpapi). Any bytes as a
// query string / form body: parses or fails with Error, never crashes; every value read back is
// what was given. The same bytes as Prometheus and Loki times and durations: parsed or refused.
// As label values, a sample value and a timestamp: the JSON written is valid UTF-8 without raw
// control bytes, and the streamed answer is byte for byte the whole one. As a client's
// WebSocket bytes, fed whole and in pieces: the same frames or the same refusal, each frame's
// payload within the limit, the buffer bounded.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "core/common/error.h"
#include "core/common/utf8.h"
#include "core/httpapi/json.h"
#include "core/httpapi/params.h"
#include "core/httpapi/responses.h"
#include "core/httpapi/stream.h"
#include "core/httpapi/websocket.h"

using namespace observe;

static void check(bool ok) {
  if (!ok) std::abort();
}

// Frames of bytes fed in pieces of `step` (0: at once), "!" after a refusal.
static std::string ws_frames(std::string_view in, size_t step) {
  constexpr size_t kMax = 256;
  httpapi::WsReader r(kMax);
  std::string out;
  size_t pos = 0;
  try {
    while (pos < in.size()) {
      size_t n = step == 0 ? in.size() : std::min(step, in.size() - pos);
      r.feed(in.substr(pos, n));
      pos += n;
      httpapi::WsFrame f;
      while (r.next(&f)) {
        check(f.payload.size() <= kMax);
        out += std::to_string(static_cast<int>(f.opcode)) + (f.fin ? "F" : "-") + std::to_string(f.payload.size()) + ":" + f.payload;
      }
      check(r.buffered() <= in.size());
    }
  } catch (const Error& e) {
    check(valid_utf8(e.what()));
    out += "!";
  }
  return out;
}

static void check_json_text(const std::string& s) {
  check(valid_utf8(s));
  for (unsigned char c : s) check(c >= 0x20);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  httpapi::Form form;
  try {
    form.parse_urlencoded(in);
    (void)form.all("match[]");
    try {
      (void)httpapi::prom_range_params(form);
    } catch (const Error&) {
    }
  } catch (const Error& e) {
    check(valid_utf8(e.what()));
  }
  (void)httpapi::parse_prom_time_ms(in);
  (void)httpapi::parse_prom_duration_ms(in);
  (void)httpapi::parse_loki_time_ns(in);
  (void)httpapi::parse_rfc3339_ns(in);

  std::string s;
  httpapi::append_json_string(s, in);
  check_json_text(s);

  double v = 0;
  int64_t t = 0;
  if (size >= 16) {
    memcpy(&v, data, 8);
    memcpy(&t, data + 8, 8);
  }
  std::string f;
  httpapi::append_prom_float(f, v);
  check(!f.empty() && f.size() < 400);
  std::string ts;
  httpapi::append_prom_timestamp(ts, t);
  check(!ts.empty());

  promql::Value m;
  m.type = size % 2 ? promql::ValueType::kMatrix : promql::ValueType::kVector;
  std::string half(in.substr(0, size / 2)), rest(in.substr(size / 2));
  Labels labels({{"__name__", half}, {"l", rest}});
  if (m.type == promql::ValueType::kMatrix)
    m.matrix.push_back({labels, {{t, v}, {t / 2, -v}}, false});
  else
    m.vector.push_back({labels, v, t, false});
  m.warnings.push_back(half);
  std::string data_json;
  httpapi::append_query_data(data_json, m);
  std::string whole = httpapi::prom_success_body(data_json, m.warnings, m.infos);
  check_json_text(whole);
  httpapi::QueryResultStream stream(m, "", true);
  std::string streamed, piece;
  while (true) {
    piece.clear();
    if (!stream.next(piece, 1 + size % 64)) break;
    streamed += piece;
  }
  check(streamed == whole);

  check(ws_frames(in, 0) == ws_frames(in, 1 + size % 7));
  check(httpapi::ws_close_frame(static_cast<uint16_t>(size), in).size() <= 127);
  return 0;
}
