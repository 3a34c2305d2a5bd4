#ifndef PASSERELLE_MESH_DIGEST_H_
#define PASSERELLE_MESH_DIGEST_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "passerelle/v1/mesh.pb.h"
#include "store/store.h"

namespace passerelle::mesh {

// A SHA-256 per kind over (id, record bytes) of every record, in id order, and the store's version vector,
// read from one snapshot. Nodes that converged under the same sharing policy report equal digests.
absl::StatusOr<v1::DigestResponse> ComputeDigest(const store::Store& store, const std::vector<std::string>& kinds);

}  // namespace passerelle::mesh

#endif  // PASSERELLE_MESH_DIGEST_H_
