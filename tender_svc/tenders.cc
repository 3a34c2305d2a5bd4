#include "tender_svc/tenders.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/paging.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/util/time_util.h"
#include "registry_svc/rules.h"
#include "registry_svc/search.h"
#include "store/cursor.h"
#include "store/hybrid_clock.h"
#include "store/records.h"
#include "tender_svc/calendar.h"
#include "tender_svc/digest.h"
#include "tender_svc/lifecycle.h"
#include "tender_svc/matching.h"
#include "tender_svc/rules.h"

namespace passerelle::tender {
namespace {

using google::protobuf::util::TimeUtil;
using Cursors = std::vector<std::unique_ptr<store::PostingCursor>>;

// Candidates scored per match request at most: the registry's indexes narrow a lot's candidates to
// its sectors, themes and departments, so more than this means the filters are too broad to rank
// usefully.
constexpr size_t kMaxCandidates = 5000;

struct Terms {
  template <typename Record>
  std::vector<std::string> operator()(const Record& r) const {
    return IndexTerms(r);
  }
};

const absl::flat_hash_set<std::string>& UpdatableTenderFields() {
  static const auto* fields = new absl::flat_hash_set<std::string>{
      "title", "description",           "cpv_codes",      "themes", "departments", "procedure",
      "lots",  "forecast_publish_date", "answer_deadline"};
  return *fields;
}

// What the node, not the client, decides about a notice's content.
void Normalise(v1::Tender* t) {
  int64_t total = 0;
  for (v1::Lot& lot : *t->mutable_lots()) total += lot.estimated_amount_cents();
  t->set_estimated_amount_cents(total);
}

absl::string_view IdOf(absl::string_view name) { return name.substr(name.find('/') + 1); }

int64_t Millis(const google::protobuf::Timestamp& t) {
  return TimeUtil::TimestampToMilliseconds(t);
}

std::unique_ptr<store::PostingCursor> AnyOf(const store::ReadView& view,
                                            const std::vector<std::string>& terms) {
  return registry::AnyOf(view, kTenderKind, terms);
}

// The notices indexed under at least one term of every group; every notice when there are no
// groups.
std::unique_ptr<store::PostingCursor> NoticesUnder(const store::ReadView& view,
                                                   const TermGroups& groups) {
  Cursors all;
  for (const std::vector<std::string>& g : groups) all.push_back(AnyOf(view, g));
  if (all.empty()) all.push_back(view.Postings(kTenderKind, registry::terms::kAll));
  return store::NewIntersectionCursor(std::move(all));
}

// The notice terms under which the notices a structure may match are found: its sectors and its
// themes.
std::vector<std::string> RelevantTerms(const v1::Structure& s) {
  std::vector<std::string> out;
  for (const std::string& p : s.cpv_prefixes()) out.push_back(registry::terms::Cpv(p));
  for (int theme : s.themes()) out.push_back(registry::terms::Theme(static_cast<v1::Theme>(theme)));
  return out;
}

v1::AwardShare ShareOf(const v1::Structure& s, v1::ConsortiumRole role, int basis_points) {
  v1::AwardShare share;
  share.set_siret(s.siret());
  share.set_role(role);
  share.set_share_basis_points(basis_points);
  share.set_size_class(s.size_class());
  share.set_sse_status(s.sse_status());
  share.set_inclusion_kind(s.inclusion_kind());
  return share;
}

std::string NewConsortiumId() {
  static absl::Mutex mu(absl::kConstInit);
  static absl::BitGen* gen ABSL_GUARDED_BY(mu) = new absl::BitGen();
  absl::MutexLock lock(&mu);
  return absl::StrFormat("c-%016x", absl::Uniform<uint64_t>(*gen));
}

}  // namespace

void Tenders::AddRecordKinds(store::RecordKinds* kinds) {
  kinds->Add(store::MakeRecordKind<v1::Tender>(kTenderKind, Terms()));
  kinds->Add(store::MakeRecordKind<v1::Interest>(kInterestKind, Terms()));
  kinds->Add(store::MakeRecordKind<v1::Consortium>(kConsortiumKind, Terms()));
}

absl::StatusOr<v1::Structure> Tenders::Structure(absl::string_view name,
                                                 absl::string_view field) const {
  if (!absl::StartsWith(name, "structures/")) {
    return common::InvalidField(std::string(field), "must be structures/{siret}");
  }
  return registry_->GetStructure(name);
}

absl::StatusOr<std::pair<v1::Tender, v1::Lot>> Tenders::TenderLot(absl::string_view tender,
                                                                  int lot_number,
                                                                  absl::string_view field) const {
  absl::StatusOr<v1::Tender> t =
      store::GetRecord<v1::Tender>(*store_, kTenderKind, tender, "tenders", field);
  if (!t.ok()) return t.status();
  const v1::Lot* lot = FindLot(*t, lot_number);
  if (lot == nullptr) {
    return absl::NotFoundError(absl::StrCat("lot ", lot_number, " of ", tender, " does not exist"));
  }
  return std::make_pair(std::move(*t), *lot);
}

absl::StatusOr<v1::Tender> Tenders::CreateTender(const v1::Tender& tender) {
  common::FieldViolations violations;
  ValidateTender(tender, "tender.", &violations);
  if (!violations.empty()) return violations.ToStatus();
  if (absl::StatusOr<v1::Buyer> buyer = registry_->GetBuyer(tender.buyer()); !buyer.ok())
    return buyer.status();
  v1::Tender t = tender;
  for (v1::Lot& lot : *t.mutable_lots()) lot.clear_award();
  t.clear_publish_time();
  t.clear_cancel_reason();
  t.set_status(v1::TENDER_STATUS_FORECAST);
  t.set_last_action(v1::TENDER_ACTION_CREATED);
  Normalise(&t);
  const std::string id = t.tender_id();
  return store::CreateRecord(store_, kTenderKind, id, TenderName(id), std::move(t), Terms());
}

absl::StatusOr<v1::Tender> Tenders::GetTender(absl::string_view name) const {
  return store::GetRecord<v1::Tender>(*store_, kTenderKind, name, "tenders");
}

template <typename Edit>
absl::StatusOr<v1::Tender> Tenders::Move(absl::string_view name, absl::string_view etag,
                                         v1::TenderAction action, Edit edit) {
  absl::StatusOr<std::string> id = store::IdFromName(name, "tenders", "name");
  if (!id.ok()) return id.status();
  return store::ModifyRecord<v1::Tender>(
      store_, kTenderKind, *id, name, Terms(), [&](v1::Tender* t) -> absl::Status {
        if (absl::Status stale = store::CheckEtag(*t, etag); !stale.ok()) return stale;
        absl::StatusOr<v1::TenderStatus> next = Transition(t->status(), action);
        if (!next.ok()) return next.status();
        t->set_status(*next);
        t->set_last_action(action);
        return edit(t);
      });
}

absl::StatusOr<v1::Tender> Tenders::UpdateTender(const v1::Tender& patch,
                                                 const google::protobuf::FieldMask& mask) {
  absl::StatusOr<google::protobuf::FieldMask> effective =
      store::UpdateMask<v1::Tender>(mask, UpdatableTenderFields());
  if (!effective.ok()) return effective.status();
  if (absl::StatusOr<std::string> id = store::IdFromName(patch.name(), "tenders", "tender.name");
      !id.ok()) {
    return id.status();
  }
  return Move(
      patch.name(), patch.etag(), v1::TENDER_ACTION_UPDATED, [&](v1::Tender* t) -> absl::Status {
        std::vector<int> numbers_before;
        for (const v1::Lot& lot : t->lots()) numbers_before.push_back(lot.lot_number());
        store::MergeMasked(patch, *effective, t);
        common::FieldViolations violations;
        ValidateTender(*t, "tender.", &violations);
        if (t->status() == v1::TENDER_STATUS_PUBLISHED) {
          std::vector<int> numbers_after;
          for (const v1::Lot& lot : t->lots()) numbers_after.push_back(lot.lot_number());
          std::sort(numbers_before.begin(), numbers_before.end());
          std::sort(numbers_after.begin(), numbers_after.end());
          if (numbers_before != numbers_after) {
            violations.Add("tender.lots",
                           "a published notice keeps its lots: they may change, not be renumbered, "
                           "added or removed");
          }
        }
        for (v1::Lot& lot : *t->mutable_lots()) lot.clear_award();
        Normalise(t);
        return violations.ToStatus();
      });
}

absl::StatusOr<v1::Tender> Tenders::PublishTender(absl::string_view name, absl::string_view etag) {
  const absl::Time now = absl::Now();
  return Move(name, etag, v1::TENDER_ACTION_PUBLISHED, [&](v1::Tender* t) -> absl::Status {
    if (!t->has_answer_deadline()) {
      return absl::FailedPreconditionError(
          absl::StrCat(name, " has no answer_deadline: set one before publishing"));
    }
    if (absl::FromUnixMillis(Millis(t->answer_deadline())) <= now) {
      return absl::FailedPreconditionError(
          absl::StrCat(name, "'s answer_deadline has passed: move it before publishing"));
    }
    *t->mutable_publish_time() = TimeUtil::MillisecondsToTimestamp(absl::ToUnixMillis(now));
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::Tender> Tenders::CloseTender(absl::string_view name, absl::string_view etag) {
  return Move(name, etag, v1::TENDER_ACTION_CLOSED, [](v1::Tender*) { return absl::OkStatus(); });
}

absl::StatusOr<v1::Tender> Tenders::CancelTender(absl::string_view name, absl::string_view reason,
                                                 absl::string_view etag) {
  if (reason.empty()) return common::InvalidField("reason", "a cancellation states its reason");
  return Move(name, etag, v1::TENDER_ACTION_CANCELLED, [&](v1::Tender* t) {
    t->set_cancel_reason(std::string(reason));
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::ListTendersResponse> Tenders::ListTenders(
    const v1::ListTendersRequest& request) const {
  absl::StatusOr<int> size = common::PageSize(request.page_size());
  if (!size.ok()) return size.status();
  v1::ListTendersRequest fingerprint_request = request;
  fingerprint_request.clear_page_size();
  fingerprint_request.clear_page_token();
  const std::string fingerprint = absl::StrCat("tenders:", fingerprint_request.SerializeAsString());
  absl::StatusOr<std::string> after = common::DecodePageToken(request.page_token(), fingerprint);
  if (!after.ok()) return after.status();

  common::FieldViolations violations;
  TermGroups groups = NoticeFilterTerms(request.buyer(), request.themes(), request.departments(),
                                        request.cpv_prefixes(), &violations);
  std::vector<std::string> statuses;
  for (int i = 0; i < request.statuses_size(); ++i) {
    if (!v1::TenderStatus_IsValid(request.statuses(i)) || request.statuses(i) == 0) {
      violations.Add(absl::StrCat("statuses[", i, "]"), "unknown status");
    }
    statuses.push_back(terms::Status(static_cast<v1::TenderStatus>(request.statuses(i))));
  }
  if (!statuses.empty()) groups.push_back(std::move(statuses));
  if (request.reserved_only()) groups.push_back({std::string(terms::kReserved)});
  if (!violations.empty()) return violations.ToStatus();
  std::unique_ptr<store::ReadView> view = store_->Read();
  std::unique_ptr<store::PostingCursor> cursor = NoticesUnder(*view, groups);
  if (!after->empty()) cursor->Seek(absl::StrCat(*after, absl::string_view("\0", 1)));

  const bool windowed = request.has_deadline_after() || request.has_deadline_before();
  v1::ListTendersResponse response;
  for (; cursor->Valid(); cursor->Next()) {
    if (response.tenders_size() == *size) {
      response.set_next_page_token(
          common::EncodePageToken(response.tenders(*size - 1).tender_id(), fingerprint));
      break;
    }
    absl::StatusOr<v1::Tender> tender =
        store::GetById<v1::Tender>(*view, kTenderKind, cursor->id(), cursor->id());
    if (!tender.ok()) return tender.status();
    if (windowed) {
      if (!tender->has_answer_deadline()) continue;
      int64_t deadline = Millis(tender->answer_deadline());
      if (request.has_deadline_after() && deadline < Millis(request.deadline_after())) continue;
      if (request.has_deadline_before() && deadline >= Millis(request.deadline_before())) continue;
    }
    *response.add_tenders() = std::move(*tender);
  }
  return response;
}

absl::StatusOr<v1::Award> Tenders::AwardLot(absl::string_view tender, const v1::Award& request) {
  common::FieldViolations violations;
  ValidateAward(request, "award.", &violations);
  if (!violations.empty()) return violations.ToStatus();
  absl::StatusOr<std::pair<v1::Tender, v1::Lot>> found =
      TenderLot(tender, request.lot_number(), "tender");
  if (!found.ok()) return found.status();
  const v1::Lot& lot = found->second;

  // Who holds the award, as they stand now: the impact figures count it by their size and status
  // today.
  std::vector<v1::AwardShare> shares;
  std::vector<v1::Structure> holders;
  if (!request.structure().empty()) {
    absl::StatusOr<v1::Structure> s = Structure(request.structure(), "award.structure");
    if (!s.ok()) return s.status();
    shares.push_back(ShareOf(*s, v1::CONSORTIUM_ROLE_LEAD, kBasisPoints));
    holders.push_back(std::move(*s));
  } else {
    absl::StatusOr<v1::Consortium> c = GetConsortium(request.consortium());
    if (!c.ok()) return c.status();
    if (c->tender() != tender || c->lot_number() != request.lot_number()) {
      return common::InvalidField("award.consortium",
                                  absl::StrCat(c->name(), " was formed for lot ", c->lot_number(),
                                               " of ", c->tender(), ", not this lot"));
    }
    if (c->status() != v1::CONSORTIUM_STATUS_COMPLETE) {
      return absl::FailedPreconditionError(absl::StrCat(
          c->name(), " is not complete: every member must accept before it can be awarded"));
    }
    for (const v1::ConsortiumMember& m : c->members()) {
      absl::StatusOr<v1::Structure> s = Structure(m.structure(), "award.consortium");
      if (!s.ok()) return s.status();
      shares.push_back(ShareOf(*s, m.role(), m.share_basis_points()));
      holders.push_back(std::move(*s));
    }
  }
  for (const v1::Structure& s : holders) {
    if (!IsEligible(s, lot.reservation())) {
      return common::InvalidField(
          request.structure().empty() ? "award.consortium" : "award.structure",
          absl::StrCat(s.name(), " is not eligible for lot ", lot.lot_number(), ", reserved to ",
                       EnumLabel(lot.reservation())));
    }
  }
  SplitAmount(request.amount_cents(), &shares);

  v1::Award award = request;
  award.set_tender(std::string(tender));
  award.set_buyer(found->first.buyer());
  award.clear_shares();
  for (v1::AwardShare& s : shares) *award.add_shares() = std::move(s);
  absl::StatusOr<v1::Tender> written =
      Move(tender, "", v1::TENDER_ACTION_LOT_AWARDED, [&](v1::Tender* t) -> absl::Status {
        v1::Lot* target = FindLot(t, award.lot_number());
        if (target == nullptr) {
          return absl::NotFoundError(
              absl::StrCat("lot ", award.lot_number(), " of ", tender, " does not exist"));
        }
        if (target->has_award()) {
          return absl::AlreadyExistsError(
              absl::StrCat("lot ", award.lot_number(), " of ", tender, " is already awarded"));
        }
        if (target->reservation() != lot.reservation()) {
          return absl::AbortedError("the lot changed while awarding it: retry");
        }
        *target->mutable_award() = award;
        t->set_status(AwardedWhenComplete(*t));
        return absl::OkStatus();
      });
  if (!written.ok()) return written.status();
  return award;
}

absl::StatusOr<v1::ListAwardsResponse> Tenders::ListAwards(
    const v1::ListAwardsRequest& request) const {
  absl::StatusOr<int> size = common::PageSize(request.page_size());
  if (!size.ok()) return size.status();
  const std::string fingerprint = absl::StrCat("awards:", request.buyer(), "\n", request.tender());
  absl::StatusOr<std::string> after = common::DecodePageToken(request.page_token(), fingerprint);
  if (!after.ok()) return after.status();
  // The token is "tender_id/lot_number" of the last award returned.
  std::string after_tender;
  int after_lot = 0;
  if (!after->empty()) {
    std::pair<std::string, std::string> parts = absl::StrSplit(*after, absl::MaxSplits('/', 1));
    after_tender = parts.first;
    if (!absl::SimpleAtoi(parts.second, &after_lot))
      return common::InvalidField("page_token", "is malformed");
  }
  std::unique_ptr<store::ReadView> view = store_->Read();
  Cursors filters;
  filters.push_back(AnyOf(
      *view, {terms::Status(v1::TENDER_STATUS_CLOSED), terms::Status(v1::TENDER_STATUS_AWARDED)}));
  if (!request.buyer().empty())
    filters.push_back(view->Postings(kTenderKind, terms::Buyer(IdOf(request.buyer()))));
  if (!request.tender().empty()) {
    filters.push_back(store::NewVectorCursor({std::string(IdOf(request.tender()))}));
  }
  std::unique_ptr<store::PostingCursor> cursor = store::NewIntersectionCursor(std::move(filters));
  if (!after_tender.empty()) cursor->Seek(after_tender);
  v1::ListAwardsResponse response;
  std::string last;
  for (; cursor->Valid(); cursor->Next()) {
    absl::StatusOr<v1::Tender> t =
        store::GetById<v1::Tender>(*view, kTenderKind, cursor->id(), cursor->id());
    if (!t.ok()) return t.status();
    for (const v1::Lot& lot : t->lots()) {
      if (!lot.has_award() || (t->tender_id() == after_tender && lot.lot_number() <= after_lot))
        continue;
      if (response.awards_size() == *size) {
        response.set_next_page_token(common::EncodePageToken(last, fingerprint));
        return response;
      }
      *response.add_awards() = lot.award();
      last = absl::StrCat(t->tender_id(), "/", lot.lot_number());
    }
  }
  return response;
}

absl::StatusOr<v1::MatchStructuresResponse> Tenders::MatchStructures(
    const v1::MatchStructuresRequest& request) const {
  absl::StatusOr<int> size = common::PageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<std::pair<v1::Tender, v1::Lot>> found =
      TenderLot(request.tender(), request.lot_number(), "tender");
  if (!found.ok()) return found.status();
  const auto& [tender, lot] = *found;

  // Candidates from the registry's indexes: in the lot's departments, eligible for it, and sharing
  // its sector or one of its themes. Scoring then ranks them and says why.
  v1::SearchStructuresRequest base;
  for (const std::string& d : tender.departments()) base.add_departments(d);
  for (v1::InclusionKind k : EligibleInclusionKinds(lot.reservation())) base.add_inclusion_kinds(k);
  for (v1::SseStatus s : EligibleSseStatuses(lot.reservation())) base.add_sse_statuses(s);
  std::vector<v1::SearchStructuresRequest> searches;
  v1::SearchStructuresRequest by_sector = base;
  for (const std::string& code : LotCpvCodes(tender, lot)) {
    by_sector.add_cpv_prefixes(std::string(CpvSector(code)));
  }
  searches.push_back(std::move(by_sector));
  if (!tender.themes().empty()) {
    v1::SearchStructuresRequest by_theme = base;
    for (int theme : tender.themes()) by_theme.add_themes(static_cast<v1::Theme>(theme));
    searches.push_back(std::move(by_theme));
  }
  std::unique_ptr<store::ReadView> view = store_->Read();
  Cursors plans;
  for (const v1::SearchStructuresRequest& search : searches) {
    auto plan = registry::PlanStructureSearch(*view, search);
    if (!plan.ok()) return plan.status();
    plans.push_back(std::move(*plan));
  }
  std::unique_ptr<store::PostingCursor> candidates = store::NewUnionCursor(std::move(plans));
  const std::vector<std::string> ids = store::Ids(candidates.get(), kMaxCandidates);

  // Every candidate is scored; only the page returned has its reasons worded. The candidates live
  // in an arena, freed at once when the call ends.
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 64 << 10;
  arena_options.max_block_size = 1 << 20;
  google::protobuf::Arena arena(arena_options);
  struct Ranked {
    int score;
    const v1::Structure* structure;
  };
  std::vector<Ranked> ranked;
  size_t read = 0;
  absl::Status scored = view->GetEach(
      registry::kStructureKind, ids, [&](size_t, absl::string_view bytes) -> absl::Status {
        auto* s = google::protobuf::Arena::CreateMessage<v1::Structure>(&arena);
        if (absl::Status parsed = store::ParseInto(bytes, s); !parsed.ok()) return parsed;
        ++read;
        if (std::optional<int> score = LotScore(*s, tender, lot)) ranked.push_back({*score, s});
        return absl::OkStatus();
      });
  if (!scored.ok()) return scored;
  if (absl::Status all = store::AllFound(registry::kStructureKind, read, ids.size()); !all.ok())
    return all;

  v1::MatchStructuresResponse response;
  response.set_candidates(static_cast<int32_t>(read));
  auto better = [](const Ranked& a, const Ranked& b) {
    return a.score != b.score ? a.score > b.score : a.structure->name() < b.structure->name();
  };
  size_t keep = std::min(ranked.size(), static_cast<size_t>(*size));
  std::partial_sort(ranked.begin(), ranked.begin() + keep, ranked.end(), better);
  for (size_t i = 0; i < keep; ++i) {
    const v1::Structure& s = *ranked[i].structure;
    std::optional<LotFit> fit = FitLot(s, tender, lot);
    v1::StructureMatch* m = response.add_matches();
    m->set_structure(s.name());
    m->set_display_name(s.display_name());
    m->set_score(fit->score);
    for (v1::MatchReason& r : fit->reasons) *m->add_reasons() = std::move(r);
  }
  return response;
}

absl::StatusOr<v1::MatchTendersResponse> Tenders::MatchTenders(
    const v1::MatchTendersRequest& request) const {
  absl::StatusOr<int> size = common::PageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<v1::Structure> s = Structure(request.structure(), "structure");
  if (!s.ok()) return s.status();
  std::unique_ptr<store::ReadView> view = store_->Read();
  std::unique_ptr<store::PostingCursor> cursor = NoticesUnder(
      *view,
      {{terms::Status(v1::TENDER_STATUS_FORECAST), terms::Status(v1::TENDER_STATUS_PUBLISHED)},
       RelevantTerms(*s)});
  absl::StatusOr<std::vector<v1::Tender>> tenders =
      store::ReadAll<v1::Tender>(*view, kTenderKind, cursor.get(), kMaxCandidates);
  if (!tenders.ok()) return tenders.status();
  std::vector<v1::LotMatch> matches;
  for (const v1::Tender& t : *tenders) {
    for (v1::LotMatch& m : MatchLots(*s, t)) matches.push_back(std::move(m));
  }
  std::stable_sort(
      matches.begin(), matches.end(),
      [](const v1::LotMatch& a, const v1::LotMatch& b) { return a.score() > b.score(); });
  v1::MatchTendersResponse response;
  for (size_t i = 0; i < matches.size() && i < static_cast<size_t>(*size); ++i) {
    *response.add_matches() = std::move(matches[i]);
  }
  return response;
}

absl::StatusOr<v1::Digest> Tenders::GetDigest(const v1::GetDigestRequest& request) const {
  absl::StatusOr<absl::CivilDay> start = IsoWeekStart(request.week(), "week");
  if (!start.ok()) return start.status();
  absl::StatusOr<v1::Structure> s = Structure(request.structure(), "structure");
  if (!s.ok()) return s.status();
  std::unique_ptr<store::ReadView> view = store_->Read();
  std::unique_ptr<store::PostingCursor> cursor =
      view->Postings(kTenderKind, terms::Week(request.week()));
  absl::StatusOr<std::vector<v1::Tender>> tenders =
      store::ReadAll<v1::Tender>(*view, kTenderKind, cursor.get(), kMaxCandidates);
  if (!tenders.ok()) return tenders.status();
  return BuildDigest(*s, request.week(), *tenders);
}

absl::StatusOr<WatchPlan> Tenders::PlanWatch(const v1::WatchTendersRequest& request) const {
  std::optional<v1::Structure> structure;
  if (!request.matches_structure().empty()) {
    absl::StatusOr<v1::Structure> s = Structure(request.matches_structure(), "matches_structure");
    if (!s.ok()) return s.status();
    structure = std::move(*s);
  }
  common::FieldViolations violations;
  TermGroups groups = NoticeFilterTerms(request.buyer(), request.themes(), request.departments(),
                                        request.cpv_prefixes(), &violations);
  if (!violations.empty()) return violations.ToStatus();
  if (structure) groups.push_back(RelevantTerms(*structure));
  TenderCandidates candidates = [groups](const store::ReadView& view) {
    return NoticesUnder(view, groups);
  };
  return WatchPlan{MakeTenderFilter(request, structure ? &*structure : nullptr),
                   std::move(candidates)};
}

absl::StatusOr<v1::Interest> Tenders::DeclareInterest(const v1::DeclareInterestRequest& request) {
  absl::StatusOr<std::pair<v1::Tender, v1::Lot>> found =
      TenderLot(request.tender(), request.lot_number(), "tender");
  if (!found.ok()) return found.status();
  const v1::Tender& t = found->first;
  if (t.status() != v1::TENDER_STATUS_FORECAST && t.status() != v1::TENDER_STATUS_PUBLISHED) {
    return absl::FailedPreconditionError(absl::StrCat(t.name(), " is ", StatusLabel(t.status()),
                                                      ": interest is declared while it is open"));
  }
  absl::StatusOr<v1::Structure> s = Structure(request.structure(), "structure");
  if (!s.ok()) return s.status();
  v1::Interest interest;
  interest.set_tender(t.name());
  interest.set_lot_number(request.lot_number());
  interest.set_structure(s->name());
  return store::CreateRecord(
      store_, kInterestKind, InterestId(t.tender_id(), request.lot_number(), s->siret()),
      InterestName(t.tender_id(), request.lot_number(), s->siret()), std::move(interest), Terms());
}

absl::StatusOr<v1::ListInterestsResponse> Tenders::ListInterests(
    const v1::ListInterestsRequest& request, const mesh::ReadScope& scope) const {
  absl::StatusOr<int> size = common::PageSize(request.page_size());
  if (!size.ok()) return size.status();
  if (scope.Hides(kInterestKind)) return v1::ListInterestsResponse();
  const std::string own =
      scope.siret().empty() ? "" : absl::StrCat("structures/", scope.siret());
  absl::StatusOr<v1::Tender> t = GetTender(request.tender());
  if (!t.ok()) return t.status();
  if (request.lot_number() != 0 && FindLot(*t, request.lot_number()) == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("lot ", request.lot_number(), " of ", t->name(), " does not exist"));
  }
  const std::string term = request.lot_number() == 0
                               ? terms::Tender(t->tender_id())
                               : terms::Lot(t->tender_id(), request.lot_number());
  const std::string fingerprint = absl::StrCat("interests:", term);
  absl::StatusOr<std::string> after = common::DecodePageToken(request.page_token(), fingerprint);
  if (!after.ok()) return after.status();
  std::unique_ptr<store::ReadView> view = store_->Read();
  std::unique_ptr<store::PostingCursor> cursor = view->Postings(kInterestKind, term);
  v1::ListInterestsResponse response;
  absl::StatusOr<std::string> next = store::CursorPage<v1::Interest>(
      *view, kInterestKind, *cursor, *after, *size, fingerprint,
      [&](v1::Interest i) {
        if (own.empty() || i.structure() == own) *response.add_interests() = std::move(i);
      });
  if (!next.ok()) return next.status();
  response.set_next_page_token(*std::move(next));
  return response;
}

absl::StatusOr<v1::Consortium> Tenders::ProposeConsortium(const v1::Consortium& proposal) {
  common::FieldViolations violations;
  ValidateConsortium(proposal, "consortium.", &violations);
  if (!violations.empty()) return violations.ToStatus();
  absl::StatusOr<std::pair<v1::Tender, v1::Lot>> found =
      TenderLot(proposal.tender(), proposal.lot_number(), "consortium.tender");
  if (!found.ok()) return found.status();
  const v1::Tender& t = found->first;
  if (t.status() != v1::TENDER_STATUS_FORECAST && t.status() != v1::TENDER_STATUS_PUBLISHED) {
    return absl::FailedPreconditionError(absl::StrCat(t.name(), " is ", StatusLabel(t.status()),
                                                      ": consortia form while it is open"));
  }
  v1::Consortium c = proposal;
  for (int i = 0; i < c.members_size(); ++i) {
    v1::ConsortiumMember* m = c.mutable_members(i);
    absl::StatusOr<v1::Structure> s =
        Structure(m->structure(), absl::StrCat("consortium.members[", i, "].structure"));
    if (!s.ok()) return s.status();
    // The lead proposes, so it has accepted; the others are asked.
    m->set_response(m->role() == v1::CONSORTIUM_ROLE_LEAD ? v1::MEMBER_RESPONSE_ACCEPTED
                                                          : v1::MEMBER_RESPONSE_PENDING);
  }
  c.set_status(v1::CONSORTIUM_STATUS_PROPOSED);
  if (c.consortium_id().empty()) c.set_consortium_id(NewConsortiumId());
  const std::string id = c.consortium_id();
  return store::CreateRecord(store_, kConsortiumKind, id, ConsortiumName(id), std::move(c),
                             Terms());
}

absl::StatusOr<v1::Consortium> Tenders::RespondToConsortium(
    const v1::RespondToConsortiumRequest& request) {
  absl::StatusOr<std::string> id = store::IdFromName(request.name(), "consortia", "name");
  if (!id.ok()) return id.status();
  return store::ModifyRecord<v1::Consortium>(
      store_, kConsortiumKind, *id, request.name(), Terms(),
      [&](v1::Consortium* c) -> absl::Status {
        v1::ConsortiumMember* member = nullptr;
        for (v1::ConsortiumMember& m : *c->mutable_members()) {
          if (m.structure() == request.structure()) member = &m;
        }
        if (member == nullptr) {
          return common::InvalidField(
              "structure", absl::StrCat(request.structure(), " is not a member of ", c->name()));
        }
        if (c->status() != v1::CONSORTIUM_STATUS_PROPOSED ||
            member->response() != v1::MEMBER_RESPONSE_PENDING) {
          return absl::FailedPreconditionError(absl::StrCat(
              request.structure(), " has already answered, or ", c->name(), " is no longer open"));
        }
        member->set_response(request.accept() ? v1::MEMBER_RESPONSE_ACCEPTED
                                              : v1::MEMBER_RESPONSE_DECLINED);
        if (!request.accept()) {
          c->set_status(v1::CONSORTIUM_STATUS_DECLINED);
        } else if (std::all_of(c->members().begin(), c->members().end(),
                               [](const v1::ConsortiumMember& m) {
                                 return m.response() == v1::MEMBER_RESPONSE_ACCEPTED;
                               })) {
          c->set_status(v1::CONSORTIUM_STATUS_COMPLETE);
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::Consortium> Tenders::GetConsortium(absl::string_view name,
                                                      const mesh::ReadScope& scope) const {
  if (absl::Status s = scope.MayShow(kConsortiumKind, name); !s.ok()) return s;
  absl::StatusOr<v1::Consortium> c =
      store::GetRecord<v1::Consortium>(*store_, kConsortiumKind, name, "consortia");
  if (!c.ok() || scope.siret().empty()) return c;
  const std::string own = absl::StrCat("structures/", scope.siret());
  for (const v1::ConsortiumMember& m : c->members()) {
    if (m.structure() == own) return c;
  }
  return absl::PermissionDeniedError(absl::StrCat("these credentials read SIRET ", scope.siret(),
                                                  "'s records; ", name, " does not count it among its members"));
}

}  // namespace passerelle::tender
