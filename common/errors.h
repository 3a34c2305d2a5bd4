#ifndef PASSERELLE_COMMON_ERRORS_H_
#define PASSERELLE_COMMON_ERRORS_H_

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace passerelle::common {

// Field-level reasons for an INVALID_ARGUMENT, gathered by validators and carried inside the absl::Status as a
// google.rpc.BadRequest payload, so that the edge can hand them to clients unchanged.
class FieldViolations {
 public:
  struct Violation {
    std::string field;  // path as clients spell it, e.g. "structure.contact.email"
    std::string description;
  };

  void Add(std::string field, std::string description);
  bool empty() const { return violations_.empty(); }
  const std::vector<Violation>& violations() const { return violations_; }

  // OkStatus when empty; otherwise INVALID_ARGUMENT whose message lists every violation.
  absl::Status ToStatus() const;

 private:
  std::vector<Violation> violations_;
};

// One violation, as a status.
absl::Status InvalidField(std::string field, std::string description);

// The violations carried by `status` (empty when it carries none).
std::vector<FieldViolations::Violation> ViolationsOf(const absl::Status& status);

// The one mapping from our statuses to the wire: same code and message, and every payload (BadRequest, ...)
// packed as google.rpc.Status details so gRPC clients can read them from grpc-status-details-bin.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace passerelle::common

#endif  // PASSERELLE_COMMON_ERRORS_H_
