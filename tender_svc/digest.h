#ifndef PASSERELLE_TENDER_SVC_DIGEST_H_
#define PASSERELLE_TENDER_SVC_DIGEST_H_

// The weekly digest a structure receives: the notices forecast or published that week that it
// matches, grouped by theme, earliest deadline first. Pure; the notices come from the week's index
// terms.

#include <string>
#include <vector>

#include "passerelle/v1/registry.pb.h"
#include "passerelle/v1/tender.pb.h"

namespace passerelle::tender {

// The lots of `t` that `s` fits, best first (none: `s` does not match `t`).
std::vector<v1::LotMatch> MatchLots(const v1::Structure& s, const v1::Tender& t);

// The digest of `s` for `week` over `tenders` (notices of that week; cancelled ones are left out).
v1::Digest BuildDigest(const v1::Structure& s, const std::string& week,
                       const std::vector<v1::Tender>& tenders);

// The digest as the Markdown newsletter.
std::string DigestMarkdown(const v1::Digest& digest, const std::string& structure_display_name);

}  // namespace passerelle::tender

#endif  // PASSERELLE_TENDER_SVC_DIGEST_H_
