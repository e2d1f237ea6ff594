// Writes Loki push requests for bench/http/run.sh from the log recording's JSON Lines (stdin:
// {"ts": "<ns>", "labels": {...}, "line": "...", "metadata": {...}?}): entries batched as
// promtail batches them (up to --batch-bytes of lines a request, its default 1 MiB), grouped by
// stream within a request, each request twice: req_N.pb (logproto.PushRequest, snappy: what
// promtail and Alloy send) and req_N.json (the JSON body). Prints
// "<requests> <entries> <line bytes> <pb bytes> <json bytes> <duplicates>": duplicates are entries
// equal in stream, timestamp and line to an earlier one, which Loki and pg_observe drop.
//
//   push_payloads --out=DIR [--batch-bytes=1048576] < lines.jsonl
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>
#include <snappy.h>

#include "core/httpapi/json.h"
#include "core/ingest/proto/loki_push.pb.h"

namespace {

struct Entry {
  std::string ts;  // nanoseconds, decimal
  std::string line;
  std::vector<std::pair<std::string, std::string>> metadata;
};

// A stream's labels in Prometheus's series syntax, names sorted: `{a="b", c="d"}`.
std::string series_text(const std::map<std::string, std::string>& labels) {
  std::string s = "{";
  for (const auto& [name, value] : labels) {
    if (s.size() > 1) s += ", ";
    s += name + "=\"";
    for (char c : value) {
      if (c == '\\' || c == '"') s += '\\';
      if (c == '\n') {
        s += "\\n";
        continue;
      }
      s += c;
    }
    s += '"';
  }
  return s + "}";
}

struct Batch {
  std::map<std::map<std::string, std::string>, std::vector<Entry>> streams;
  size_t line_bytes = 0;
};

void append_pairs_json(std::string& out, const std::vector<std::pair<std::string, std::string>>& pairs) {
  out += '{';
  for (size_t i = 0; i < pairs.size(); i++) {
    if (i) out += ',';
    observe::httpapi::append_json_string(out, pairs[i].first);
    out += ':';
    observe::httpapi::append_json_string(out, pairs[i].second);
  }
  out += '}';
}

std::pair<size_t, size_t> write_request(const std::string& dir, long long n, const Batch& batch) {
  observe::ingest::logproto::PushRequest req;
  std::string json = "{\"streams\":[";
  bool first_stream = true;
  for (const auto& [labels, entries] : batch.streams) {
    auto* stream = req.add_streams();
    stream->set_labels(series_text(labels));
    if (!first_stream) json += ',';
    first_stream = false;
    json += "{\"stream\":";
    append_pairs_json(json, {labels.begin(), labels.end()});
    json += ",\"values\":[";
    for (size_t i = 0; i < entries.size(); i++) {
      const Entry& e = entries[i];
      long long ns = atoll(e.ts.c_str());
      auto* entry = stream->add_entries();
      entry->mutable_timestamp()->set_seconds(ns / 1000000000);
      entry->mutable_timestamp()->set_nanos(static_cast<int>(ns % 1000000000));
      entry->set_line(e.line);
      for (const auto& [k, v] : e.metadata) {
        auto* m = entry->add_structuredmetadata();
        m->set_name(k);
        m->set_value(v);
      }
      if (i) json += ',';
      json += "[\"" + e.ts + "\",";
      observe::httpapi::append_json_string(json, e.line);
      if (!e.metadata.empty()) {
        json += ',';
        append_pairs_json(json, e.metadata);
      }
      json += ']';
    }
    json += "]}";
  }
  json += "]}";
  std::string raw, compressed;
  req.SerializeToString(&raw);
  snappy::Compress(raw.data(), raw.size(), &compressed);
  char name[64];
  snprintf(name, sizeof name, "/req_%05lld", n);
  std::ofstream(dir + name + ".pb", std::ios::binary) << compressed;
  std::ofstream(dir + name + ".json", std::ios::binary) << json;
  return {compressed.size(), json.size()};
}

}  // namespace

int main(int argc, char** argv) {
  std::string out;
  size_t batch_bytes = 1 << 20;
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "--out=", 6) == 0) out = argv[i] + 6;
    if (strncmp(argv[i], "--batch-bytes=", 14) == 0) batch_bytes = strtoull(argv[i] + 14, nullptr, 10);
  }
  if (out.empty()) {
    fprintf(stderr, "usage: push_payloads --out=DIR [--batch-bytes=N] < lines.jsonl\n");
    return 2;
  }
  simdjson::ondemand::parser parser;
  Batch batch;
  long long requests = 0, entries = 0;
  size_t line_bytes = 0, pb_bytes = 0, json_bytes = 0;
  auto flush = [&] {
    if (batch.streams.empty()) return;
    auto [pb, js] = write_request(out, requests++, batch);
    pb_bytes += pb;
    json_bytes += js;
    batch = Batch();
  };
  std::set<std::pair<size_t, size_t>> seen;  // two hashes of (stream, timestamp, line)
  long long duplicates = 0;
  std::string text;
  while (std::getline(std::cin, text)) {
    if (text.empty()) continue;
    simdjson::padded_string padded(text);
    simdjson::ondemand::document doc = parser.iterate(padded);
    Entry e;
    std::map<std::string, std::string> labels;
    for (auto field : doc.get_object()) {
      std::string_view key = field.unescaped_key();
      if (key == "ts") {
        e.ts = std::string(std::string_view(field.value().get_string()));
      } else if (key == "line") {
        e.line = std::string(std::string_view(field.value().get_string()));
      } else if (key == "labels" || key == "metadata") {
        for (auto pair : field.value().get_object()) {
          std::string name(std::string_view(pair.unescaped_key()));
          std::string value(std::string_view(pair.value().get_string()));
          if (key == "labels")
            labels.emplace(std::move(name), std::move(value));
          else
            e.metadata.emplace_back(std::move(name), std::move(value));
        }
      }
    }
    std::string key = series_text(labels) + '\0' + e.ts + '\0' + e.line;
    size_t h1 = std::hash<std::string>()(key);
    key += '\1';
    if (!seen.emplace(h1, std::hash<std::string>()(key)).second) duplicates++;
    if (batch.line_bytes + e.line.size() > batch_bytes) flush();
    batch.line_bytes += e.line.size();
    line_bytes += e.line.size();
    entries++;
    batch.streams[labels].push_back(std::move(e));
  }
  flush();
  printf("%lld %lld %zu %zu %zu %lld\n", requests, entries, line_bytes, pb_bytes, json_bytes, duplicates);
  return 0;
}
