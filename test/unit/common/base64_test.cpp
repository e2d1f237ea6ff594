#include "core/common/base64.h"

#include <gtest/gtest.h>

namespace observe {
namespace {

TEST(Base64, DecodesRfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"Zg==", "f"}, {"Zm8=", "fo"}, {"Zm9v", "foo"}, {"Zm9vYg==", "foob"},
      {"Zm9vYmE=", "fooba"}, {"Zm9vYmFy", "foobar"}};
  for (const auto& [in, want] : vectors) {
    std::string out;
    EXPECT_TRUE(base64_decode(in, false, &out)) << in;
    EXPECT_EQ(out, want) << in;
  }
}

TEST(Base64, EncodesRfc4648VectorsAndBinary) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [in, want] : vectors) EXPECT_EQ(base64_encode(in), want) << in;
  std::string bytes;
  for (int i = 0; i < 256; i++) bytes.push_back(static_cast<char>(i));
  std::string back;
  ASSERT_TRUE(base64_decode(base64_encode(bytes), false, &back));
  EXPECT_EQ(back, bytes);
}

TEST(Base64, WhitespaceOnlyWhenAskedAndBadBytesRefused) {
  std::string out;
  EXPECT_TRUE(base64_decode("Zm9v\n YmFy", true, &out));  // a folded YAML !!binary scalar
  EXPECT_EQ(out, "foobar");
  EXPECT_FALSE(base64_decode("Zm9v YmFy", false, &out));
  EXPECT_FALSE(base64_decode("Zm9v*", true, &out));
  EXPECT_TRUE(base64_decode("Zg==Zm9v", false, &out));  // the first '=' ends the data
  EXPECT_EQ(out, "f");
}

}  // namespace
}  // namespace observe
