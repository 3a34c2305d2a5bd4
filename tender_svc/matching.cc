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

std::string CpvSector(const std::string& code) {
  std::string digits = code.substr(0, 8);
  while (digits.size() > 2 && digits.back() == '0') digits.pop_back();
  return digits;
}

std::vector<std::string> LotCpvCodes(const v1::Tender& t, const v1::Lot& lot) {
  const auto& codes = lot.cpv_codes().empty() ? t.cpv_codes() : lot.cpv_codes();
  return std::vector<std::string>(codes.begin(), codes.end());
}

std::optional<LotFit> FitLot(const v1::Structure& s, const v1::Tender& t, const v1::Lot& lot) {
  if (!IsEligible(s, lot.reservation())) return std::nullopt;
  LotFit fit;
  auto add = [&](v1::MatchReason r) {
    fit.score += r.points();
    fit.reasons.push_back(std::move(r));
  };

  // Sector: the best relation between any of the structure's sectors and any of the lot's codes.
  int cpv_points = 0;
  std::string cpv_detail;
  for (const std::string& code : LotCpvCodes(t, lot)) {
    std::string sector = CpvSector(code);
    for (const std::string& prefix : s.cpv_prefixes()) {
      if (absl::StartsWith(code, prefix) && cpv_points < kCpvUnderSector) {
        cpv_points = kCpvUnderSector;
        cpv_detail = absl::StrCat("works in sector ", prefix, ", which covers ", code);
      } else if (absl::StartsWith(prefix, sector) && cpv_points < kCpvWithinLot) {
        cpv_points = kCpvWithinLot;
        cpv_detail = absl::StrCat("works in sector ", prefix, ", within the lot's ", code);
      }
    }
  }
  if (cpv_points > 0) add(Reason("cpv", cpv_detail, cpv_points));

  std::vector<std::string> shared_themes;
  for (int theme : t.themes()) {
    if (absl::c_linear_search(s.themes(), theme)) {
      shared_themes.push_back(EnumLabel(static_cast<v1::Theme>(theme)));
    }
  }
  if (!shared_themes.empty()) {
    int points = kThemePoints * std::min<int>(2, static_cast<int>(shared_themes.size()));
    add(Reason("theme", absl::StrCat("shares ", absl::StrJoin(shared_themes, ", ")), points));
  }
  if (cpv_points == 0 && shared_themes.empty()) return std::nullopt;

  if (!t.departments().empty()) {
    std::vector<std::string> shared;
    for (const std::string& d : t.departments()) {
      if (absl::c_linear_search(s.departments(), d)) shared.push_back(d);
    }
    if (shared.empty()) return std::nullopt;
    add(Reason("department", absl::StrCat("works in ", absl::StrJoin(shared, ", ")),
               kDepartmentPoints));
  }

  if (s.max_contract_cents() > 0 && lot.estimated_amount_cents() > 0) {
    if (s.max_contract_cents() >= lot.estimated_amount_cents()) {
      add(Reason("capacity",
                 absl::StrCat("can take ", Euros(s.max_contract_cents()), ", the lot is ",
                              Euros(lot.estimated_amount_cents())),
                 kCapacityPoints));
    } else {
      add(Reason(
          "capacity",
          absl::StrCat("the lot (", Euros(lot.estimated_amount_cents()), ") exceeds its capacity (",
                       Euros(s.max_contract_cents()), "): answer in a consortium"),
          kOverCapacityPenalty));
    }
  }
  if (lot.reservation() > v1::RESERVATION_NONE) {
    add(Reason("reservation",
               absl::StrCat("eligible for the lot reserved to ", EnumLabel(lot.reservation())),
               kReservedPoints));
  }
  if (s.size_class() == v1::SIZE_CLASS_TPE || s.size_class() == v1::SIZE_CLASS_PME) {
    add(Reason("size", EnumLabel(s.size_class()), kSmallFirmPoints));
  }
  if (IsSse(s.sse_status())) add(Reason("sse", EnumLabel(s.sse_status()), kSsePoints));
  return fit;
}

}  // namespace passerelle::tender
