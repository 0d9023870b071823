#include "base/error_codes.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

#include "base/result.h"

namespace sr {

TEST(ErrorCodes, EveryCodeHasDistinctNameAndValidStatus) {
  std::set<std::string> names;
  for (ErrorCode c : kAllErrorCodes) {
    std::string name(error_code_name(c));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << "duplicate name " << name;
    int status = error_http_status(c);
    EXPECT_GE(status, 400);
    EXPECT_LT(status, 600);
    EXPECT_FALSE(error_openai_type(c).empty());
  }
}

TEST(ErrorCodes, KnownMappings) {
  EXPECT_EQ(error_http_status(ErrorCode::kBadRequestJson), 400);
  EXPECT_EQ(error_http_status(ErrorCode::kUnknownModel), 404);
  EXPECT_EQ(error_http_status(ErrorCode::kBodyTooLarge), 413);
  EXPECT_EQ(error_http_status(ErrorCode::kUpstreamTimeout), 504);
}

TEST(Result, CarriesErrorOrValue) {
  Result<int> ok = 3;
  Result<int> bad = fail(ErrorCode::kUnknownModel, "model 'x' is not configured");
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 3);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kUnknownModel);
  EXPECT_EQ(bad.error().message, "model 'x' is not configured");
}

}  // namespace sr
