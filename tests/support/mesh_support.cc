#include "tests/support/mesh_support.h"

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "passerelle/v1/mesh.grpc.pb.h"

namespace passerelle::testing {
namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(20);

void SetDeadline(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
}

absl::Status FromGrpc(const grpc::Status& status) {
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

std::string Describe(const absl::StatusOr<v1::DigestResponse>& digest) {
  if (!digest.ok()) return digest.status().ToString();
  std::string out = absl::StrCat(digest->partner_id(), " vector {");
  for (const auto& [origin, sequence] : VectorOf(digest->vector())) {
    absl::StrAppend(&out, " ", origin, ":", sequence);
  }
  absl::StrAppend(&out, " } records {");
  for (const v1::KindDigest& kind : digest->kinds())
    absl::StrAppend(&out, " ", kind.kind(), ":", kind.records());
  absl::StrAppend(&out, " }");
  return out;
}

}  // namespace

absl::StatusOr<v1::DigestResponse> DigestOf(const std::shared_ptr<grpc::Channel>& channel,
                                            absl::Duration timeout) {
  grpc::ClientContext context;
  SetDeadline(&context, timeout);
  v1::DigestResponse digest;
  grpc::Status status =
      v1::MeshService::NewStub(channel)->Digest(&context, v1::DigestRequest(), &digest);
  if (!status.ok()) return FromGrpc(status);
  return digest;
}

absl::StatusOr<v1::MeshStatus> MeshStatusOf(const std::shared_ptr<grpc::Channel>& channel,
                                            absl::Duration timeout) {
  grpc::ClientContext context;
  SetDeadline(&context, timeout);
  v1::MeshStatus mesh_status;
  grpc::Status status = v1::MeshService::NewStub(channel)->GetMeshStatus(
      &context, v1::GetMeshStatusRequest(), &mesh_status);
  if (!status.ok()) return FromGrpc(status);
  return mesh_status;
}

std::map<std::string, uint64_t> VectorOf(const v1::VersionVector& vector) {
  return std::map<std::string, uint64_t>(vector.sequences().begin(), vector.sequences().end());
}

uint64_t SequenceOf(const v1::VersionVector& vector, const std::string& origin) {
  auto found = vector.sequences().find(origin);
  return found == vector.sequences().end() ? 0 : found->second;
}

uint64_t RecordsOf(const v1::DigestResponse& digest, const std::string& kind) {
  for (const v1::KindDigest& k : digest.kinds()) {
    if (k.kind() == kind) return k.records();
  }
  return 0;
}

bool SameVector(const v1::VersionVector& a, const v1::VersionVector& b) {
  return VectorOf(a) == VectorOf(b);
}

bool SameState(const v1::DigestResponse& a, const v1::DigestResponse& b) {
  if (!SameVector(a.vector(), b.vector()) || a.kinds_size() != b.kinds_size()) return false;
  for (int i = 0; i < a.kinds_size(); ++i) {
    if (a.kinds(i).kind() != b.kinds(i).kind() || a.kinds(i).sha256() != b.kinds(i).sha256())
      return false;
  }
  return true;
}

::testing::AssertionResult AwaitConvergence(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels, bool compare_records,
    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<absl::StatusOr<v1::DigestResponse>> last;
  while (true) {
    last.clear();
    bool all = true;
    for (const std::shared_ptr<grpc::Channel>& channel : channels) {
      last.push_back(DigestOf(channel, absl::Seconds(5)));
      if (!last.back().ok()) {
        all = false;
      } else if (last.size() > 1 && last.front().ok()) {
        all = all && (compare_records ? SameState(*last.front(), *last.back())
                                      : SameVector(last.front()->vector(), last.back()->vector()));
      }
    }
    if (all) return ::testing::AssertionSuccess();
    if (absl::Now() >= deadline) break;
    absl::SleepFor(kPollInterval);
  }
  ::testing::AssertionResult failure = ::testing::AssertionFailure();
  failure << "no convergence within " << absl::FormatDuration(timeout) << "; last digests:";
  for (const auto& digest : last) failure << "\n  " << Describe(digest);
  return failure;
}

::testing::AssertionResult AwaitMeshStatus(const std::shared_ptr<grpc::Channel>& channel,
                                           const std::function<bool(const v1::MeshStatus&)>& ready,
                                           absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<v1::MeshStatus> last;
  while (true) {
    last = MeshStatusOf(channel, absl::Seconds(5));
    if (last.ok() && ready(*last)) return ::testing::AssertionSuccess();
    if (absl::Now() >= deadline) break;
    absl::SleepFor(kPollInterval);
  }
  return ::testing::AssertionFailure()
         << "mesh status not as awaited within " << absl::FormatDuration(timeout)
         << "; last: " << (last.ok() ? last->DebugString() : last.status().ToString());
}

}  // namespace passerelle::testing
