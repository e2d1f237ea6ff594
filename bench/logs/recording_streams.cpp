#include "recording_streams.h"

#include <time.h>

#include <map>

#include "../tools/recording_reader.h"

namespace observe::bench {

namespace {

void put_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | cp >> 6));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | cp >> 12));
    out.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | cp >> 18));
    out.push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

// Unescapes the JSON string starting at s[i] (after its opening quote) into out;
// returns the index after the closing quote.
size_t json_string(std::string_view s, size_t i, std::string& out) {
  while (i < s.size() && s[i] != '"') {
    if (s[i] != '\\') {
      out.push_back(s[i++]);
      continue;
    }
    char c = s[++i];
    ++i;
    switch (c) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'u': {
        uint32_t cp = static_cast<uint32_t>(std::stoul(std::string(s.substr(i, 4)), nullptr, 16));
        i += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && s.substr(i, 2) == "\\u") {
          uint32_t lo = static_cast<uint32_t>(std::stoul(std::string(s.substr(i + 2, 4)), nullptr, 16));
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          i += 6;
        }
        put_utf8(out, cp);
        break;
      }
      default: out.push_back(c);  // " \ /
    }
  }
  return i + 1;
}

}  // namespace

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::vector<Stream> load(const char* path, size_t* lines, size_t* raw) {
  std::vector<Stream> streams;
  std::map<std::string, size_t> index;
  *lines = *raw = 0;
  std::string key, text;
  for_each_line(path, [&](std::string_view j) {
    size_t t = j.find("\"ts\":\"") + 6;
    int64_t ts = 0;
    for (; j[t] != '"'; ++t) ts = ts * 10 + (j[t] - '0');
    size_t l = j.find("\"labels\":{") + 9;
    size_t le = j.find('}', l) + 1;
    key.assign(j.substr(l, le - l));
    size_t lp = j.find("\"line\":\"", le) + 8;
    text.clear();
    json_string(j, lp, text);
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, streams.size()).first;
      streams.push_back(Stream{key, {}, {}, {}});
    }
    Stream& s = streams[it->second];
    s.data += text;
    s.ends.push_back(s.data.size());
    s.times.push_back(ts);
    ++*lines;
    *raw += text.size();
  });
  return streams;
}

}  // namespace observe::bench
