#include "core/chunk/header.h"

#include <algorithm>
#include <cstring>

#include "core/codec/byte_io.h"
#include "core/codec/integer.h"
#include "core/codec/token_filter.h"

namespace observe::chunk::detail {

using namespace observe::codec;

namespace {

uint64_t float_bits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, 8);
  return b;
}
double bits_float(uint64_t b) {
  double d;
  std::memcpy(&d, &b, 8);
  return d;
}

}  // namespace

std::string assemble(const std::vector<int64_t>& times, const std::vector<EncodedColumn>& cols) {
  const size_t rows = times.size();
  int64_t tmin = 0, tmax = 0;
  if (rows > 0) {
    tmin = tmax = times[0];
    for (int64_t t : times) {
      if (t < tmin) tmin = t;
      if (t > tmax) tmax = t;
    }
  }
  // A 1-row chunk's time is its min_time: no payload (a write batch of one
  // scrape is a 1-row chunk per series until compaction merges them).
  std::string time_payload;
  if (rows != 1) encode_ints(times.data(), rows, time_payload, tmin);

  std::string out;
  size_t total = time_payload.size();
  for (const auto& c : cols) total += c.payload.size();
  out.reserve(total + 16 + cols.size() * 8);
  put_u8(out, kFormatVersion);
  put_varint(out, rows);
  put_varint(out, cols.size());
  put_varint(out, zigzag(tmin));
  put_varint(out, static_cast<uint64_t>(tmax) - static_cast<uint64_t>(tmin));
  put_varint(out, time_payload.size());
  for (const auto& c : cols) {
    const ColumnSummary& s = c.summary;
    uint8_t flags = static_cast<uint8_t>(s.kind);
    if (s.null_count > 0) flags |= kHasNulls;
    if (s.has_minmax) flags |= kHasMinMax;
    if (!s.token_filter.empty()) flags |= kHasFilter;
    // A constant float column (and every 1-row chunk) stores its value once.
    const bool one_float = s.has_minmax && s.kind == ColumnKind::kFloat64 &&
                           float_bits(s.min_float) == float_bits(s.max_float);
    if (one_float) flags |= kMinIsMax;
    if (s.kind == ColumnKind::kFloat64 && s.no_nan) flags |= kNoNaN;
    put_u8(out, flags);
    if (s.null_count > 0) put_varint(out, s.null_count);
    if (s.has_minmax) {
      if (s.kind == ColumnKind::kFloat64) {
        put_float_varint(out, float_bits(s.min_float));
        if (!one_float) put_float_varint(out, float_bits(s.max_float));
      } else {
        put_varint(out, zigzag(s.min_int));
        put_varint(out, static_cast<uint64_t>(s.max_int) - static_cast<uint64_t>(s.min_int));
      }
    }
    if (!s.token_filter.empty()) {
      put_varint(out, s.token_filter.size());
      out += s.token_filter;
    }
    put_varint(out, c.payload.size());
  }
  out += time_payload;
  for (const auto& c : cols) out += c.payload;
  return out;
}

namespace {

// The header up to the column payload lengths; lens empty when prefix_only.
// filter_views (if not null): each column's token filter as a view into the input (empty if it
// has none) instead of a copy in the summary's token_filter.
void parse_summary(ByteReader& in, ChunkSummary& s, size_t* time_len, std::vector<size_t>* lens, bool prefix_only,
                   size_t prefix_size = 0, size_t* need = nullptr,
                   std::vector<std::string_view>* filter_views = nullptr);

}  // namespace

Header parse_header(std::string_view encoded) {
  Header h;
  ByteReader in(encoded);
  size_t time_len = 0;
  std::vector<size_t> lens;
  parse_summary(in, h.summary, &time_len, &lens, false);
  size_t need = time_len;
  for (size_t l : lens) {
    if (l > in.remaining()) corrupt("column length");
    need += l;
    if (need > in.remaining()) corrupt("column lengths exceed the chunk");
  }
  if (need != in.remaining()) corrupt("chunk length");
  const size_t ncols = lens.size();
  h.time_payload = in.bytes(time_len);
  h.payloads.resize(ncols);
  for (size_t i = 0; i < ncols; ++i) h.payloads[i] = in.bytes(lens[i]);
  h.summary.encoded_size = encoded.size();
  return h;
}

bool parse_summary_prefix(std::string_view prefix, ChunkSummary* out, size_t* need) {
  ByteReader in(prefix);
  size_t time_len = 0;
  if (need != nullptr) *need = 0;
  try {
    parse_summary(in, *out, &time_len, nullptr, true, prefix.size(), need);
  } catch (const Error&) {
    return false;  // cut short (or corrupt: the whole chunk's parse says which)
  }
  if (need != nullptr) *need = prefix.size() - in.remaining();
  return true;
}

bool parse_filters_prefix(std::string_view prefix, std::vector<std::string_view>* filters) {
  // The summary's other fields are parsed (and checked) into a scratch reused call after call:
  // what this is for (a cached header tested in place) must not allocate per chunk.
  thread_local ChunkSummary scratch;
  ByteReader in(prefix);
  size_t time_len = 0;
  try {
    parse_summary(in, scratch, &time_len, nullptr, true, prefix.size(), nullptr, filters);
  } catch (const Error&) {
    return false;
  }
  return true;
}

namespace {

void parse_summary(ByteReader& in, ChunkSummary& s, size_t* time_len_out, std::vector<size_t>* lens_out,
                   bool prefix_only, size_t prefix_size, size_t* need, std::vector<std::string_view>* filter_views) {
  s.version = in.u8();
  if (s.version != kFormatVersion) corrupt("unknown chunk format version");
  s.rows = static_cast<uint32_t>(in.count(kMaxRows));
  // Each column takes at least 2 header bytes, which bounds the count.
  size_t ncols = in.count(std::min<size_t>(in.remaining() / 2, kMaxColumns));
  uint64_t zmin = in.varint();
  uint64_t span = in.varint();
  s.min_time = unzigzag(zmin);
  s.max_time = static_cast<int64_t>(static_cast<uint64_t>(s.min_time) + span);
  if (s.max_time < s.min_time) corrupt("time range");
  if (s.rows == 0 && span != 0) corrupt("time range of an empty chunk");
  size_t time_len = prefix_only ? in.varint() : in.count(in.remaining());
  std::vector<size_t> lens(lens_out != nullptr ? ncols : 0);
  s.columns.resize(ncols);
  if (filter_views != nullptr) filter_views->assign(ncols, std::string_view());
  for (size_t i = 0; i < ncols; ++i) {
    ColumnSummary& c = s.columns[i];
    c = ColumnSummary();  // a reused summary (parse_filters_prefix) keeps nothing of before
    uint8_t flags = in.u8();
    if (flags & ~(kKindMask | kHasNulls | kHasMinMax | kHasFilter | kMinIsMax | kNoNaN))
      corrupt("column flags");
    if ((flags & kNoNaN) && (flags & kKindMask) != static_cast<uint8_t>(ColumnKind::kFloat64))
      corrupt("column flags");
    if ((flags & kMinIsMax) && (!(flags & kHasMinMax) || (flags & kKindMask) != static_cast<uint8_t>(ColumnKind::kFloat64)))
      corrupt("column flags");
    c.kind = static_cast<ColumnKind>(flags & kKindMask);
    c.no_nan = (flags & kNoNaN) != 0;
    if (flags & kHasNulls) {
      c.null_count = static_cast<uint32_t>(in.count(s.rows));
      if (c.null_count == 0) corrupt("null count");
    }
    if (flags & kHasMinMax) {
      if (c.kind == ColumnKind::kBytes || c.null_count == s.rows) corrupt("zone map");
      c.has_minmax = true;
      if (c.kind == ColumnKind::kFloat64) {
        c.min_float = bits_float(get_float_varint(in));
        c.max_float = (flags & kMinIsMax) ? c.min_float : bits_float(get_float_varint(in));
      } else {
        c.min_int = unzigzag(in.varint());
        c.max_int = static_cast<int64_t>(static_cast<uint64_t>(c.min_int) + in.varint());
      }
    }
    if (flags & kHasFilter) {
      if (c.kind != ColumnKind::kBytes) corrupt("token filter on a non-bytes column");
      const size_t flen = prefix_only ? in.varint() : in.count(in.remaining());
      if (prefix_only && flen > in.remaining()) {
        // Cut short in the filter: the prefix needed is at least up to its end, and the few
        // bytes of the rest of the header (a varint length, the next columns' flags).
        if (need != nullptr) *need = prefix_size - in.remaining() + flen + 64;
        corrupt("chunk header cut short");
      }
      std::string_view f = in.bytes(flen);
      token_filter_check(f);
      if (f.empty()) corrupt("empty token filter");
      if (filter_views != nullptr)
        (*filter_views)[i] = f;
      else
        c.token_filter.assign(f.data(), f.size());
    }
    const size_t len = prefix_only ? in.varint() : in.count(in.remaining());
    if (lens_out != nullptr) lens[i] = len;
  }
  *time_len_out = time_len;
  if (lens_out != nullptr) *lens_out = std::move(lens);
}

}  // namespace

}  // namespace observe::chunk::detail
