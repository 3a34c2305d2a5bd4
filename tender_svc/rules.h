#ifndef PASSERELLE_TENDER_SVC_RULES_H_
#define PASSERELLE_TENDER_SVC_RULES_H_

// The pure rules of tender notices, awards, interests and consortia: what is valid, how an award's
// amount splits among its holders, and under which index terms each record is found. No storage, no
// RPC.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "passerelle/v1/registry.pb.h"
#include "passerelle/v1/tender.pb.h"

namespace passerelle::tender {

inline constexpr int kBasisPoints = 10000;
inline constexpr int kMaxLots = 50;

// A CPV code as notices carry it: 8 digits, '-', and the check digit (45000000-7).
bool IsValidCpvCode(absl::string_view code);
// The check digit of the 8 digits of a CPV code: the weighted sum (weights 3, 7, 1 repeating)
// modulo 10, which reproduces the check digits of the published CPV 2008 vocabulary.
int CpvCheckDigit(absl::string_view digits);

// Adds every problem of a notice's client-settable fields, under `prefix` (e.g. "tender."). The
// buyer's existence is the caller's to check (it needs the store).
void ValidateTender(const v1::Tender& t, absl::string_view prefix, common::FieldViolations* v);
// The client-settable part of an award (not its supplier's existence or eligibility).
void ValidateAward(const v1::Award& a, absl::string_view prefix, common::FieldViolations* v);
// A proposal: one lead, shares in basis points summing to 10,000, no member twice.
void ValidateConsortium(const v1::Consortium& c, absl::string_view prefix,
                        common::FieldViolations* v);

// The lot numbered `lot_number`, or nullptr.
const v1::Lot* FindLot(const v1::Tender& t, int lot_number);
v1::Lot* FindLot(v1::Tender* t, int lot_number);

// Splits `amount_cents` among `holders` by their basis points, rounding each down; the lead takes
// the rounding remainder so the shares add up to the amount exactly.
void SplitAmount(int64_t amount_cents, std::vector<v1::AwardShare>* holders);

// Index terms (sorted, unique).
std::vector<std::string> IndexTerms(const v1::Tender& t);
std::vector<std::string> IndexTerms(const v1::Interest& i);
std::vector<std::string> IndexTerms(const v1::Consortium& c);

// What a notice filter (ListTenders, WatchTenders) selects on, as index-term groups: ANDed
// together, each an OR of terms. Adds a violation per bad value, under the request's field names.
using TermGroups = std::vector<std::vector<std::string>>;
TermGroups NoticeFilterTerms(absl::string_view buyer,
                             const google::protobuf::RepeatedField<int>& themes,
                             const google::protobuf::RepeatedPtrField<std::string>& departments,
                             const google::protobuf::RepeatedPtrField<std::string>& cpv_prefixes,
                             common::FieldViolations* v);

namespace terms {
std::string Status(v1::TenderStatus status);
std::string Buyer(absl::string_view buyer_id);
inline constexpr absl::string_view kReserved = "reserved";
std::string Week(absl::string_view iso_week);  // "week:2024-W07"
std::string Lot(absl::string_view tender_id, int lot_number);
std::string Tender(absl::string_view tender_id);
std::string Member(absl::string_view siret);
}  // namespace terms

// A protobuf enum value as people read it, from the enum type's name ("SizeClass") and the value's
// ("SIZE_CLASS_PME").
std::string EnumLabel(absl::string_view type_name, absl::string_view value_name);

// A protobuf enum value as people read it: "SIZE_CLASS_PME" → "PME", "THEME_SOLIDARITY_CATERING" →
// "solidarity catering" (a single word of four letters or fewer is an acronym and stays as it is).
template <typename Enum>
std::string EnumLabel(Enum value) {
  const google::protobuf::EnumDescriptor* type = google::protobuf::GetEnumDescriptor<Enum>();
  const google::protobuf::EnumValueDescriptor* v = type->FindValueByNumber(value);
  return v == nullptr ? std::to_string(static_cast<int>(value))
                      : EnumLabel(type->name(), v->name());
}

// Resource names.
std::string TenderName(absl::string_view tender_id);
std::string ConsortiumName(absl::string_view consortium_id);
// The store id and resource name of an interest.
std::string InterestId(absl::string_view tender_id, int lot_number, absl::string_view siret);
std::string InterestName(absl::string_view tender_id, int lot_number, absl::string_view siret);

}  // namespace passerelle::tender

#endif  // PASSERELLE_TENDER_SVC_RULES_H_
