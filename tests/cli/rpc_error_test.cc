#include "cli/rpc_error.h"

#include "gmock/gmock.h"
#include "google/rpc/code.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"

namespace passerelle::cli {
namespace {

using ::testing::HasSubstr;

TEST(DescribeRpcErrorTest, ShowsTheCodeAndMessage) {
  EXPECT_EQ(DescribeRpcError(grpc::Status(grpc::StatusCode::NOT_FOUND, "no structure 123")),
            "error: NOT_FOUND: no structure 123\n");
}

TEST(DescribeRpcErrorTest, ShowsEachFieldViolationOnItsOwnLine) {
  google::rpc::BadRequest bad_request;
  auto* v = bad_request.add_field_violations();
  v->set_field("structure.siret");
  v->set_description("fails the Luhn check");
  v = bad_request.add_field_violations();
  v->set_field("structure.departments[0]");
  v->set_description("unknown department '99'");
  google::rpc::Status details;
  details.set_code(google::rpc::INVALID_ARGUMENT);
  details.add_details()->PackFrom(bad_request);

  std::string text = DescribeRpcError(
      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "invalid", details.SerializeAsString()));
  EXPECT_THAT(text, HasSubstr("error: INVALID_ARGUMENT: invalid\n"));
  EXPECT_THAT(text, HasSubstr("\n  structure.siret: fails the Luhn check\n"));
  EXPECT_THAT(text, HasSubstr("\n  structure.departments[0]: unknown department '99'\n"));
}

}  // namespace
}  // namespace passerelle::cli
