#include "core/ingest/decompress.h"

#include <gtest/gtest.h>
#include <snappy.h>
#include <zlib.h>

#include <random>

#include "core/common/error.h"

using namespace observe;
using namespace observe::ingest;

namespace {

// zlib's own deflate, in the wrapping asked for (window_bits: 31 gzip, 15 zlib, -15 raw).
std::string compress_with(std::string_view in, int window_bits) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = in.size();
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = out.size();
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string sample_text(size_t n) {
  std::mt19937 rng(7);
  std::string s;
  while (s.size() < n) s += "level=info msg=\"request " + std::to_string(rng() % 1000) + "\"\n";
  s.resize(n);
  return s;
}

ErrorKind kind_of(std::string_view in, ContentEncoding enc, size_t max) {
  std::string out;
  try {
    decompress(in, enc, max, &out);
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::kInternal;  // no error
}

}  // namespace

TEST(Decompress, RoundTripsEveryEncoding) {
  std::string text = sample_text(300000);
  std::string out;
  decompress(compress_with(text, 31), ContentEncoding::kGzip, 1 << 20, &out);
  EXPECT_EQ(out, text);
  decompress(compress_with(text, -15), ContentEncoding::kDeflate, 1 << 20, &out);
  EXPECT_EQ(out, text);
  decompress(compress_with(text, 15), ContentEncoding::kDeflate, 1 << 20, &out);  // zlib wrapped
  EXPECT_EQ(out, text);
  std::string sn;
  snappy::Compress(text.data(), text.size(), &sn);
  decompress(sn, ContentEncoding::kSnappy, 1 << 20, &out);
  EXPECT_EQ(out, text);
  decompress(text, ContentEncoding::kIdentity, 1 << 20, &out);
  EXPECT_EQ(out, text);
}

TEST(Decompress, ExactLimitPassesOneByteMoreFails) {
  std::string text = sample_text(100000);
  std::string gz = compress_with(text, 31);
  std::string out;
  decompress(gz, ContentEncoding::kGzip, text.size(), &out);
  EXPECT_EQ(out, text);
  EXPECT_EQ(kind_of(gz, ContentEncoding::kGzip, text.size() - 1), ErrorKind::kLimitExceeded);
  std::string sn;
  snappy::Compress(text.data(), text.size(), &sn);
  EXPECT_EQ(kind_of(sn, ContentEncoding::kSnappy, text.size() - 1), ErrorKind::kLimitExceeded);
  EXPECT_EQ(kind_of(text, ContentEncoding::kIdentity, text.size() - 1), ErrorKind::kLimitExceeded);
}

TEST(Decompress, BombStopsAtTheLimit) {
  std::string zeros(64u << 20, '\0');  // 64 MB of zeros: about 64 kB of gzip
  std::string gz = compress_with(zeros, 31);
  ASSERT_LT(gz.size(), 200000u);
  std::string out;
  try {
    decompress(gz, ContentEncoding::kGzip, 1 << 20, &out);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kLimitExceeded);
    EXPECT_NE(std::string(e.what()).find("1048576"), std::string::npos) << e.what();
  }
  EXPECT_LE(out.capacity(), (2u << 20));
}

TEST(Decompress, ConcatenatedGzipMembersAreOneStream) {
  std::string a = sample_text(1000), b = sample_text(2000);
  std::string out;
  decompress(compress_with(a, 31) + compress_with(b, 31), ContentEncoding::kGzip, 1 << 20, &out);
  EXPECT_EQ(out, a + b);
}

TEST(Decompress, CorruptAndTruncatedInputIsADataError) {
  std::string text = sample_text(50000);
  std::string gz = compress_with(text, 31);
  EXPECT_EQ(kind_of(gz.substr(0, gz.size() / 2), ContentEncoding::kGzip, 1 << 20), ErrorKind::kDataException);
  EXPECT_EQ(kind_of("not gzip at all", ContentEncoding::kGzip, 1 << 20), ErrorKind::kDataException);
  EXPECT_EQ(kind_of(gz + "junk", ContentEncoding::kGzip, 1 << 20), ErrorKind::kDataException);
  EXPECT_EQ(kind_of("\xff\xff\xff\xff\x0f", ContentEncoding::kSnappy, 1 << 20), ErrorKind::kLimitExceeded);
  EXPECT_EQ(kind_of("\x05\x00", ContentEncoding::kSnappy, 1 << 20), ErrorKind::kDataException);
  std::string raw = compress_with(text, -15);
  raw[raw.size() / 2] ^= 0x55;
  ErrorKind k = kind_of(raw, ContentEncoding::kDeflate, 1 << 20);
  // A flipped bit either breaks the stream or decodes to different bytes; never a crash.
  EXPECT_TRUE(k == ErrorKind::kDataException || k == ErrorKind::kInternal);
}

TEST(Decompress, ContentEncodingHeader) {
  EXPECT_EQ(content_encoding_from_header(""), ContentEncoding::kIdentity);
  EXPECT_EQ(content_encoding_from_header("GZIP"), ContentEncoding::kGzip);
  EXPECT_EQ(content_encoding_from_header(" deflate "), ContentEncoding::kDeflate);
  EXPECT_EQ(content_encoding_from_header("snappy"), ContentEncoding::kSnappy);
  try {
    content_encoding_from_header("br");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kFeatureNotSupported);
    EXPECT_STREQ(e.what(), "Content-Encoding \"br\" not supported");
  }
}
