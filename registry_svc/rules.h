#ifndef PASSERELLE_REGISTRY_SVC_RULES_H_
#define PASSERELLE_REGISTRY_SVC_RULES_H_

// The registry's pure rules: what a valid structure or buyer is, and under which index terms each is found.
// No storage and no RPC here, so every rule is unit-tested on its own.

#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "common/errors.h"
#include "common/validation.h"
#include "passerelle/v1/registry.pb.h"

namespace passerelle::registry {

// Limits on free text, so one record cannot bloat every replica.
inline constexpr size_t kMaxNameLength = 200;
inline constexpr size_t kMaxDescriptionLength = 4000;
inline constexpr size_t kMaxShortTextLength = 254;
using common::kMaxRepeated;

// Adds to `violations` every problem of `s`, with field paths under `prefix` (e.g. "structure.").
// Output-only fields are not looked at.
void ValidateStructure(const v1::Structure& s, absl::string_view prefix,
                       common::FieldViolations* violations);
void ValidateBuyer(const v1::Buyer& b, absl::string_view prefix, common::FieldViolations* violations);

// Department codes of metropolitan France ("01".."95", "2A", "2B"; "20" no longer exists) and overseas
// ("971".."976").
bool IsValidDepartment(absl::string_view code);
// A sector given as the first 2 to 8 digits of a CPV code.
bool IsValidCpvPrefix(absl::string_view prefix);
// Violations for each bad department code of `departments` (and for too many of them), under `field`.
void CheckDepartments(const google::protobuf::RepeatedPtrField<std::string>& departments,
                      const std::string& field, common::FieldViolations* v);
void CheckCpvPrefix(absl::string_view prefix, std::string field, common::FieldViolations* v);

// Lower-case ASCII words of at least two characters, French accents folded ("Économie" -> "economie"), each
// once, in first-seen order.
std::vector<std::string> Tokenize(absl::string_view text);

// Index terms. Each filter of a search maps onto one family of terms below.
namespace terms {
inline constexpr absl::string_view kAll = "all";
std::string Theme(v1::Theme theme);
std::string Department(absl::string_view code);
std::string Cpv(absl::string_view prefix);
std::string InclusionKind(v1::InclusionKind kind);
std::string SizeClass(v1::SizeClass size);
std::string SseStatus(v1::SseStatus status);
std::string Word(absl::string_view word);
}  // namespace terms

// Every term a stored structure (or buyer) is indexed under, sorted and unique.
std::vector<std::string> IndexTerms(const v1::Structure& s);
std::vector<std::string> IndexTerms(const v1::Buyer& b);

// Resource names: "structures/{siret}", "buyers/{buyer_id}".
std::string StructureName(absl::string_view siret);
std::string BuyerName(absl::string_view buyer_id);

}  // namespace passerelle::registry

#endif  // PASSERELLE_REGISTRY_SVC_RULES_H_
