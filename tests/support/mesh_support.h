#ifndef PASSERELLE_TESTS_SUPPORT_MESH_SUPPORT_H_
#define PASSERELLE_TESTS_SUPPORT_MESH_SUPPORT_H_

// Asking mesh nodes where they stand, for tests that run several: their digests, their replication
// status, and whether they have converged. Works on channels, so the same helpers serve in-process
// nodes (TestNode) and node processes (NodeProcess).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "gtest/gtest.h"
#include "passerelle/v1/mesh.pb.h"

namespace passerelle::testing {

// The node's Digest over `channel`; the call's error if it fails or `timeout` passes.
absl::StatusOr<v1::DigestResponse> DigestOf(const std::shared_ptr<grpc::Channel>& channel,
                                            absl::Duration timeout = absl::Seconds(10));

// The node's GetMeshStatus over `channel`.
absl::StatusOr<v1::MeshStatus> MeshStatusOf(const std::shared_ptr<grpc::Channel>& channel,
                                            absl::Duration timeout = absl::Seconds(10));

// A version vector as an ordered map, origin partner → highest sequence held (printable by gtest).
std::map<std::string, uint64_t> VectorOf(const v1::VersionVector& vector);

// The sequence `vector` holds for `origin`; 0 when it names none.
uint64_t SequenceOf(const v1::VersionVector& vector, const std::string& origin);

// How many records of `kind` the digest counts; 0 when the kind is absent.
uint64_t RecordsOf(const v1::DigestResponse& digest, const std::string& kind);

// Same version vector.
bool SameVector(const v1::VersionVector& a, const v1::VersionVector& b);
// Same version vector and, kind by kind, the same record hashes: the two nodes hold the same data.
bool SameState(const v1::DigestResponse& a, const v1::DigestResponse& b);

// Polls the nodes behind `channels` until all report the same version vector (and, with
// `compare_records`, the same record hashes), or `timeout` passes. Replication is asynchronous by
// design; what is tested is that it converges. A node that does not answer (e.g. still starting)
// counts as not converged yet. On failure the message shows what each node reported last.
::testing::AssertionResult AwaitConvergence(
    const std::vector<std::shared_ptr<grpc::Channel>>& channels, bool compare_records = true,
    absl::Duration timeout = absl::Seconds(20));

// Polls the node behind `channel` until its mesh status satisfies `ready`, or `timeout` passes; on
// failure the message shows the status it reported last.
::testing::AssertionResult AwaitMeshStatus(const std::shared_ptr<grpc::Channel>& channel,
                                           const std::function<bool(const v1::MeshStatus&)>& ready,
                                           absl::Duration timeout = absl::Seconds(20));

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_SUPPORT_MESH_SUPPORT_H_
