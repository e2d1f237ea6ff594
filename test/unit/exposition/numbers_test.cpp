#include <gtest/gtest.h>
#include "core/exposition/numbers.h"
TEST(Numbers, Placeholder) { double d; EXPECT_EQ(observe::exposition::parse_go_float("1", &d), observe::exposition::NumberStatus::kOk); }
