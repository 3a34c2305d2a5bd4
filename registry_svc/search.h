#ifndef PASSERELLE_REGISTRY_SVC_SEARCH_H_
#define PASSERELLE_REGISTRY_SVC_SEARCH_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "passerelle/v1/registry.pb.h"
#include "store/cursor.h"
#include "store/store.h"

namespace passerelle::registry {

// Turns a search request into a cursor over matching SIRETs: one posting list (or union of them) per
// filter, intersected. Validates the filters first (INVALID_ARGUMENT naming each bad one).
absl::StatusOr<std::unique_ptr<store::PostingCursor>> PlanStructureSearch(
    const store::ReadView& view, const v1::SearchStructuresRequest& request);

// The ids of `kind` records indexed under any of `terms` (OR), merging cursors for a few terms and reading
// the postings into memory for many.
std::unique_ptr<store::PostingCursor> AnyOf(const store::ReadView& view, absl::string_view kind,
                                            const std::vector<std::string>& terms);

// What identifies a search for its page tokens: every filter, none of the paging fields.
std::string SearchFingerprint(const v1::SearchStructuresRequest& request);

}  // namespace passerelle::registry

#endif  // PASSERELLE_REGISTRY_SVC_SEARCH_H_
