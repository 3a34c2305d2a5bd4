#ifndef PASSERELLE_CLI_OCDS_H_
#define PASSERELLE_CLI_OCDS_H_

// Tender notices and their awards as an Open Contracting Data Standard (OCDS 1.1) release package,
// so that anyone with OCDS tools can check the programme's figures (amounts to SMEs, reserved lots,
// social clauses) without Passerelle. Pure: no I/O, no clock; the same notices give the same bytes.
//
// One release per notice, describing the notice as it stands (ocid = prefix + tender_id, id =
// tender_id
// + "-" + etag). Besides the core schema it uses the Lots, Other Requirements, Suitability,
// Sustainability and Party Details Scale extensions, which the package lists in `extensions`.

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "passerelle/v1/tender.pb.h"

namespace passerelle::cli {

// Who publishes the package and how its releases are named.
struct OcdsPublication {
  std::string publisher_name;  // package publisher.name, e.g. "Les Canaux"
  std::string uri;             // the package's own URI
  std::string ocid_prefix;  // the publisher's registered prefix with its dash, e.g. "ocds-a1b2c3-"
  std::string published_date;  // RFC 3339, e.g. "2029-03-01T12:00:00Z"
  // Display names of buyers ("buyers/{id}") and suppliers ("structures/{siret}"); an organisation
  // missing here is named by its id.
  absl::flat_hash_map<std::string, std::string> names;
};

// The release package as JSON text (two-space indented). Releases are ordered by tender_id, parties
// and awards by lot, whatever the order of `tenders`. Amounts are written as exact decimals of
// euros, never through floating point.
std::string OcdsReleasePackage(const std::vector<v1::Tender>& tenders,
                               const OcdsPublication& publication);

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_OCDS_H_
