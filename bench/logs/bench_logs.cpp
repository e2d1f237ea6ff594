// Measures log chunk codecs on the real log recording
// (shared/data/log-recording/lines.jsonl.zst): bytes per line and ratio against
// the raw line bytes for each layout and zstd level, the trigram filters'
// size and needle false-positive rate, and decode + `|= "word"` scan speed.
// Every chunk is checked to decode to the exact lines.
//
//   bench_logs [lines.jsonl.zst] [--chunk=1M,4M] [--levels=3,9,19]
//              [--variants=plain,split,dict,chunk,filter] [--overhead=40] [--needles=300]
//              [--scan=GET] [--repeat=3] [--breakdown] [--filter-budget=0.057]
//              [--chunk-layout=plain|split] [--filter-version=4|3|2|1]
//              [--filter-min-bits=8] [--filter-tri-bits=5] [--filter-min-bytes=1024]
//              [--named=orders/100002,6b14bb84.7007,...]
//
// --named: needles reported one by one (chunks whose filter passes them, chunks that hold
// them; BENCH_LOGS_VERBOSE=1 lists the chunks). --filter-version=1: the needle figures with
// the previous filter layout (trigrams only) rebuilt at the same budget.
// --chunk: raw line bytes per chunk (a chunk also ends at a stream's end).
// Variants: plain = lengths + bytes, zstd; split = numbers cut into delta-coded
// columns, templates zstd (codec/log_lines.h); dict = both with a zstd dictionary
// trained per stream on its first 4 MB (its bytes counted once per stream);
// chunk = the chunk format as the access method will store it (ns times, the
// line column with the log codec, a case-folded trigram filter capped at 5 % of
// the payload) plus --overhead bytes of heap row per chunk: everything included.
// Speeds are per CPU-second of this thread (the machine is shared), best of --repeat.
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/chunk/chunk.h"
#include "core/codec/byte_io.h"
#include "core/codec/integer.h"
#include "core/codec/log_lines.h"
#include "core/codec/substring_search.h"
#include "core/codec/token_filter.h"
#include "../tools/recording_reader.h"
#include "recording_streams.h"

namespace {

using namespace observe;
using observe::bench::for_each_line;
using observe::bench::cpu_seconds;
using observe::bench::load;
using observe::bench::Stream;

struct Chunk {
  size_t stream, first, last;  // lines [first, last) of the stream
};

std::vector<Chunk> make_chunks(const std::vector<Stream>& streams, size_t target) {
  std::vector<Chunk> out;
  for (size_t s = 0; s < streams.size(); ++s) {
    const Stream& st = streams[s];
    size_t first = 0, bytes = 0;
    for (size_t i = 0; i < st.ends.size(); ++i) {
      bytes += st.line(i).size();
      if (bytes >= target || i + 1 - first >= observe::chunk::kMaxRows) {
        out.push_back({s, first, i + 1});
        first = i + 1;
        bytes = 0;
      }
    }
    if (first < st.ends.size()) out.push_back({s, first, st.ends.size()});
  }
  return out;
}

std::vector<std::string_view> views(const Stream& s, const Chunk& c) {
  std::vector<std::string_view> v;
  v.reserve(c.last - c.first);
  for (size_t i = c.first; i < c.last; ++i) v.push_back(s.line(i));
  return v;
}

void check_lines(const codec::LogLines& got, const std::vector<std::string_view>& want) {
  bool ok = got.size() == want.size();
  for (size_t i = 0; ok && i < want.size(); ++i) ok = got.line(i) == want[i];
  if (!ok) {
    std::fprintf(stderr, "decode mismatch\n");
    std::exit(1);
  }
}

// The time column as the chunk format stores it.
size_t time_bytes(const Stream& s, const Chunk& c) {
  std::string out;
  codec::encode_ints(s.times.data() + c.first, c.last - c.first, out, s.times[c.first]);
  return out.size() + 12;  // + min/max time and row count in the header
}

std::vector<size_t> parse_sizes(const std::string& v) {
  std::vector<size_t> out;
  size_t i = 0;
  while (i < v.size()) {
    size_t j = v.find(',', i);
    if (j == std::string::npos) j = v.size();
    std::string t = v.substr(i, j - i);
    size_t mult = 1;
    if (!t.empty() && (t.back() == 'K' || t.back() == 'k')) mult = 1024, t.pop_back();
    if (!t.empty() && (t.back() == 'M' || t.back() == 'm')) mult = 1024 * 1024, t.pop_back();
    out.push_back(std::stoul(t) * mult);
    i = j + 1;
  }
  return out;
}

bool has(const std::string& list, const char* what) {
  return ("," + list + ",").find(std::string(",") + what + ",") != std::string::npos;
}

std::string lower(std::string_view s) {
  std::string o(s);
  for (char& c : o)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c | 0x20);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const char* path = "../shared/data/log-recording/lines.jsonl.zst";
  std::vector<size_t> targets = {1 << 20, 4 << 20};
  std::vector<size_t> levels = {3, 9, 19};
  std::string variants = "plain,split,dict,chunk";
  size_t overhead = 40, n_needles = 300, repeat = 3;
  std::string scan_word = "GET";
  std::vector<std::string> named = {"orders/100002", "6b14bb84.7007", "/api/v1/orders/100002", "GET /"};
  bool breakdown = false;
  double filter_budget = 0.057;  // as observe_log's line column (src/pg/engine/profile.cpp)
  int filter_version = 4;
  double min_bits = 0, tri_bits = 0;
  size_t min_bytes = SIZE_MAX;
  codec::LogLayout chunk_layout = codec::LogLayout::kBest;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--chunk=", 0) == 0) targets = parse_sizes(a.substr(8));
    else if (a.rfind("--levels=", 0) == 0) levels = parse_sizes(a.substr(9));
    else if (a.rfind("--variants=", 0) == 0) variants = a.substr(11);
    else if (a.rfind("--overhead=", 0) == 0) overhead = std::stoul(a.substr(11));
    else if (a.rfind("--needles=", 0) == 0) n_needles = std::stoul(a.substr(10));
    else if (a.rfind("--repeat=", 0) == 0) repeat = std::stoul(a.substr(9));
    else if (a.rfind("--scan=", 0) == 0) scan_word = a.substr(7);
    else if (a == "--breakdown") breakdown = true;
    else if (a.rfind("--named=", 0) == 0) {
      named.clear();
      std::string v = a.substr(8);
      for (size_t i = 0, j; i <= v.size(); i = j + 1) {
        j = v.find(',', i);
        if (j == std::string::npos) j = v.size();
        if (j > i) named.push_back(v.substr(i, j - i));
      }
    }
    else if (a == "--chunk-layout=plain") chunk_layout = codec::LogLayout::kPlain;
    else if (a == "--chunk-layout=split") chunk_layout = codec::LogLayout::kSplit;
    else if (a.rfind("--filter-budget=", 0) == 0) filter_budget = std::stod(a.substr(16));
    else if (a.rfind("--filter-version=", 0) == 0) filter_version = std::stoi(a.substr(17));
    else if (a.rfind("--filter-min-bits=", 0) == 0) min_bits = std::stod(a.substr(18));
    else if (a.rfind("--filter-min-bytes=", 0) == 0) min_bytes = std::stoul(a.substr(19));
    else if (a.rfind("--filter-tri-bits=", 0) == 0) tri_bits = std::stod(a.substr(18));
    else path = argv[i];
  }
  size_t nlines, raw;
  std::vector<Stream> streams = load(path, &nlines, &raw);
  std::printf("recording: %zu lines, %zu raw bytes, %zu streams\n", nlines, raw, streams.size());
  auto report = [&](const char* name, size_t target, size_t level, size_t bytes, double cpu) {
    std::printf("%-28s chunk=%5zuK level=%2zu  %12zu B  %6.2f B/line  ratio %6.2f  encode %.1f MB/s\n", name,
                target >> 10, level, bytes, static_cast<double>(bytes) / static_cast<double>(nlines),
                static_cast<double>(raw) / static_cast<double>(bytes),
                static_cast<double>(raw) / 1e6 / cpu);
    std::fflush(stdout);
  };

  for (size_t target : targets) {
    std::vector<Chunk> chunks = make_chunks(streams, target);
    std::printf("-- chunk target %zu KiB raw: %zu chunks\n", target >> 10, chunks.size());
    size_t tbytes = 0;
    for (const Chunk& c : chunks) tbytes += time_bytes(streams[c.stream], c);
    std::printf("   time column (ns, delta codecs) %zu B = %.2f B/line, counted in every row below\n", tbytes,
                static_cast<double>(tbytes) / static_cast<double>(nlines));
    if (has(variants, "filter")) {
      // The token filter alone, as the line column builds it (case-folded, version 3, budget
      // filter_budget of ~1/22 of the raw bytes): raw line bytes per CPU-second, best of
      // --repeat, and a digest of every filter's bytes (equal digests: the same filters).
      double best = 1e30;
      uint64_t digest = 0;
      size_t fbytes = 0, craw = 0;
      for (size_t r = 0; r < repeat; ++r) {
        uint64_t h = 0xcbf29ce484222325ULL;
        size_t fb_total = 0, raw_total = 0;
        double t0 = cpu_seconds();
        for (const Chunk& c : chunks) {
          const Stream& st = streams[c.stream];
          codec::TokenFilterOptions fo;
          fo.fold_case = true;
          fo.version = filter_version;
          codec::TokenFilterBuilder fb(fo);
          size_t raw_c = 0;
          for (size_t i = c.first; i < c.last; ++i) {
            std::string_view l = st.line(i);
            fb.add(l);
            raw_c += l.size();
          }
          std::string f = fb.finish(static_cast<size_t>(filter_budget * static_cast<double>(raw_c) / 22));
          for (char ch : f) h = (h ^ static_cast<uint8_t>(ch)) * 0x100000001b3ULL;
          fb_total += f.size();
          raw_total += raw_c;
        }
        best = std::min(best, cpu_seconds() - t0);
        digest = h;
        fbytes = fb_total;
        craw = raw_total;
      }
      std::printf("   token filter build: %.1f MB/s of raw lines per CPU-second (%zu MB, best of %zu), %zu filter B, digest %016llx\n",
                  static_cast<double>(craw) / 1e6 / best, craw / 1000000, repeat, fbytes,
                  static_cast<unsigned long long>(digest));
      std::fflush(stdout);
    }
    for (size_t level : levels) {
      codec::LogLines dec;
      for (int layout = 0; layout < 2; ++layout) {
        const char* name = layout == 0 ? "plain" : "split";
        if (!has(variants, name)) continue;
        codec::LogLinesOptions o;
        o.level = static_cast<int>(level);
        o.layout = layout == 0 ? codec::LogLayout::kPlain : codec::LogLayout::kSplit;
        size_t bytes = tbytes;
        double cpu = 0;
        std::vector<size_t> per_stream(streams.size());
        for (const Chunk& c : chunks) {
          auto v = views(streams[c.stream], c);
          double t0 = cpu_seconds();
          std::string e = codec::log_lines_encode(v, o);
          cpu += cpu_seconds() - t0;
          codec::log_lines_decode(e, dec);
          check_lines(dec, v);
          bytes += e.size();
          per_stream[c.stream] += e.size();
        }
        report(name, target, level, bytes, cpu);
        if (breakdown)
          for (size_t s = 0; s < streams.size(); ++s)
            std::printf("     %-100s %8.2f B/line ratio %6.2f\n", streams[s].key.c_str(),
                        static_cast<double>(per_stream[s]) / static_cast<double>(streams[s].ends.size()),
                        static_cast<double>(streams[s].data.size()) / static_cast<double>(per_stream[s]));
      }
      if (has(variants, "dict")) {
        for (int layout = 0; layout < 2; ++layout) {
          codec::LogLayout lay = layout == 0 ? codec::LogLayout::kPlain : codec::LogLayout::kSplit;
          size_t bytes = tbytes, dict_total = 0;
          double cpu = 0;
          for (size_t s = 0; s < streams.size(); ++s) {
            const Stream& st = streams[s];
            // Train on the stream's first 4 MB, as a table would at its first compaction;
            // streams smaller than 1 MB get none (the dictionary would outweigh them).
            std::string dict;
            if (st.data.size() >= (1u << 20)) {
              std::vector<std::string_view> sample;
              size_t sb = 0;
              for (size_t i = 0; i < st.ends.size() && sb < (4u << 20); ++i) {
                sample.push_back(st.line(i));
                sb += st.line(i).size();
              }
              dict = codec::log_dictionary_train(sample, 64 << 10, lay);
            }
            dict_total += dict.size();
            codec::LogLinesOptions o;
            o.level = static_cast<int>(level);
            o.layout = lay;
            o.dictionary = dict;
            for (const Chunk& c : chunks) {
              if (c.stream != s) continue;
              auto v = views(st, c);
              double t0 = cpu_seconds();
              std::string e = codec::log_lines_encode(v, o);
              cpu += cpu_seconds() - t0;
              codec::log_lines_decode(e, dec, dict);
              check_lines(dec, v);
              bytes += e.size();
            }
          }
          report(layout == 0 ? "plain+dict" : "split+dict", target, level, bytes + dict_total, cpu);
          std::printf("   (dictionaries: %zu B in all)\n", dict_total);
        }
      }
      if (!has(variants, "chunk")) continue;
      // The chunk as stored: everything included.
      size_t bytes = 0, filter_bytes = 0, split_chunks = 0;
      double cpu = 0;
      std::vector<std::string> encoded(chunks.size()), filters(chunks.size());
      for (size_t ci = 0; ci < chunks.size(); ++ci) {
        const Chunk& c = chunks[ci];
        const Stream& st = streams[c.stream];
        chunk::ChunkData d;
        d.times.assign(st.times.begin() + static_cast<long>(c.first), st.times.begin() + static_cast<long>(c.last));
        chunk::Column col;
        col.kind = chunk::ColumnKind::kBytes;
        col.token_filter = true;
        col.token_filter_fold_case = true;
        col.token_filter_budget = filter_budget;
        col.token_filter_version = filter_version;  // as the line column builds it, any version
        col.log_level = static_cast<int>(level);
        col.log_layout = chunk_layout;
        for (size_t i = c.first; i < c.last; ++i) col.bytes.emplace_back(st.line(i));
        d.columns.push_back(std::move(col));
        double t0 = cpu_seconds();
        encoded[ci] = chunk::encode(d);
        cpu += cpu_seconds() - t0;
        chunk::ChunkSummary sum = chunk::peek(encoded[ci]);
        std::string& f = filters[ci];
        f = sum.columns[0].token_filter;
        if (min_bits > 0 || tri_bits > 0 || min_bytes != SIZE_MAX) {
          // A previous layout (1: trigrams only, 2: one class of tokens) or other settings at
          // the same budget, for comparison.
          codec::TokenFilterOptions fo;
          fo.fold_case = true;
          fo.version = filter_version;
          if (min_bits > 0) fo.min_bits_per_key = min_bits;
          if (tri_bits > 0) fo.trigram_bits_squeezed = tri_bits;
          if (min_bytes != SIZE_MAX) fo.min_bytes = min_bytes;
          codec::TokenFilterBuilder fb(fo);
          for (size_t i = c.first; i < c.last; ++i) fb.add(st.line(i));
          f = fb.finish(static_cast<size_t>(filter_budget * static_cast<double>(encoded[ci].size() - f.size())));
          bytes -= sum.columns[0].token_filter.size();
          bytes += f.size();
        }
        filter_bytes += f.size();
        bytes += encoded[ci].size() + overhead;
        codec::LogLines lines;
        chunk::decode_lines(encoded[ci], 0, lines);
        check_lines(lines, views(st, c));
        chunk::Column back = chunk::decode(encoded[ci]).columns[0];
        if (back.bytes.size() != c.last - c.first) return 1;
      }
      report("chunk (all included)", target, level, bytes, cpu);
      std::printf("   filters %zu B = %.2f%% of the stored bytes\n", filter_bytes,
                  100.0 * static_cast<double>(filter_bytes) / static_cast<double>(bytes));
      (void)split_chunks;
      {
        // Fill: the share of set bits (a Bloom filter at its optimum is half full; near 1 it
        // passes everything).
        double fill = 0, fill_max = 0;
        size_t nf = 0;
        for (const std::string& e : encoded) {
          const std::string& f = filters[static_cast<size_t>(&e - encoded.data())];
          if (f.empty()) continue;
          size_t off = codec::token_filter_version(f) >= 3 ? 8 : codec::token_filter_version(f) == 2 ? 3 : 1;
          size_t set = 0;
          for (size_t i = off; i < f.size(); ++i) set += static_cast<size_t>(__builtin_popcount(static_cast<uint8_t>(f[i])));
          double r = static_cast<double>(set) / static_cast<double>((f.size() - off) * 8);
          fill += r;
          fill_max = std::max(fill_max, r);
          ++nf;
        }
        std::printf("   filter fill: mean %.3f, max %.3f of the bits set (%zu filters)\n", nf ? fill / static_cast<double>(nf) : 0.0,
                    fill_max, nf);
        std::map<unsigned, size_t> by_classes;
        for (const std::string& f : filters) by_classes[codec::token_filter_version(f) * 100 + codec::token_filter_classes(f)]++;
        std::printf("   filters by version*100 + classes (1 text, 2 pairs, 4 digits, 8 long pairs):");
        for (auto& [k, v] : by_classes) std::printf(" %u: %zu", k, v);
        std::printf("\n");
        for (const std::string& needle : named) {
          size_t truth = 0, maybe = 0;
          for (size_t ci = 0; ci < chunks.size(); ++ci) {
            const Chunk& c = chunks[ci];
            const Stream& cs = streams[c.stream];
            size_t b0 = c.first ? cs.ends[c.first - 1] : 0;
            std::string_view text(cs.data.data() + b0, cs.ends[c.last - 1] - b0);
            bool t = text.find(needle) != std::string_view::npos;
            bool m = codec::token_filter_may_contain(filters[ci], needle);
            if (t && !m) {
              std::fprintf(stderr, "false negative for %s\n", needle.c_str());
              return 1;
            }
            truth += t;
            maybe += m;
            if (m && getenv("BENCH_LOGS_VERBOSE")) {
              const std::string& f = filters[ci];
              codec::TokenFilterOptions fo;
              fo.fold_case = true;
              codec::TokenFilterBuilder fb(fo);
              for (size_t i = c.first; i < c.last; ++i) fb.add(cs.line(i));
              std::printf("     passes chunk %zu (%s, %zu lines, %zu raw B, filter %zu B v%d classes %u, stored %zu B, %zu trigrams, "
                          "%zu token keys: %zu text, %zu pairs, %zu long pairs, %zu digits)%s\n", ci,
                          cs.key.c_str(), c.last - c.first, text.size(), f.size(), codec::token_filter_version(f),
                          codec::token_filter_classes(f), encoded[ci].size(), fb.distinct_trigrams(), fb.distinct_token_keys(),
                          fb.distinct_text_keys(), fb.distinct_pair_keys(), fb.distinct_long_pair_keys(), fb.distinct_digit_keys(), t ? " holds it" : "");
            }
          }
          std::printf("   needle \"%s\": passes %zu of %zu chunks (%.2f%%), %zu hold it\n", needle.c_str(), maybe,
                      chunks.size(), 100.0 * static_cast<double>(maybe) / static_cast<double>(chunks.size()), truth);
        }
      }

      // Needles: random tokens (>= 8 bytes of [A-Za-z0-9_.:-]) of random lines.
      if (n_needles > 0) {
        std::mt19937_64 rng(42);
        std::vector<chunk::ChunkSummary> sums;
        for (auto& e : encoded) sums.push_back(chunk::peek(e));
        double read_sum = 0, true_sum = 0, fp_sum = 0, ci_read_sum = 0;
        size_t done = 0, rare = 0, rare_read = 0, rare_chunks = 0;
        while (done < n_needles) {
          const Stream& st = streams[rng() % streams.size()];
          std::string_view l = st.line(rng() % st.ends.size());
          if (l.size() < 8) continue;
          size_t pos = rng() % l.size();
          auto tok = [](char ch) {
            return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                   ch == '_' || ch == '.' || ch == ':' || ch == '-';
          };
          size_t b = pos, e = pos;
          while (b > 0 && tok(l[b - 1])) --b;
          while (e < l.size() && tok(l[e])) ++e;
          if (e - b < 8) continue;
          std::string needle(l.substr(b, e - b));
          std::string upper = needle;
          for (char& ch : upper)
            if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 32);
          std::string nl = lower(needle);
          size_t truth = 0, maybe = 0, ci_maybe = 0;
          for (size_t ci = 0; ci < chunks.size(); ++ci) {
            const Chunk& c = chunks[ci];
            const Stream& cs = streams[c.stream];
            size_t b0 = c.first ? cs.ends[c.first - 1] : 0;
            std::string_view text(cs.data.data() + b0, cs.ends[c.last - 1] - b0);
            bool t = text.find(needle) != std::string_view::npos;
            bool m = codec::token_filter_may_contain(filters[ci], needle);
            bool cm = codec::token_filter_may_contain(filters[ci], upper, true);
            if (t && !m) {
              std::fprintf(stderr, "false negative for %s\n", needle.c_str());
              return 1;
            }
            truth += t;
            maybe += m;
            ci_maybe += cm;
          }
          if (ci_maybe < maybe) {
            std::fprintf(stderr, "case-insensitive false negative for %s\n", needle.c_str());
            return 1;
          }
          double n = static_cast<double>(chunks.size());
          read_sum += static_cast<double>(maybe) / n;
          ci_read_sum += static_cast<double>(ci_maybe) / n;
          true_sum += static_cast<double>(truth) / n;
          if (chunks.size() > truth) fp_sum += static_cast<double>(maybe - truth) / static_cast<double>(chunks.size() - truth);
          if (truth == 1) {
            ++rare;
            rare_read += maybe;
            rare_chunks += chunks.size();
          }
          ++done;
        }
        double d = static_cast<double>(done);
        std::printf("   needles (%zu random tokens >= 8 B): chunks read %.3f%% (containing %.3f%%), false positives "
                    "%.3f%% of the others; ILIKE (upper-cased needle) read %.3f%%; needles in exactly 1 chunk: %zu, "
                    "chunks read %.3f%%\n",
                    done, 100 * read_sum / d, 100 * true_sum / d, 100 * fp_sum / d, 100 * ci_read_sum / d, rare,
                    rare ? 100.0 * static_cast<double>(rare_read) / static_cast<double>(rare_chunks) : 0.0);
      }

      // Decode + `|= word` over every chunk: lines matched, raw bytes per CPU-second.
      if (!scan_word.empty()) {
        double best = 1e30, best_decode = 1e30;
        codec::LogLines scratch;
        for (size_t r = 0; r < repeat; ++r) {
          double t0 = cpu_seconds();
          for (const std::string& e : encoded) chunk::decode_lines(e, 0, scratch);
          best_decode = std::min(best_decode, cpu_seconds() - t0);
        }
        size_t matched = 0;
        codec::LogLines lines;
        for (size_t r = 0; r < repeat; ++r) {
          matched = 0;
          double t0 = cpu_seconds();
          for (const std::string& e : encoded) {
            chunk::decode_lines(e, 0, lines);
            const char* base = lines.data.data();
            size_t n = lines.data.size(), at = 0, li = 0;
            while (at < n) {
              const void* hit = memmem(base + at, n - at, scan_word.data(), scan_word.size());
              if (!hit) break;
              size_t off = static_cast<size_t>(static_cast<const char*>(hit) - base);
              // The line holding the hit (a match may not span two lines).
              li = static_cast<size_t>(std::upper_bound(lines.ends.begin() + static_cast<long>(li), lines.ends.end(), off) -
                                       lines.ends.begin());
              if (off + scan_word.size() <= lines.ends[li]) {
                ++matched;
                at = lines.ends[li];
                ++li;
              } else {
                at = off + 1;
              }
            }
          }
          best = std::min(best, cpu_seconds() - t0);
        }
        std::printf("   scan |= \"%s\": %zu lines matched, decode+filter %.2f GB/s of raw lines per CPU-second, "
                    "decode alone %.2f GB/s (best of %zu)\n",
                    scan_word.c_str(), matched, static_cast<double>(raw) / 1e9 / best,
                    static_cast<double>(raw) / 1e9 / best_decode, repeat);

        // The search alone (the chunks decoded beforehand, not timed): glibc memmem against
        // find_substring (what the scans use), the same loop as mark_values_containing, for the
        // scan word and the named needles; lines matched must agree.
        using Find = const char* (*)(const char*, size_t, std::string_view);
        Find glibc = [](const char* h, size_t n, std::string_view w) {
          return static_cast<const char*>(memmem(h, n, w.data(), w.size()));
        };
        Find simd = codec::find_substring;
        std::vector<std::string> words = {scan_word};
        for (const std::string& w : named) words.push_back(w);
        for (const std::string& w : words) {
          double t_of[2] = {1e30, 1e30};
          size_t m_of[2] = {0, 0};
          for (size_t r = 0; r < repeat; ++r)
            for (int which = 0; which < 2; ++which) {
              Find fn = which ? simd : glibc;
              double t = 0;
              size_t mt = 0;
              for (const std::string& e : encoded) {
                chunk::decode_lines(e, 0, lines);
                const char* base = lines.data.data();
                const size_t n = lines.data.size();
                double t0 = cpu_seconds();
                size_t at = 0, li = 0;
                while (at < n) {
                  const char* hit = fn(base + at, n - at, w);
                  if (!hit) break;
                  size_t off = static_cast<size_t>(hit - base);
                  li = static_cast<size_t>(std::upper_bound(lines.ends.begin() + static_cast<long>(li), lines.ends.end(), off) -
                                           lines.ends.begin());
                  if (off + w.size() <= lines.ends[li]) {
                    ++mt;
                    at = lines.ends[li];
                    ++li;
                  } else {
                    at = off + 1;
                  }
                }
                t += cpu_seconds() - t0;
              }
              t_of[which] = std::min(t_of[which], t);
              m_of[which] = mt;
            }
          std::printf("   search \"%s\" alone: memmem %.2f GB/s, find_substring %.2f GB/s of raw lines per CPU-second "
                      "(%zu / %zu lines matched, best of %zu)\n",
                      w.c_str(), static_cast<double>(raw) / 1e9 / t_of[0], static_cast<double>(raw) / 1e9 / t_of[1], m_of[0],
                      m_of[1], repeat);
          if (m_of[0] != m_of[1]) return 1;
        }
      }
      std::fflush(stdout);
    }
  }
  return 0;
}
