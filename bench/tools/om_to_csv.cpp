// Converts an OpenMetrics recording (../shared/data/node-recording/samples.om.zst, decompressed
// on stdin) into CSV rows for COPY into a table shaped like observe.metrics:
//   time (timestamptz), name (text), labels (jsonb), value (float8)
// Reads in blocks cut at line ends, so memory stays bounded whatever the file size.
//   zstd -dc samples.om.zst | om_to_csv [max_samples] > samples.csv
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "core/exposition/parser.h"

namespace {

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

// CSV field: quoted, inner quotes doubled.
void append_csv_quoted(std::string& out, const std::string& s) {
  out.push_back('"');
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_time(std::string& out, int64_t ms) {
  time_t secs = static_cast<time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int millis = static_cast<int>(ms - static_cast<int64_t>(secs) * 1000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d+00", tm.tm_year + 1900, tm.tm_mon + 1,
           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  out += buf;
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) { out += "NaN"; return; }
  if (std::isinf(v)) { out += v > 0 ? "Infinity" : "-Infinity"; return; }
  char buf[32];
  snprintf(buf, sizeof buf, "%.17g", v);
  out += buf;
}

}  // namespace

int main(int argc, char** argv) {
  long long limit = argc > 1 ? atoll(argv[1]) : -1;
  long long emitted = 0;
  std::string block, out, labels_json;
  std::vector<char> buf(8 << 20);
  bool eof = false;
  while (!eof && (limit < 0 || emitted < limit)) {
    size_t n = fread(buf.data(), 1, buf.size(), stdin);
    eof = n == 0;
    block.append(buf.data(), n);
    // Parse whole lines only; the partial last line waits for the next read.
    size_t end = eof ? block.size() : block.rfind('\n');
    if (end == std::string::npos) continue;
    if (!eof) end++;
    // Each block is parsed as a payload of its own, so it needs its own terminator.
    std::string payload = block.substr(0, end);
    block.erase(0, end);
    if (payload.find("# EOF") == std::string::npos) payload += "# EOF\n";
    out.clear();
    try {
      observe::exposition::for_each_sample(payload, observe::exposition::Format::kOpenMetrics,
                                           [&](const observe::exposition::Entry& e) {
        if (limit >= 0 && emitted >= limit) return;
        labels_json = "{";
        for (size_t i = 0; i < e.labels.size(); i++) {
          if (i) labels_json += ", ";
          append_json_string(labels_json, e.labels[i].name);
          labels_json += ": ";
          append_json_string(labels_json, e.labels[i].value);
        }
        labels_json += "}";
        append_time(out, e.timestamp_ms);
        out.push_back(',');
        out.append(e.metric_name);
        out.push_back(',');
        append_csv_quoted(out, labels_json);
        out.push_back(',');
        append_value(out, e.value);
        out.push_back('\n');
        emitted++;
      });
    } catch (const std::exception& ex) {
      fprintf(stderr, "om_to_csv: after %lld samples: %s\n", emitted, ex.what());
      return 1;
    }
    if (fwrite(out.data(), 1, out.size(), stdout) != out.size()) {
      perror("om_to_csv: write");
      return 1;
    }
  }
  fprintf(stderr, "om_to_csv: %lld samples\n", emitted);
  return 0;
}
