#include "cli/demo_declarations.h"

#include <algorithm>
#include <map>
#include <random>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/types/span.h"
#include "cli/demo_draw.h"
#include "tender_svc/matching.h"

namespace passerelle::cli {
namespace {

using v1::EligibilityCategory;
using v1::InsertionChannel;

// Lots of at least this much (cents) mostly go to a major: a large firm outside the SSE.
constexpr int64_t kLargeLot = 30'000'000;
constexpr int kMajorsPercent = 75;
// A month's hours: the labour share of a contract's amount at an hourly cost, spread over its
// duration.
constexpr int64_t kLabourPercent = 45;
constexpr int64_t kHourCostCents = 4000;
constexpr int64_t kMinMonthHundredths = 35 * 100;
// A subcontractor's part of the award it works under.
constexpr int64_t kSubcontractedPercent = 15;
// A declaration names at most this many people, together at most this many insertion hours, so that
// nobody works more than full time (151.67 hours) in a month.
constexpr int kMaxWorkerLines = 12;
constexpr int64_t kMostInsertionHundredths = 1200 * 100;
constexpr int64_t kLeastAverageQuarters = 4 * 4;   // 4 hours
constexpr int64_t kMostAverageQuarters = 100 * 4;  // 100 hours
constexpr int64_t kQuarterHour = 25;               // hundredths
constexpr int kRejectPercent = 3;

// As the programme counted its people in October 2023: 40.8 % long-term job seekers, 29 % under 25.
constexpr Weighted<EligibilityCategory> kCategories[] = {
    {v1::ELIGIBILITY_CATEGORY_LONG_TERM_JOB_SEEKER, 40},
    {v1::ELIGIBILITY_CATEGORY_YOUNG_LOW_QUALIFIED, 28},
    {v1::ELIGIBILITY_CATEGORY_MINIMUM_INCOME, 12},
    {v1::ELIGIBILITY_CATEGORY_PRIORITY_NEIGHBOURHOOD, 8},
    {v1::ELIGIBILITY_CATEGORY_SENIOR_JOB_SEEKER, 5},
    {v1::ELIGIBILITY_CATEGORY_DISABLED_WORKER, 4},
    {v1::ELIGIBILITY_CATEGORY_SIAE_EMPLOYEE, 3},
};

// How a main contractor brings people in insertion onto a site; an insertion or disability
// structure (a reserved lot's holder, a subcontractor) employs its own.
constexpr Weighted<InsertionChannel> kMainContractorChannels[] = {
    {v1::INSERTION_CHANNEL_DIRECT_HIRE, 40},
    {v1::INSERTION_CHANNEL_TEMPORARY_WORK, 30},
    {v1::INSERTION_CHANNEL_PLACEMENT, 20},
    {v1::INSERTION_CHANNEL_SUBCONTRACTING, 10},
};

constexpr const char* kRejectReasons[] = {
    "eligibility proof missing for one worker: attach the France Travail or SIAE certificate",
    "total hours differ from the site attendance register for the month",
    "the channel breakdown does not match the temporary-work agency's statement",
    "a worker line duplicates another contractor's declaration for the same person and month",
};

// An engine for `key` under `seed`: what is drawn for one lot, contract or month does not depend on
// what was drawn before it. The key's bytes seed it directly (no std::hash, whose values differ
// between standard libraries).
std::mt19937_64 EngineFor(uint64_t seed, absl::string_view key) {
  std::vector<uint32_t> words = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  for (char c : key) words.push_back(static_cast<unsigned char>(c));
  std::seed_seq sequence(words.begin(), words.end());
  return std::mt19937_64(sequence);
}

absl::CivilMonth Month(absl::string_view text) {
  absl::CivilMonth m;
  (void)absl::ParseCivilTime(text, &m);
  return m;
}

std::string Period(absl::CivilMonth m) { return absl::FormatCivilTime(m); }

// A large firm counting neither as an SME nor as an SSE structure, as the Games' general
// contractors.
bool IsMajor(const v1::Structure& s) {
  return s.size_class() == v1::SIZE_CLASS_LARGE &&
         (s.sse_status() == v1::SSE_STATUS_NOT_SSE ||
          s.sse_status() == v1::SSE_STATUS_UNSPECIFIED) &&
         (s.inclusion_kind() == v1::INCLUSION_KIND_NONE ||
          s.inclusion_kind() == v1::INCLUSION_KIND_UNSPECIFIED);
}

std::string WorkerReference(int index) { return absl::StrFormat("W-%06d", index + 1); }

// One party declaring on one lot: a holder of a share of its award, or a declared subcontractor.
struct Contract {
  const v1::Tender* tender = nullptr;
  int32_t lot_number = 0;
  std::string siret;
  int64_t amount_cents = 0;          // its part of the award
  bool insertion_structure = false;  // a reserved lot's holder or a subcontractor: employs its own
  bool disability = false;           // a lot reserved to EA/ESAT: its people are disabled workers
  std::string key;                   // names it for EngineFor
  // The contract runs duration_months from the month after its award; [first, last] is the part of
  // it within the demo's months.
  int duration_months = 0;
  absl::CivilMonth first, last;
};

std::vector<Contract> Contracts(uint64_t seed, const std::vector<v1::Tender>& tenders) {
  std::vector<const v1::Tender*> ordered;
  for (const v1::Tender& t : tenders) ordered.push_back(&t);
  std::sort(ordered.begin(), ordered.end(), [](const v1::Tender* a, const v1::Tender* b) {
    return a->tender_id() < b->tender_id();
  });
  const absl::CivilMonth first_period = Month(kDemoFirstPeriod);
  const absl::CivilMonth last_period = Month(kDemoLastPeriod);
  std::vector<Contract> contracts;
  for (const v1::Tender* t : ordered) {
    for (const v1::Lot& lot : t->lots()) {
      if (!lot.has_award()) continue;
      const v1::Award& award = lot.award();
      const bool reserved = lot.reservation() != v1::RESERVATION_NONE &&
                            lot.reservation() != v1::RESERVATION_UNSPECIFIED;
      std::vector<std::pair<std::string, int64_t>> parties;
      for (const v1::AwardShare& share : award.shares()) {
        parties.emplace_back(share.siret(), share.amount_cents());
      }
      for (const std::string& siret : award.subcontractor_sirets()) {
        parties.emplace_back(siret, award.amount_cents() * kSubcontractedPercent / 100);
      }
      for (size_t i = 0; i < parties.size(); ++i) {
        auto same = [&](const auto& p) { return p.first == parties[i].first; };
        if (std::find_if(parties.begin(), parties.begin() + i, same) != parties.begin() + i) {
          continue;  // one declaration a month per company and lot, whatever its roles
        }
        Contract c;
        c.tender = t;
        c.lot_number = lot.lot_number();
        c.siret = parties[i].first;
        c.amount_cents = parties[i].second;
        c.insertion_structure = reserved || i >= static_cast<size_t>(award.shares_size());
        c.disability = lot.reservation() == v1::RESERVATION_EA_ESAT;
        c.key = absl::StrCat(t->tender_id(), "/", lot.lot_number(), "/", c.siret);
        std::mt19937_64 engine = EngineFor(seed, c.key);
        Draw draw(engine);
        c.duration_months = draw.Between(6, 18);
        c.first = std::max(Month(award.award_date().substr(0, 7)) + 1, first_period);
        c.last = std::min(c.first + (c.duration_months - 1), last_period);
        if (c.first <= c.last && c.amount_cents > 0) contracts.push_back(std::move(c));
      }
    }
  }
  return contracts;
}

// The people of the pool with their categories (each person keeps one). The same whatever the seed:
// the people are the event's, and a reference names the same person on every buyer's sites.
struct WorkerPool {
  std::vector<EligibilityCategory> category;  // by worker index
  std::vector<int> disabled;                  // indices of disabled workers
};

WorkerPool Pool() {
  std::mt19937_64 engine = EngineFor(0, "workers");
  Draw draw(engine);
  WorkerPool pool;
  for (int i = 0; i < kDemoWorkers; ++i) {
    pool.category.push_back(
        draw.Pick(absl::Span<const Weighted<EligibilityCategory>>(kCategories)));
    if (pool.category.back() == v1::ELIGIBILITY_CATEGORY_DISABLED_WORKER)
      pool.disabled.push_back(i);
  }
  return pool;
}

// Who of the pool works in insertion on a contract, and how each was brought in.
struct CrewMember {
  int worker;
  InsertionChannel channel;
};

struct ContractPlan {
  std::vector<CrewMember> crew;
  int64_t ratio_basis_points;  // the contract's usual share of insertion hours
  int64_t month_hundredths;    // its usual hours in a month
};

ContractPlan Plan(uint64_t seed, const Contract& c, const WorkerPool& pool) {
  std::mt19937_64 engine = EngineFor(seed, absl::StrCat(c.key, "/crew"));
  Draw draw(engine);
  ContractPlan plan;
  const int size = draw.Between(8, 20);
  for (int i = 0; i < size; ++i) {
    const bool disabled = c.disability && !pool.disabled.empty() && draw.Percent(80);
    const int worker =
        disabled ? draw.Pick(pool.disabled) : static_cast<int>(draw.Below(kDemoWorkers));
    if (std::any_of(plan.crew.begin(), plan.crew.end(),
                    [&](const CrewMember& m) { return m.worker == worker; })) {
      continue;
    }
    plan.crew.push_back({worker, c.insertion_structure
                                     ? v1::INSERTION_CHANNEL_DIRECT_HIRE
                                     : draw.Pick(absl::Span<const Weighted<InsertionChannel>>(
                                           kMainContractorChannels))});
  }
  plan.ratio_basis_points =
      c.insertion_structure ? draw.Between(2000, 4500) : draw.Between(400, 1200);
  plan.month_hundredths = c.amount_cents * kLabourPercent / kHourCostCents / c.duration_months;
  return plan;
}

// Splits `quarters` quarter-hours among `n` people, each at least one, in proportion to weights.
std::vector<int64_t> Split(int64_t quarters, int n, Draw& draw) {
  std::vector<int64_t> weights(static_cast<size_t>(n));
  int64_t total_weight = 0;
  for (int64_t& w : weights) total_weight += w = draw.Between(4, 6);
  std::vector<int64_t> parts(static_cast<size_t>(n), 1);
  const int64_t spread = quarters - n;
  int64_t given = n;
  for (size_t i = 0; i < parts.size(); ++i) {
    parts[i] += spread * weights[i] / total_weight;
    given += spread * weights[i] / total_weight;
  }
  parts[0] += quarters - given;
  return parts;
}

DemoDeclaration Declare(uint64_t seed, const Contract& c, const ContractPlan& plan,
                        absl::CivilMonth month, const WorkerPool& pool, int validate_percent) {
  std::mt19937_64 engine = EngineFor(seed, absl::StrCat(c.key, "/", Period(month)));
  Draw draw(engine);
  DemoDeclaration out;
  const int review = draw.Between(0, 99);
  if (review < validate_percent) {
    out.review = DemoReview::kValidate;
  } else if (review < validate_percent + kRejectPercent) {
    out.review = DemoReview::kReject;
    out.reject_reason = kRejectReasons[draw.Below(std::size(kRejectReasons))];
  }

  v1::HourDeclaration& d = out.declaration;
  d.set_contractor_siret(c.siret);
  d.set_buyer(c.tender->buyer());
  d.set_tender(c.tender->name());
  d.set_lot_number(c.lot_number);
  d.set_period(Period(month));
  // In whole hours, around the contract's usual month.
  const int64_t hours =
      std::max(plan.month_hundredths * draw.Between(75, 125) / 100, kMinMonthHundredths) / 100;
  const int64_t total = hours * 100;
  d.set_total_hundredths(total);
  if (draw.Percent(4)) return out;  // a month with nobody in insertion on the site

  const int64_t ratio = plan.ratio_basis_points * draw.Between(70, 130) / 100;
  const int64_t quarters = std::min(total * ratio / 10000, kMostInsertionHundredths) / kQuarterHour;
  if (quarters == 0) return out;
  // Between 3 and 12 people, each on at least 4 hours and at most 100 on average (so nobody goes
  // over full time once the hours are split unevenly), and no more than the crew.
  const int64_t fewest = (quarters + kMostAverageQuarters - 1) / kMostAverageQuarters;
  const int64_t most = std::max<int64_t>(quarters / kLeastAverageQuarters, 1);
  const int n = static_cast<int>(std::min<int64_t>(
      std::clamp<int64_t>(draw.Between(3, kMaxWorkerLines), fewest, std::max(fewest, most)),
      static_cast<int64_t>(plan.crew.size())));
  std::vector<CrewMember> crew = plan.crew;
  for (int i = 0; i < n; ++i) {  // the month's people: the first n of a partial shuffle
    std::swap(crew[static_cast<size_t>(i)],
              crew[static_cast<size_t>(i) + draw.Below(crew.size() - static_cast<size_t>(i))]);
  }
  std::sort(crew.begin(), crew.begin() + n,
            [](const CrewMember& a, const CrewMember& b) { return a.worker < b.worker; });
  std::map<InsertionChannel, int64_t> by_channel;
  std::map<EligibilityCategory, int64_t> by_category;
  const std::vector<int64_t> parts = Split(quarters, n, draw);
  for (int i = 0; i < n; ++i) {
    const CrewMember& m = crew[static_cast<size_t>(i)];
    v1::WorkerLine* line = d.add_workers();
    line->set_worker_reference(WorkerReference(m.worker));
    line->set_category(pool.category[static_cast<size_t>(m.worker)]);
    line->set_channel(m.channel);
    line->set_hundredths(parts[static_cast<size_t>(i)] * kQuarterHour);
    by_channel[line->channel()] += line->hundredths();
    by_category[line->category()] += line->hundredths();
  }
  d.set_insertion_hundredths(quarters * kQuarterHour);
  for (const auto& [channel, hundredths] : by_channel) {
    v1::ChannelHours* h = d.add_by_channel();
    h->set_channel(channel);
    h->set_hundredths(hundredths);
  }
  for (const auto& [category, hundredths] : by_category) {
    v1::CategoryHours* h = d.add_by_category();
    h->set_category(category);
    h->set_hundredths(hundredths);
  }
  return out;
}

}  // namespace

DemoAwarder::DemoAwarder(uint64_t seed, std::vector<v1::Structure> structures)
    : seed_(seed), structures_(std::move(structures)) {
  for (size_t i = 0; i < structures_.size(); ++i) {
    if (IsMajor(structures_[i])) majors_.push_back(i);
    for (const std::string& department : structures_[i].departments()) {
      by_department_[department].push_back(i);
    }
  }
}

std::optional<v1::Award> DemoAwarder::AwardFor(const v1::Tender& t, const v1::Lot& lot) const {
  std::mt19937_64 engine = EngineFor(seed_, absl::StrCat(t.tender_id(), "/", lot.lot_number()));
  Draw draw(engine);
  if (draw.Percent(10)) return std::nullopt;  // still being judged

  // Those working in the notice's departments, best fit first (ties by SIRET, for determinism).
  std::vector<size_t> nearby;
  for (const std::string& department : t.departments()) {
    auto found = by_department_.find(department);
    if (found != by_department_.end()) {
      nearby.insert(nearby.end(), found->second.begin(), found->second.end());
    }
  }
  std::sort(nearby.begin(), nearby.end());
  nearby.erase(std::unique(nearby.begin(), nearby.end()), nearby.end());
  std::vector<std::pair<int, size_t>> fits;  // (-score, index)
  for (size_t i : nearby) {
    std::optional<tender::LotFit> fit = tender::FitLot(structures_[i], t, lot);
    if (fit) fits.emplace_back(-fit->score, i);
  }
  std::sort(fits.begin(), fits.end(), [&](const auto& a, const auto& b) {
    return std::tie(a.first, structures_[a.second].siret()) <
           std::tie(b.first, structures_[b.second].siret());
  });
  // The majors answer big lots whatever their trade, across the region.
  std::vector<size_t> majors;
  for (size_t i : majors_) {
    if (tender::IsEligible(structures_[i], lot.reservation())) majors.push_back(i);
  }
  size_t winner;
  if (lot.estimated_amount_cents() >= kLargeLot && !majors.empty() &&
      draw.Percent(kMajorsPercent)) {
    winner = draw.Pick(majors);
  } else if (!fits.empty()) {
    winner = fits[draw.Below(std::min<size_t>(fits.size(), 8))].second;
  } else {
    return std::nullopt;
  }

  v1::Award award;
  award.set_lot_number(lot.lot_number());
  award.set_structure(absl::StrCat("structures/", structures_[winner].siret()));
  const int64_t estimate = std::max<int64_t>(lot.estimated_amount_cents(), 100'000);
  award.set_amount_cents(
      std::max<int64_t>(estimate * draw.Between(85, 110) / 100 / 100 * 100, 100));
  const absl::CivilMonth month = Month("2022-09") + draw.Between(0, 18);
  award.set_award_date(absl::StrFormat("%s-%02d", Period(month), draw.Between(1, 28)));
  if (lot.reservation() == v1::RESERVATION_NONE && draw.Percent(30)) {
    std::vector<size_t> siae;
    for (size_t i : nearby) {
      if (i != winner && tender::IsEligible(structures_[i], v1::RESERVATION_SIAE)) {
        siae.push_back(i);
      }
    }
    if (!siae.empty()) award.add_subcontractor_sirets(structures_[draw.Pick(siae)].siret());
  }
  return award;
}

std::vector<DemoDeclaration> GenerateDeclarations(uint64_t seed,
                                                  const std::vector<v1::Tender>& tenders, int count,
                                                  int validate_percent) {
  const std::vector<Contract> contracts = Contracts(seed, tenders);
  // Every (contract, month) a declaration could fill, then `count` of them drawn at random.
  std::vector<std::pair<size_t, absl::CivilMonth>> slots;
  for (size_t i = 0; i < contracts.size(); ++i) {
    for (absl::CivilMonth m = contracts[i].first; m <= contracts[i].last; ++m) {
      slots.emplace_back(i, m);
    }
  }
  std::mt19937_64 engine = EngineFor(seed, "slots");
  Draw draw(engine);
  const size_t wanted = std::min(slots.size(), static_cast<size_t>(std::max(count, 0)));
  for (size_t i = 0; i < wanted; ++i) std::swap(slots[i], slots[i + draw.Below(slots.size() - i)]);
  slots.resize(wanted);
  std::sort(slots.begin(), slots.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second, a.first) < std::tie(b.second, b.first);
  });

  const WorkerPool pool = Pool();
  std::map<size_t, ContractPlan> plans;
  std::vector<DemoDeclaration> out;
  out.reserve(slots.size());
  for (const auto& [contract, month] : slots) {
    auto plan = plans.find(contract);
    if (plan == plans.end()) {
      plan = plans.emplace(contract, Plan(seed, contracts[contract], pool)).first;
    }
    out.push_back(Declare(seed, contracts[contract], plan->second, month, pool, validate_percent));
  }
  return out;
}

}  // namespace passerelle::cli
