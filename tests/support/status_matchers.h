#ifndef PASSERELLE_TESTS_SUPPORT_STATUS_MATCHERS_H_
#define PASSERELLE_TESTS_SUPPORT_STATUS_MATCHERS_H_

// Reading a grpc::Status as a client does: its code, and the google.rpc.BadRequest field violations
// the node packs into error_details (a serialized google.rpc.Status whose details are Any
// messages).

#include <ostream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "grpcpp/support/status.h"

namespace passerelle::testing {

// The field paths of every google.rpc.BadRequest violation carried by `status`, in order; empty
// when it carries none or its details do not parse.
std::vector<std::string> BadRequestFields(const grpc::Status& status);

// "CODE: message", for failure output.
std::string Describe(const grpc::Status& status);

// Matches a grpc::Status with code `code`; explains a mismatch with the actual code and message.
MATCHER_P(HasCode, code, "has gRPC code " + ::testing::PrintToString(static_cast<int>(code))) {
  *result_listener << "which is " << ::passerelle::testing::Describe(arg);
  return arg.error_code() == code;
}

// Matches an OK grpc::Status.
MATCHER(IsOk, "is OK") {
  *result_listener << "which is " << ::passerelle::testing::Describe(arg);
  return arg.ok();
}

// Matches an INVALID_ARGUMENT grpc::Status whose BadRequest field paths match `fields_matcher`.
MATCHER_P(IsInvalidArgumentOn, fields_matcher,
          "is INVALID_ARGUMENT with BadRequest fields that " +
              ::testing::DescribeMatcher<std::vector<std::string>>(fields_matcher)) {
  *result_listener << "which is " << ::passerelle::testing::Describe(arg) << " naming fields "
                   << ::testing::PrintToString(::passerelle::testing::BadRequestFields(arg));
  return arg.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
         ::testing::Matches(fields_matcher)(::passerelle::testing::BadRequestFields(arg));
}

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_SUPPORT_STATUS_MATCHERS_H_
