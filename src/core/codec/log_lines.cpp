#include "core/codec/log_lines.h"

#include <zdict.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>

#include "core/codec/byte_io.h"
#include "core/codec/zstd_block.h"

namespace observe::codec {
namespace {

// Split layout: template bytes. A line's template (the skeleton) has its
// numbers replaced by kNumber and the contents of its quoted strings (not JSON
// keys) by kString, and ends with kEnd. Each string's content goes, as an item
// of its own (numbers replaced too, ended by kEnd), to a field stream chosen
// like number slots, by context: the field streams are the columns of the
// line's shape (nginx: request, referer, user agent; JSON: each key's value).
// The special bytes are escaped by kEscape wherever they are literal.
constexpr uint8_t kEnd = 0, kNumber = 1, kString = 2, kEscape = 3;
// Longer digit runs stay text: values must fit an int64 with their deltas.
constexpr size_t kMaxDigits = 18;
// Bounds on the number slots and field streams of a block (later contexts share the last).
constexpr size_t kMaxSlots = 256;
constexpr size_t kMaxFields = 64;

inline bool is_digit(uint8_t c) { return static_cast<unsigned>(c - '0') < 10u; }
inline bool is_alpha(uint8_t c) { return static_cast<unsigned>((c | 0x20) - 'a') < 26u; }

// A section: u8 stored (0 raw, 1 zstd) | varint raw size | [varint frame size] | bytes.
void put_section(std::string& out, std::string_view raw, const LogLinesOptions& o) {
  std::string frame;
  if (!raw.empty()) frame = zstd_compress_dict(raw, o.level, o.dictionary);
  bool z = !raw.empty() && frame.size() < raw.size();
  put_u8(out, z ? 1 : 0);
  put_varint(out, raw.size());
  if (z) {
    put_varint(out, frame.size());
    out += frame;
  } else {
    out.append(raw.data(), raw.size());
  }
}

// Reads a section into dst (resized to the section's raw size, at most `limit`).
// A zstd frame expands at most ~32768 times (an RLE block: 4 bytes for 128 KiB),
// so a forged size cannot make us allocate much more than the input suggests.
template <typename Buffer>
void get_section(ByteReader& in, Buffer& dst, std::string_view dict, size_t limit) {
  uint8_t z = in.u8();
  if (z > 1) corrupt("log section");
  size_t raw = in.count(limit);
  if (z == 0) {
    std::string_view b = in.bytes(raw);
    dst.assign(b.data(), b.size());
    return;
  }
  size_t fl = in.count(in.remaining());
  std::string_view frame = in.bytes(fl);
  if (raw / 65536 > fl) corrupt("log section size");
  dst.resize(raw);  // a ByteBuffer of a chunk's lines: huge pages when fresh (bulk_buffer.h)
  zstd_decompress_into(frame, dst.data(), raw, dict);
}

std::string encode_plain(const std::vector<std::string_view>& lines, size_t total,
                         const LogLinesOptions& o) {
  // Lines that already lie one after the other in memory (a chunk column's one buffer, the
  // usual case: chunk::ByteColumn) are compressed where they are; others are concatenated in a
  // buffer kept between chunks (up to 16 MiB: a fresh one was a new mapping faulted in for every
  // chunk).
  std::string lens;
  lens.reserve(lines.size() * 2);
  bool contiguous = true;
  const char* start = nullptr;  // the first non-empty line's bytes
  const char* next = nullptr;   // where the next non-empty line must begin
  for (auto l : lines) {
    put_varint(lens, l.size());
    if (l.empty()) continue;  // an empty line's pointer says nothing
    if (start == nullptr)
      start = l.data();
    else if (l.data() != next)
      contiguous = false;
    next = l.data() + l.size();
  }
  std::string_view text;
  if (contiguous) {
    if (start != nullptr) text = std::string_view(start, total);
  } else {
    thread_local std::string bytes;
    if (bytes.capacity() > (size_t{16} << 20)) std::string().swap(bytes);
    bytes.clear();
    bytes.reserve(total);
    for (auto l : lines) bytes.append(l.data(), l.size());
    text = bytes;
  }
  std::string out;
  put_u8(out, static_cast<uint8_t>(LogLayout::kPlain));
  put_varint(out, lines.size());
  LogLinesOptions no_dict = o;
  no_dict.dictionary = {};
  put_section(out, lens, no_dict);
  put_section(out, text, o);
  return out;
}

// The numbers of a split block go to slots (integer columns) chosen by their
// context: the last kContext template bytes of the item (line skeleton or
// string field) before the number, e.g. `" ` + number + ` ` for nginx's status.
// The decoder sees the same template bytes, so it finds the same slot without
// any index being stored. A hash of the context picks an entry of a small
// table; colliding contexts share a slot, which costs compression only.
constexpr size_t kContext = 4;
constexpr size_t kSlotTable = 4096;
constexpr uint16_t kNoSlot = 0xffff;

inline uint32_t context_hash(const uint8_t* item_start, const uint8_t* at, uint32_t stream) {
  static_assert(kContext == 4, "one 32-bit load");
  uint32_t key = 0;
  if (at - item_start >= 4) {
    std::memcpy(&key, at - 4, 4);
  } else {
    for (size_t j = 1; at - j >= item_start; ++j) key |= static_cast<uint32_t>(at[-static_cast<long>(j)]) << (8 * (4 - j));
  }
  return ((key ^ stream * 0x9e3779b9u) * 2654435761u) >> 20;  // 12 bits
}

class SlotTable {
 public:
  explicit SlotTable(size_t max) : max_(max) { std::fill(table_, table_ + kSlotTable, kNoSlot); }
  // The slot of a context: a new one (numbered in first-seen order) if unseen,
  // the last one once max are in use.
  uint16_t get(uint32_t hash) {
    uint16_t& e = table_[hash];
    if (e == kNoSlot) {
      if (used_ < max_) ++used_;
      e = static_cast<uint16_t>(used_ - 1);
    }
    return e;
  }
  size_t used() const { return used_; }

 private:
  uint16_t table_[kSlotTable];
  size_t max_, used_ = 0;
};

struct Slot {
  std::string deltas;  // varints of zigzag(v - previous v of the slot)
  std::string values;  // varints of v: smaller for categories (status codes)
  std::string widths;  // digit count of each value (leading zeros kept)
  int64_t prev = 0;
  size_t count = 0;
};

// The end of the JSON-style string opening at p[i] (a quote): the index of its
// closing quote, or 0 if it does not close on this line.
size_t string_end(const uint8_t* p, size_t n, size_t i) {
  for (size_t j = i + 1; j < n; ++j) {
    if (p[j] == '\\') {
      ++j;
      continue;
    }
    if (p[j] == '"') return j;
  }
  return 0;
}

struct Splitter {
  std::vector<std::string> streams{1};  // [0] skeletons, [1 + f] field f
  std::vector<Slot> slots;
  SlotTable numbers{kMaxSlots}, fields{kMaxFields};

  // Appends text to stream `sid`, numbers cut out; the item started at `start`.
  void text(const uint8_t* p, size_t n, uint32_t sid, size_t start, bool split_strings) {
    for (size_t i = 0; i < n;) {
      std::string& out = streams[sid];
      uint8_t c = p[i];
      if (split_strings && c == '"') {
        size_t j = string_end(p, n, i);
        if (j > i + 1 && (j + 1 == n || p[j + 1] != ':')) {
          out.push_back('"');
          const uint8_t* tb = reinterpret_cast<const uint8_t*>(out.data());
          uint16_t f = fields.get(context_hash(tb + start, tb + out.size(), 0));
          out.push_back(static_cast<char>(kString));
          if (streams.size() < fields.used() + 1) streams.resize(fields.used() + 1);
          uint32_t fs = 1 + f;
          text(p + i + 1, j - i - 1, fs, streams[fs].size(), false);
          streams[fs].push_back(static_cast<char>(kEnd));
          streams[sid].push_back('"');
          i = j + 1;
          continue;
        }
      }
      if (is_digit(c) && (i == 0 || !is_alpha(p[i - 1]))) {
        size_t j = i;
        while (j < n && is_digit(p[j])) ++j;
        if (j - i <= kMaxDigits && (j == n || !is_alpha(p[j]))) {
          int64_t v = 0;
          for (size_t t = i; t < j; ++t) v = v * 10 + (p[t] - '0');
          const uint8_t* tb = reinterpret_cast<const uint8_t*>(out.data());
          uint16_t k = numbers.get(context_hash(tb + start, tb + out.size(), sid));
          if (slots.size() < numbers.used()) slots.resize(numbers.used());
          Slot& s = slots[k];
          put_varint(s.deltas, zigzag(v - s.prev));
          put_varint(s.values, static_cast<uint64_t>(v));
          s.prev = v;
          s.widths.push_back(static_cast<char>(j - i));
          ++s.count;
          out.push_back(static_cast<char>(kNumber));
        } else {
          out.append(reinterpret_cast<const char*>(p) + i, j - i);  // glued to letters, or too long
        }
        i = j;
        continue;
      }
      if (c <= kEscape) out.push_back(static_cast<char>(kEscape));
      out.push_back(static_cast<char>(c));
      ++i;
    }
  }

  void add(std::string_view line) {
    text(reinterpret_cast<const uint8_t*>(line.data()), line.size(), 0, streams[0].size(), true);
    streams[0].push_back(static_cast<char>(kEnd));
  }
};

std::string encode_split(const std::vector<std::string_view>& lines, const LogLinesOptions& o) {
  Splitter sp;
  for (auto line : lines) sp.add(line);
  // Per slot: deltas or plain values, whichever is shorter.
  std::vector<bool> delta(sp.slots.size());
  for (size_t k = 0; k < sp.slots.size(); ++k) delta[k] = sp.slots[k].deltas.size() <= sp.slots[k].values.size();
  // Numbers: every slot's values, then every slot's widths.
  std::string nums;
  for (size_t k = 0; k < sp.slots.size(); ++k) nums += delta[k] ? sp.slots[k].deltas : sp.slots[k].values;
  for (const Slot& s : sp.slots) nums += s.widths;
  std::string out, tmpl;
  put_u8(out, static_cast<uint8_t>(LogLayout::kSplit));
  put_varint(out, lines.size());
  size_t total = 0;
  for (auto l : lines) total += l.size();
  put_varint(out, total);
  put_varint(out, sp.streams.size() - 1);
  for (const std::string& t : sp.streams) {
    put_varint(out, t.size());
    tmpl += t;
  }
  put_varint(out, sp.slots.size());
  for (size_t k = 0; k < sp.slots.size(); ++k) {
    const Slot& s = sp.slots[k];
    put_varint(out, s.count);
    put_varint(out, 2 * (delta[k] ? s.deltas.size() : s.values.size()) + (delta[k] ? 1 : 0));
  }
  put_section(out, tmpl, o);
  LogLinesOptions no_dict = o;
  no_dict.dictionary = {};
  put_section(out, nums, no_dict);
  return out;
}

void decode_plain(ByteReader& in, LogLines& out, std::string_view dict) {
  size_t n = in.count(kMaxLogBlockLines);
  std::string lens;
  get_section(in, lens, {}, 10 * n);
  if (lens.size() < n) corrupt("log line lengths");
  get_section(in, out.data, dict, kMaxLogBlockBytes);
  if (!in.empty()) corrupt("log block trailing bytes");
  ByteReader lr(lens);
  out.ends.resize(n);
  uint64_t end = 0;
  for (size_t i = 0; i < n; ++i) {
    end += lr.varint();
    if (end > out.data.size()) corrupt("log line lengths");
    out.ends[i] = static_cast<uint32_t>(end);
  }
  if (end != out.data.size() || !lr.empty()) corrupt("log line lengths");
}

struct SlotCursor {
  ByteReader values{nullptr, 0};
  const uint8_t* widths = nullptr;
  size_t left = 0;
  bool delta = false;
  int64_t prev = 0;
};

// The first byte in [p, end) that is <= kEscape, or end: 16 bytes a step (the
// literal runs of templates are most of the output).
inline const uint8_t* skip_literal(const uint8_t* p, const uint8_t* end) {
#ifdef __SSE2__
  const __m128i limit = _mm_set1_epi8(kEscape);
  while (end - p >= 16) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    int m = _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(x, limit), x));
    if (m) return p + __builtin_ctz(static_cast<unsigned>(m));
    p += 16;
  }
#endif
  while (p < end && *p > kEscape) ++p;
  return p;
}

struct SplitDecoder {
  std::vector<const uint8_t*> pos, end;  // per template stream
  const uint8_t* buf_end = nullptr;       // of all template streams
  std::vector<SlotCursor> cur;
  SlotTable numbers{kMaxSlots}, fields{kMaxFields};
  char* dst = nullptr;
  size_t w = 0, total = 0;

  void number(const uint8_t* item_start, const uint8_t* at, uint32_t sid) {
    uint16_t k = numbers.get(context_hash(item_start, at, sid));
    if (k >= cur.size() || cur[k].left == 0) corrupt("log number slot");
    SlotCursor& s = cur[k];
    --s.left;
    uint64_t v;
    if (!s.values.empty() && *s.values.pos() < 0x80)
      v = s.values.u8();  // one-byte values: most of them
    else
      v = s.values.varint();
    if (s.delta) v = static_cast<uint64_t>(s.prev) + static_cast<uint64_t>(unzigzag(v));
    s.prev = static_cast<int64_t>(v);
    size_t width = *s.widths++;
    if (width == 0 || width > kMaxDigits || width > total - w || v >= 1000000000000000000ULL)
      corrupt("log number");
    // Two digits a step (most numbers are short: octets, times, statuses).
    static const char pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
        "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
        "8081828384858687888990919293949596979899";
    size_t d = width;
    while (d >= 2) {
      size_t r = v % 100;
      v /= 100;
      d -= 2;
      std::memcpy(dst + w + d, pairs + 2 * r, 2);
    }
    if (d) {
      dst[w] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    if (v != 0) corrupt("log number width");
    w += width;
  }

  // Writes one item of stream sid (up to and past its kEnd); returns false at
  // the end of the stream (only the skeleton may end there).
  bool item(uint32_t sid) {
    const uint8_t*& t = pos[sid];
    const uint8_t* tend = end[sid];
    const uint8_t* start = t;
    if (t == tend) return false;
    for (;;) {
      const uint8_t* q = skip_literal(t, tend);
      size_t run = static_cast<size_t>(q - t);
      if (run > total - w) corrupt("log template overflows");
      if (run <= 16 && buf_end - t >= 16 && total - w >= 16)
        std::memcpy(dst + w, t, 16);  // short runs: one fixed-size copy (both buffers have room)
      else
        std::memcpy(dst + w, t, run);
      w += run;
      t = q;
      if (t == tend) corrupt("log template item not ended");
      uint8_t c = *t;
      if (c == kEnd) {
        ++t;
        return true;
      } else if (c == kEscape) {
        if (t + 1 == tend || w == total) corrupt("log template escape");
        dst[w++] = static_cast<char>(t[1]);
        t += 2;
      } else if (c == kNumber) {
        number(start, t, sid);
        ++t;
      } else {  // kString: an item of a field stream
        if (sid != 0) corrupt("log string in a field");
        uint16_t f = fields.get(context_hash(start, t, 0));
        ++t;
        if (f + 1u >= pos.size() || !item(f + 1u)) corrupt("log field stream");
      }
    }
  }
};

void decode_split(ByteReader& in, LogLines& out, std::string_view dict) {
  size_t n = in.count(kMaxLogBlockLines);
  size_t total = in.count(kMaxLogBlockBytes);
  size_t nfields = in.count(kMaxFields);
  std::vector<size_t> tlens(nfields + 1);
  size_t sum_t = 0;
  for (size_t& l : tlens) {
    l = in.count(2 * kMaxLogBlockBytes);
    sum_t += l;
  }
  size_t nslots = in.count(kMaxSlots);
  SplitDecoder d;
  d.cur.resize(nslots);
  std::vector<size_t> vlens(nslots);
  size_t sum_v = 0, sum_w = 0;
  for (size_t s = 0; s < nslots; ++s) {
    d.cur[s].left = in.count(total);
    size_t x = in.count(2 * 10 * static_cast<uint64_t>(d.cur[s].left) + 1);
    vlens[s] = x / 2;
    d.cur[s].delta = x & 1;
    sum_v += vlens[s];
    sum_w += d.cur[s].left;
  }
  std::string tmpl, nums;
  get_section(in, tmpl, dict, 2 * kMaxLogBlockBytes);
  get_section(in, nums, {}, sum_v + sum_w);
  if (!in.empty() || nums.size() != sum_v + sum_w || tmpl.size() != sum_t) corrupt("log block sections");
  // Every line ends with a skeleton byte; every output byte is a template byte or a digit.
  if (n > tlens[0] || total > tmpl.size() + kMaxDigits * sum_w) corrupt("log block sizes");
  const uint8_t* np = reinterpret_cast<const uint8_t*>(nums.data());
  size_t voff = 0, woff = sum_v;
  for (size_t s = 0; s < nslots; ++s) {
    d.cur[s].values = ByteReader(np + voff, vlens[s]);
    d.cur[s].widths = np + woff;
    voff += vlens[s];
    woff += d.cur[s].left;
  }
  const uint8_t* tp = reinterpret_cast<const uint8_t*>(tmpl.data());
  for (size_t l : tlens) {
    d.pos.push_back(tp);
    d.end.push_back(tp + l);
    tp += l;
  }
  out.data.resize(total);
  out.ends.resize(n);
  d.dst = out.data.data();
  d.total = total;
  d.buf_end = tp;
  size_t line = 0;
  while (d.item(0)) {
    if (line == n) corrupt("log template lines");
    out.ends[line++] = static_cast<uint32_t>(d.w);
  }
  if (line != n || d.w != total) corrupt("log template lines");
  for (size_t s = 0; s < d.pos.size(); ++s)
    if (d.pos[s] != d.end[s]) corrupt("log field streams");
  for (const SlotCursor& s : d.cur)
    if (s.left != 0 || !s.values.empty()) corrupt("log number slots");
}

}  // namespace

std::string log_lines_encode(const std::vector<std::string_view>& lines, const LogLinesOptions& o) {
  if (lines.size() > kMaxLogBlockLines) throw Error(ErrorKind::kInvalidParameter, "too many log lines in one block");
  size_t total = 0;
  for (auto l : lines) total += l.size();
  if (total > kMaxLogBlockBytes) throw Error(ErrorKind::kInvalidParameter, "log block too large");
  if (o.layout == LogLayout::kPlain) return encode_plain(lines, total, o);
  if (o.layout == LogLayout::kSplit) return encode_split(lines, o);
  std::string a = encode_plain(lines, total, o), b = encode_split(lines, o);
  return b.size() < a.size() ? b : a;
}

void log_lines_decode(std::string_view encoded, LogLines& out, std::string_view dictionary) {
  ByteReader in(encoded);
  uint8_t layout = in.u8();
  if (layout == static_cast<uint8_t>(LogLayout::kPlain))
    decode_plain(in, out, dictionary);
  else if (layout == static_cast<uint8_t>(LogLayout::kSplit))
    decode_split(in, out, dictionary);
  else
    corrupt("log block layout");
}

LogLayout log_lines_layout(std::string_view encoded) {
  if (encoded.empty()) corrupt("log block");
  return static_cast<LogLayout>(encoded[0]);
}

std::string log_dictionary_train(const std::vector<std::string_view>& samples, size_t max_bytes,
                                 LogLayout layout) {
  std::string buf;
  std::vector<size_t> sizes;
  Splitter sp;
  for (auto s : samples) {
    if (layout == LogLayout::kSplit) {
      for (std::string& t : sp.streams) t.clear();
      sp.slots.clear();  // only the templates are wanted
      sp.add(s);
      size_t before = buf.size();
      for (const std::string& t : sp.streams) buf += t;
      sizes.push_back(buf.size() - before);
    } else {
      buf.append(s.data(), s.size());
      sizes.push_back(s.size());
    }
  }
  std::string dict(max_bytes, '\0');
  size_t n = ZDICT_trainFromBuffer(dict.data(), dict.size(), buf.data(), sizes.data(),
                                   static_cast<unsigned>(sizes.size()));
  if (ZDICT_isError(n)) return std::string();
  dict.resize(n);
  return dict;
}

}  // namespace observe::codec
