#include "tests/support/status_matchers.h"

#include "absl/strings/str_cat.h"
#include "google/rpc/code.pb.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace passerelle::testing {

std::vector<std::string> BadRequestFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status details;
  if (status.error_details().empty() || !details.ParseFromString(status.error_details()))
    return fields;
  for (const google::protobuf::Any& any : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations())
      fields.push_back(violation.field());
  }
  return fields;
}

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(google::rpc::Code_Name(static_cast<google::rpc::Code>(status.error_code())),
                      ": ", status.error_message());
}

}  // namespace passerelle::testing
