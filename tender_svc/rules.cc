#include "tender_svc/rules.h"

#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/validation.h"
#include "google/protobuf/util/time_util.h"
#include "registry_svc/rules.h"
#include "registry_svc/siret.h"
#include "tender_svc/calendar.h"

namespace passerelle::tender {
namespace {

using common::CheckCount;
using common::CheckEnum;
using common::CheckNonNegative;
using common::CheckText;
using google::protobuf::util::TimeUtil;

constexpr size_t kMaxTitleLength = 300;
constexpr size_t kMaxDescriptionLength = 8000;

void CheckCpvCodes(const google::protobuf::RepeatedPtrField<std::string>& codes,
                   const std::string& field, bool required, common::FieldViolations* v) {
  if (required && codes.empty()) v->Add(field, "needs at least one CPV code");
  if (!CheckCount(codes, field, v)) return;
  for (int i = 0; i < codes.size(); ++i) {
    if (!IsValidCpvCode(codes[i])) {
      v->Add(absl::StrCat(field, "[", i, "]"),
             absl::StrCat("'", codes[i], "' is not a CPV code (8 digits, '-', check digit)"));
    }
  }
}

void CheckLot(const v1::Lot& lot, const std::string& p, common::FieldViolations* v) {
  if (lot.lot_number() < 1) v->Add(p + "lot_number", "must be 1 or more");
  CheckText(lot.title(), p + "title", kMaxTitleLength, true, v);
  CheckNonNegative(lot.estimated_amount_cents(), p + "estimated_amount_cents", v);
  CheckCpvCodes(lot.cpv_codes(), p + "cpv_codes", false, v);
  CheckEnum(lot.reservation(), v1::Reservation_IsValid, false, p + "reservation", v);
  CheckNonNegative(lot.insertion_hours_required(), p + "insertion_hours_required", v);
  const v1::AwardCriteria& c = lot.award_criteria();
  for (int weight : {c.price(), c.quality(), c.social(), c.environmental()}) {
    if (weight < 0) v->Add(p + "award_criteria", "weights must not be negative");
  }
  int64_t sum = int64_t{c.price()} + c.quality() + c.social() + c.environmental();
  if (sum != 100) v->Add(p + "award_criteria", absl::StrCat("weights sum to ", sum, ", not 100"));
}

std::vector<std::string> Sorted(std::set<std::string> terms) {
  return std::vector<std::string>(terms.begin(), terms.end());
}

void AddCpvTerms(const std::string& code, std::set<std::string>* out) {
  // A notice in 45210000-2 is under the sectors "45", "452", ... "45210000", so a search by any of
  // them finds it.
  for (size_t len = 2; len <= 8 && len <= code.size(); ++len) {
    out->insert(registry::terms::Cpv(code.substr(0, len)));
  }
}

}  // namespace

int CpvCheckDigit(absl::string_view digits) {
  static constexpr int kWeights[] = {3, 7, 1, 3, 7, 1, 3, 7};
  int sum = 0;
  for (size_t i = 0; i < 8 && i < digits.size(); ++i) sum += (digits[i] - '0') * kWeights[i];
  return sum % 10;
}

bool IsValidCpvCode(absl::string_view code) {
  if (code.size() != 10 || code[8] != '-') return false;
  for (size_t i = 0; i < 10; ++i) {
    if (i != 8 && !absl::ascii_isdigit(static_cast<unsigned char>(code[i]))) return false;
  }
  return CpvCheckDigit(code.substr(0, 8)) == code[9] - '0';
}

void ValidateTender(const v1::Tender& t, absl::string_view prefix, common::FieldViolations* v) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, name); };
  common::CheckSlug(t.tender_id(), f("tender_id"), v);
  if (!absl::StartsWith(t.buyer(), "buyers/"))
    v->Add(f("buyer"), "must name a buyer: buyers/{buyer_id}");
  CheckText(t.title(), f("title"), kMaxTitleLength, true, v);
  CheckText(t.description(), f("description"), kMaxDescriptionLength, false, v);
  CheckCpvCodes(t.cpv_codes(), f("cpv_codes"), true, v);
  if (CheckCount(t.themes(), f("themes"), v)) {
    for (int i = 0; i < t.themes_size(); ++i) {
      CheckEnum(t.themes(i), v1::Theme_IsValid, true, absl::StrCat(f("themes"), "[", i, "]"), v);
    }
  }
  registry::CheckDepartments(t.departments(), f("departments"), v);
  CheckEnum(t.procedure(), v1::Procedure_IsValid, true, f("procedure"), v);
  if (t.lots().empty()) v->Add(f("lots"), "a notice has at least one lot");
  if (t.lots_size() > kMaxLots)
    v->Add(f("lots"), absl::StrCat("has more than ", kMaxLots, " lots"));
  absl::flat_hash_set<int> numbers;
  for (int i = 0; i < t.lots_size() && i < kMaxLots; ++i) {
    std::string p = absl::StrCat(prefix, "lots[", i, "].");
    CheckLot(t.lots(i), p, v);
    if (!numbers.insert(t.lots(i).lot_number()).second) {
      v->Add(p + "lot_number", absl::StrCat("lot ", t.lots(i).lot_number(), " is numbered twice"));
    }
  }
  if (!common::IsValidDate(t.forecast_publish_date())) {
    v->Add(f("forecast_publish_date"), "must be a date YYYY-MM-DD");
  } else if (t.has_answer_deadline()) {
    absl::CivilDay forecast;
    absl::ParseCivilTime(t.forecast_publish_date(), &forecast);
    absl::CivilDay deadline =
        ParisDay(absl::FromUnixMillis(TimeUtil::TimestampToMilliseconds(t.answer_deadline())));
    if (deadline <= forecast) {
      v->Add(f("answer_deadline"), "must fall after the (forecast) publication date");
    }
  }
}

void ValidateAward(const v1::Award& a, absl::string_view prefix, common::FieldViolations* v) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, name); };
  if (a.lot_number() < 1) v->Add(f("lot_number"), "must name a lot (1 or more)");
  if (a.structure().empty() == a.consortium().empty()) {
    v->Add(f("structure"), "name exactly one supplier: a structure or a consortium");
  } else if (!a.structure().empty() &&
             (!absl::StartsWith(a.structure(), "structures/") ||
              !registry::IsValidSiret(a.structure().substr(sizeof("structures/") - 1)))) {
    v->Add(f("structure"), "must be structures/{siret} with a valid SIRET");
  } else if (!a.consortium().empty() && !absl::StartsWith(a.consortium(), "consortia/")) {
    v->Add(f("consortium"), "must be consortia/{consortium_id}");
  }
  if (a.amount_cents() <= 0) v->Add(f("amount_cents"), "must be positive");
  if (!common::IsValidDate(a.award_date())) v->Add(f("award_date"), "must be a date YYYY-MM-DD");
  if (!CheckCount(a.subcontractor_sirets(), f("subcontractor_sirets"), v)) return;
  for (int i = 0; i < a.subcontractor_sirets_size(); ++i) {
    if (!registry::IsValidSiret(a.subcontractor_sirets(i))) {
      v->Add(absl::StrCat(prefix, "subcontractor_sirets[", i, "]"), "is not a valid SIRET");
    }
  }
}

void ValidateConsortium(const v1::Consortium& c, absl::string_view prefix,
                        common::FieldViolations* v) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, name); };
  if (!c.consortium_id().empty()) common::CheckSlug(c.consortium_id(), f("consortium_id"), v);
  if (!absl::StartsWith(c.tender(), "tenders/")) v->Add(f("tender"), "must be tenders/{tender_id}");
  if (c.lot_number() < 1) v->Add(f("lot_number"), "must name a lot (1 or more)");
  if (c.members_size() < 2) v->Add(f("members"), "a consortium has at least two members");
  if (!CheckCount(c.members(), f("members"), v)) return;
  int leads = 0;
  int64_t total = 0;
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < c.members_size(); ++i) {
    const v1::ConsortiumMember& m = c.members(i);
    std::string p = absl::StrCat(prefix, "members[", i, "].");
    if (!absl::StartsWith(m.structure(), "structures/") ||
        !registry::IsValidSiret(m.structure().substr(sizeof("structures/") - 1))) {
      v->Add(p + "structure", "must be structures/{siret} with a valid SIRET");
    } else if (!seen.insert(m.structure()).second) {
      v->Add(p + "structure", absl::StrCat(m.structure(), " is listed twice"));
    }
    CheckEnum(m.role(), v1::ConsortiumRole_IsValid, true, p + "role", v);
    if (m.role() == v1::CONSORTIUM_ROLE_LEAD) ++leads;
    if (m.share_basis_points() <= 0) v->Add(p + "share_basis_points", "must be positive");
    total += m.share_basis_points();
  }
  if (leads != 1) v->Add(f("members"), absl::StrCat("needs exactly one lead, has ", leads));
  if (total != kBasisPoints) {
    v->Add(f("members"),
           absl::StrCat("shares sum to ", total, " basis points, not ", kBasisPoints));
  }
}

const v1::Lot* FindLot(const v1::Tender& t, int lot_number) {
  for (const v1::Lot& lot : t.lots()) {
    if (lot.lot_number() == lot_number) return &lot;
  }
  return nullptr;
}

v1::Lot* FindLot(v1::Tender* t, int lot_number) {
  for (v1::Lot& lot : *t->mutable_lots()) {
    if (lot.lot_number() == lot_number) return &lot;
  }
  return nullptr;
}

void SplitAmount(int64_t amount_cents, std::vector<v1::AwardShare>* holders) {
  int64_t given = 0;
  v1::AwardShare* lead = nullptr;
  for (v1::AwardShare& h : *holders) {
    // 128-bit product: an amount in cents times 10,000 can overflow 64 bits only for absurd
    // amounts, but absurd input must not wrap silently.
    h.set_amount_cents(static_cast<int64_t>(static_cast<__int128>(amount_cents) *
                                            h.share_basis_points() / kBasisPoints));
    given += h.amount_cents();
    if (h.role() == v1::CONSORTIUM_ROLE_LEAD) lead = &h;
  }
  if (lead == nullptr && !holders->empty()) lead = &holders->front();
  if (lead != nullptr) lead->set_amount_cents(lead->amount_cents() + amount_cents - given);
}

std::vector<std::string> IndexTerms(const v1::Tender& t) {
  std::set<std::string> out = {std::string(registry::terms::kAll), terms::Status(t.status())};
  if (absl::StartsWith(t.buyer(), "buyers/")) out.insert(terms::Buyer(t.buyer().substr(7)));
  for (int theme : t.themes()) out.insert(registry::terms::Theme(static_cast<v1::Theme>(theme)));
  for (const std::string& d : t.departments()) out.insert(registry::terms::Department(d));
  for (const std::string& c : t.cpv_codes()) AddCpvTerms(c, &out);
  for (const v1::Lot& lot : t.lots()) {
    for (const std::string& c : lot.cpv_codes()) AddCpvTerms(c, &out);
    if (lot.reservation() > v1::RESERVATION_NONE) out.insert(std::string(terms::kReserved));
  }
  absl::CivilDay forecast;
  if (absl::ParseCivilTime(t.forecast_publish_date(), &forecast)) {
    out.insert(terms::Week(IsoWeekOf(forecast)));
  }
  if (t.has_publish_time()) {
    out.insert(terms::Week(IsoWeekOf(
        ParisDay(absl::FromUnixMillis(TimeUtil::TimestampToMilliseconds(t.publish_time()))))));
  }
  return Sorted(std::move(out));
}

std::vector<std::string> IndexTerms(const v1::Interest& i) {
  absl::string_view tender_id = absl::string_view(i.tender()).substr(sizeof("tenders/") - 1);
  return Sorted(
      {std::string(registry::terms::kAll), terms::Tender(tender_id),
       terms::Lot(tender_id, i.lot_number()),
       terms::Member(absl::string_view(i.structure()).substr(sizeof("structures/") - 1))});
}

std::vector<std::string> IndexTerms(const v1::Consortium& c) {
  absl::string_view tender_id = absl::string_view(c.tender()).substr(sizeof("tenders/") - 1);
  std::set<std::string> out = {std::string(registry::terms::kAll), terms::Tender(tender_id),
                               terms::Lot(tender_id, c.lot_number())};
  for (const v1::ConsortiumMember& m : c.members()) {
    out.insert(terms::Member(absl::string_view(m.structure()).substr(sizeof("structures/") - 1)));
  }
  return Sorted(std::move(out));
}

TermGroups NoticeFilterTerms(absl::string_view buyer,
                             const google::protobuf::RepeatedField<int>& themes,
                             const google::protobuf::RepeatedPtrField<std::string>& departments,
                             const google::protobuf::RepeatedPtrField<std::string>& cpv_prefixes,
                             common::FieldViolations* v) {
  TermGroups groups;
  if (!buyer.empty()) {
    if (!absl::StartsWith(buyer, "buyers/")) v->Add("buyer", "must be buyers/{buyer_id}");
    groups.push_back({terms::Buyer(buyer.substr(buyer.find('/') + 1))});
  }
  std::vector<std::string> group;
  for (int i = 0; i < themes.size(); ++i) {
    if (!v1::Theme_IsValid(themes[i]) || themes[i] == 0) {
      v->Add(absl::StrCat("themes[", i, "]"), "unknown theme");
    }
    group.push_back(registry::terms::Theme(static_cast<v1::Theme>(themes[i])));
  }
  if (!group.empty()) groups.push_back(std::move(group));
  group.clear();
  for (int i = 0; i < departments.size(); ++i) {
    if (!registry::IsValidDepartment(departments[i])) {
      v->Add(absl::StrCat("departments[", i, "]"), "is not a French department code");
    }
    group.push_back(registry::terms::Department(departments[i]));
  }
  if (!group.empty()) groups.push_back(std::move(group));
  group.clear();
  for (int i = 0; i < cpv_prefixes.size(); ++i) {
    registry::CheckCpvPrefix(cpv_prefixes[i], absl::StrCat("cpv_prefixes[", i, "]"), v);
    group.push_back(registry::terms::Cpv(cpv_prefixes[i]));
  }
  if (!group.empty()) groups.push_back(std::move(group));
  return groups;
}

std::string EnumLabel(absl::string_view type_name, absl::string_view value_name) {
  std::string prefix;
  for (char c : type_name) {
    if (absl::ascii_isupper(static_cast<unsigned char>(c)) && !prefix.empty())
      prefix.push_back('_');
    prefix.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  absl::string_view rest = value_name;
  if (absl::StartsWith(rest, prefix + "_")) rest.remove_prefix(prefix.size() + 1);
  if (rest.size() <= 4 && rest.find('_') == absl::string_view::npos)
    return std::string(rest);  // PME, ESAT
  std::string label(rest);
  for (char& c : label) c = c == '_' ? ' ' : absl::ascii_tolower(static_cast<unsigned char>(c));
  return label;
}

namespace terms {
std::string Status(v1::TenderStatus status) { return absl::StrCat("status:", status); }
std::string Buyer(absl::string_view buyer_id) { return absl::StrCat("buyer:", buyer_id); }
std::string Week(absl::string_view iso_week) { return absl::StrCat("week:", iso_week); }
std::string Lot(absl::string_view tender_id, int lot_number) {
  return absl::StrCat("lot:", tender_id, "/", lot_number);
}
std::string Tender(absl::string_view tender_id) { return absl::StrCat("tender:", tender_id); }
std::string Member(absl::string_view siret) { return absl::StrCat("member:", siret); }
}  // namespace terms

std::string TenderName(absl::string_view tender_id) { return absl::StrCat("tenders/", tender_id); }
std::string ConsortiumName(absl::string_view consortium_id) {
  return absl::StrCat("consortia/", consortium_id);
}
std::string InterestId(absl::string_view tender_id, int lot_number, absl::string_view siret) {
  return absl::StrCat(tender_id, "/", lot_number, "/", siret);
}
std::string InterestName(absl::string_view tender_id, int lot_number, absl::string_view siret) {
  return absl::StrCat("tenders/", tender_id, "/lots/", lot_number, "/interests/", siret);
}

}  // namespace passerelle::tender
