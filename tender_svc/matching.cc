#include "tender_svc/matching.h"

#include <algorithm>

#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tender_svc/rules.h"

namespace passerelle::tender {
namespace {

// Points per reason; a match is their sum. Sector counts most: it says what the structure does.
constexpr int kCpvUnderSector = 40;  // the lot's code is within a sector the structure works in
constexpr int kCpvWithinLot = 25;  // the structure works in a narrower sector of the lot's category
constexpr int kThemePoints = 10;   // per shared theme, at most two counted
constexpr int kDepartmentPoints = 20;
constexpr int kCapacityPoints = 10;
constexpr int kOverCapacityPenalty = -15;
constexpr int kReservedPoints = 15;
constexpr int kSmallFirmPoints = 5;
constexpr int kSsePoints = 5;

v1::MatchReason Reason(absl::string_view code, std::string detail, int points) {
  v1::MatchReason r;
  r.set_code(std::string(code));
  r.set_detail(std::move(detail));
  r.set_points(points);
  return r;
}

bool IsSiae(v1::InclusionKind k) {
  return k == v1::INCLUSION_KIND_EI || k == v1::INCLUSION_KIND_ETTI || k == v1::INCLUSION_KIND_AI ||
         k == v1::INCLUSION_KIND_ACI || k == v1::INCLUSION_KIND_EITI;
}

bool IsSse(v1::SseStatus s) { return s == v1::SSE_STATUS_SSE || s == v1::SSE_STATUS_ESUS_APPROVED; }

std::string Euros(int64_t cents) { return absl::StrCat(cents / 100, " €"); }

}  // namespace

bool IsEligible(const v1::Structure& s, v1::Reservation reservation) {
  switch (reservation) {
    case v1::RESERVATION_SIAE:
      return IsSiae(s.inclusion_kind());
    case v1::RESERVATION_EA_ESAT:
      return s.inclusion_kind() == v1::INCLUSION_KIND_EA ||
             s.inclusion_kind() == v1::INCLUSION_KIND_ESAT;
    case v1::RESERVATION_SSE:
      return IsSse(s.sse_status());
    default:
      return true;
  }
}

std::vector<v1::InclusionKind> EligibleInclusionKinds(v1::Reservation reservation) {
  switch (reservation) {
    case v1::RESERVATION_SIAE:
      return {v1::INCLUSION_KIND_EI, v1::INCLUSION_KIND_ETTI, v1::INCLUSION_KIND_AI,
              v1::INCLUSION_KIND_ACI, v1::INCLUSION_KIND_EITI};
    case v1::RESERVATION_EA_ESAT:
      return {v1::INCLUSION_KIND_EA, v1::INCLUSION_KIND_ESAT};
    default:
      return {};
  }
}

std::vector<v1::SseStatus> EligibleSseStatuses(v1::Reservation reservation) {
  if (reservation == v1::RESERVATION_SSE) return {v1::SSE_STATUS_SSE, v1::SSE_STATUS_ESUS_APPROVED};
  return {};
}

absl::string_view CpvSector(absl::string_view code) {
  absl::string_view digits = code.substr(0, 8);
  while (digits.size() > 2 && digits.back() == '0') digits.remove_suffix(1);
  return digits;
}

const google::protobuf::RepeatedPtrField<std::string>& LotCpvCodes(const v1::Tender& t,
                                                                   const v1::Lot& lot) {
  return lot.cpv_codes().empty() ? t.cpv_codes() : lot.cpv_codes();
}

namespace {

// FitLot and LotScore: one scoring, whose reasons are worded only when `explain` is given (a
// candidate that is ranked but not shown costs no string).
std::optional<int> Fit(const v1::Structure& s, const v1::Tender& t, const v1::Lot& lot,
                       std::vector<v1::MatchReason>* explain) {
  if (!IsEligible(s, lot.reservation())) return std::nullopt;
  int score = 0;
  auto add = [&](absl::string_view code, int points, auto detail) {
    score += points;
    if (explain != nullptr) explain->push_back(Reason(code, detail(), points));
  };

  // Sector: the best relation between any of the structure's sectors and any of the lot's codes.
  int cpv_points = 0;
  const std::string* cpv_prefix = nullptr;
  const std::string* cpv_code = nullptr;
  for (const std::string& code : LotCpvCodes(t, lot)) {
    absl::string_view sector = CpvSector(code);
    for (const std::string& prefix : s.cpv_prefixes()) {
      int points = 0;
      if (absl::StartsWith(code, prefix)) {
        points = kCpvUnderSector;
      } else if (absl::StartsWith(prefix, sector)) {
        points = kCpvWithinLot;
      }
      if (points > cpv_points) {
        cpv_points = points;
        cpv_prefix = &prefix;
        cpv_code = &code;
      }
    }
  }
  if (cpv_points > 0) {
    add("cpv", cpv_points, [&] {
      return cpv_points == kCpvUnderSector
                 ? absl::StrCat("works in sector ", *cpv_prefix, ", which covers ", *cpv_code)
                 : absl::StrCat("works in sector ", *cpv_prefix, ", within the lot's ", *cpv_code);
    });
  }

  int shared_themes = 0;
  for (int theme : t.themes()) shared_themes += absl::c_linear_search(s.themes(), theme) ? 1 : 0;
  if (shared_themes > 0) {
    add("theme", kThemePoints * std::min(2, shared_themes), [&] {
      std::vector<std::string> labels;
      for (int theme : t.themes()) {
        if (absl::c_linear_search(s.themes(), theme)) {
          labels.push_back(EnumLabel(static_cast<v1::Theme>(theme)));
        }
      }
      return absl::StrCat("shares ", absl::StrJoin(labels, ", "));
    });
  }
  if (cpv_points == 0 && shared_themes == 0) return std::nullopt;

  if (!t.departments().empty()) {
    auto works_in = [&](const std::string& d) { return absl::c_linear_search(s.departments(), d); };
    if (absl::c_none_of(t.departments(), works_in)) return std::nullopt;
    add("department", kDepartmentPoints, [&] {
      std::vector<absl::string_view> shared;
      for (const std::string& d : t.departments()) {
        if (works_in(d)) shared.push_back(d);
      }
      return absl::StrCat("works in ", absl::StrJoin(shared, ", "));
    });
  }

  if (s.max_contract_cents() > 0 && lot.estimated_amount_cents() > 0) {
    if (s.max_contract_cents() >= lot.estimated_amount_cents()) {
      add("capacity", kCapacityPoints, [&] {
        return absl::StrCat("can take ", Euros(s.max_contract_cents()), ", the lot is ",
                            Euros(lot.estimated_amount_cents()));
      });
    } else {
      add("capacity", kOverCapacityPenalty, [&] {
        return absl::StrCat("the lot (", Euros(lot.estimated_amount_cents()),
                            ") exceeds its capacity (", Euros(s.max_contract_cents()),
                            "): answer in a consortium");
      });
    }
  }
  if (lot.reservation() > v1::RESERVATION_NONE) {
    add("reservation", kReservedPoints, [&] {
      return absl::StrCat("eligible for the lot reserved to ", EnumLabel(lot.reservation()));
    });
  }
  if (s.size_class() == v1::SIZE_CLASS_TPE || s.size_class() == v1::SIZE_CLASS_PME) {
    add("size", kSmallFirmPoints, [&] { return EnumLabel(s.size_class()); });
  }
  if (IsSse(s.sse_status())) {
    add("sse", kSsePoints, [&] { return EnumLabel(s.sse_status()); });
  }
  return score;
}

}  // namespace

std::optional<LotFit> FitLot(const v1::Structure& s, const v1::Tender& t, const v1::Lot& lot) {
  LotFit fit;
  std::optional<int> score = Fit(s, t, lot, &fit.reasons);
  if (!score) return std::nullopt;
  fit.score = *score;
  return fit;
}

std::optional<int> LotScore(const v1::Structure& s, const v1::Tender& t, const v1::Lot& lot) {
  return Fit(s, t, lot, nullptr);
}

}  // namespace passerelle::tender
