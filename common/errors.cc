#include "common/errors.h"

#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/utf8.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace passerelle::common {
namespace {

constexpr absl::string_view kTypePrefix = "type.googleapis.com/";

std::string BadRequestTypeUrl() {
  return absl::StrCat(kTypePrefix, google::rpc::BadRequest::descriptor()->full_name());
}

}  // namespace

// Descriptions may quote what a client sent, and the gateway's field paths are the client's own:
// kept as UTF-8 so that the BadRequest payload is one protobuf can carry.
void FieldViolations::Add(std::string field, std::string description) {
  violations_.push_back({ToUtf8(field), ToUtf8(description)});
}

absl::Status FieldViolations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  google::rpc::BadRequest bad_request;
  std::vector<std::string> parts;
  for (const Violation& v : violations_) {
    auto* fv = bad_request.add_field_violations();
    fv->set_field(v.field);
    fv->set_description(v.description);
    parts.push_back(absl::StrCat(v.field, ": ", v.description));
  }
  absl::Status status = absl::InvalidArgumentError(absl::StrJoin(parts, "; "));
  status.SetPayload(BadRequestTypeUrl(), absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status InvalidField(std::string field, std::string description) {
  FieldViolations v;
  v.Add(std::move(field), std::move(description));
  return v.ToStatus();
}

std::vector<FieldViolations::Violation> ViolationsOf(const absl::Status& status) {
  std::vector<FieldViolations::Violation> out;
  auto payload = status.GetPayload(BadRequestTypeUrl());
  google::rpc::BadRequest bad_request;
  if (!payload || !bad_request.ParseFromString(std::string(*payload))) return out;
  for (const auto& fv : bad_request.field_violations())
    out.push_back({fv.field(), fv.description()});
  return out;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(ToUtf8(status.message()));
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    auto* any = details.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
  });
  // absl::StatusCode and grpc::StatusCode share the canonical numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()),
                      details.details_size() > 0 ? details.SerializeAsString() : std::string());
}

}  // namespace passerelle::common
