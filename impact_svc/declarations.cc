#include "impact_svc/declarations.h"

#include <algorithm>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/paging.h"
#include "google/protobuf/util/message_differencer.h"
#include "impact_svc/aggregates.h"
#include "impact_svc/report.h"
#include "impact_svc/rules.h"
#include "registry_svc/search.h"
#include "store/records.h"
#include "tender_svc/tenders.h"

namespace passerelle::impact {
namespace {

constexpr absl::string_view kCollection = "declarations";

std::vector<std::string> Terms(const v1::HourDeclaration& d) {
  return {absl::StrCat("contractor:", d.contractor_siret()),
          absl::StrCat("buyer:", d.buyer()),
          absl::StrCat("tender:", d.tender()),
          absl::StrCat("lot:", LotValue(d.tender(), d.lot_number())),
          absl::StrCat("status:", static_cast<int>(d.status())),
          absl::StrCat("period:", d.period())};
}

// The id of version `n` of the one declaration a contractor may make for a lot and month: the slot
// is the id, so a second submission meets the first under the store's write lock.
std::string DeclarationId(const v1::HourDeclaration& d, int n) {
  return absl::StrCat(d.contractor_siret(), "-", d.tender().substr(sizeof("tenders/") - 1), "-",
                      d.lot_number(), "-", d.period(), "-v", n);
}

std::string NameOf(absl::string_view id) { return absl::StrCat(kCollection, "/", id); }

const char* StatusWord(v1::DeclarationStatus s) {
  switch (s) {
    case v1::DECLARATION_STATUS_SUBMITTED:
      return "submitted";
    case v1::DECLARATION_STATUS_VALIDATED:
      return "validated";
    case v1::DECLARATION_STATUS_REJECTED:
      return "rejected";
    case v1::DECLARATION_STATUS_SUPERSEDED:
      return "superseded";
    default:
      return "unknown";
  }
}

// The figures a contractor declared, without what the node set: equal for a re-sent declaration.
v1::HourDeclaration Declared(v1::HourDeclaration d) {
  store::ClearOutputOnly(&d);
  d.clear_declaration_id();
  d.clear_status();
  d.clear_reviewer();
  d.clear_reason();
  d.clear_supersedes();
  d.clear_superseded_by();
  d.clear_declaration_version();
  return d;
}

class DeclarationKind final : public store::RecordKind {
 public:
  std::string name() const override { return std::string(kDeclarationKind); }
  absl::StatusOr<std::vector<std::string>> IndexTerms(absl::string_view record) const override {
    absl::StatusOr<v1::HourDeclaration> d = store::ParseRecord<v1::HourDeclaration>(record);
    if (!d.ok()) return d.status();
    return Terms(*d);
  }
  // Peers under a REDACTED rule get the figures without the worker lines.
  absl::StatusOr<std::string> Redact(absl::string_view record) const override {
    absl::StatusOr<v1::HourDeclaration> d = store::ParseRecord<v1::HourDeclaration>(record);
    if (!d.ok()) return d.status();
    RedactWorkers(&*d);
    return d->SerializeAsString();
  }
};

// What `scope` shows of the stored declaration `d`.
absl::StatusOr<v1::HourDeclaration> Shown(v1::HourDeclaration d, const mesh::ReadScope& scope) {
  if (absl::Status s = scope.MayReadCompany(d.contractor_siret(), d.name()); !s.ok()) return s;
  if (absl::Status s = scope.MayReadBuyer(d.buyer(), d.name()); !s.ok()) return s;
  // The kind's redaction (DeclarationKind::Redact), as a peer under the same rule receives it.
  if (scope.Redacts(kDeclarationKind)) RedactWorkers(&d);
  return d;
}

// PERMISSION_DENIED when `caller` reviews another buyer's declarations than `d`'s.
absl::Status MayReview(const Caller& caller, const v1::HourDeclaration& d) {
  if (caller.buyer.empty() || caller.buyer == d.buyer()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("these credentials review ", caller.buyer,
                                                  "'s declarations; ", d.name(), " is ",
                                                  d.buyer(), "'s"));
}

// The write that stores `next` over `previous` (nullptr: none) with the node's stamps.
store::RecordWrite Commit(v1::HourDeclaration* next, const v1::HourDeclaration* previous,
                          const v1::Version& version) {
  store::Stamp(next, next->name(), version, previous);
  return store::Replace(previous, *next, Terms);
}

}  // namespace

struct Declarations::Prepared {
  std::string id;
  v1::HourDeclaration record;
};

void Declarations::AddRecordKinds(store::RecordKinds* kinds) {
  kinds->Add(std::make_unique<DeclarationKind>());
}

absl::CivilMonth Declarations::ThisMonth() const {
  if (fixed_month_) return *fixed_month_;
  return absl::CivilMonth(absl::ToCivilSecond(absl::Now(), absl::UTCTimeZone()));
}

absl::StatusOr<Declarations::Prepared> Declarations::Prepare(
    v1::HourDeclaration d, absl::string_view prefix, const Caller& caller,
    const store::ReadView& view, absl::flat_hash_map<std::string, v1::Tender>* tenders) const {
  auto field = [&](absl::string_view name) { return absl::StrCat(prefix, name); };
  common::FieldViolations violations;
  ValidateDeclaration(d, prefix, ThisMonth(), &violations);
  if (!violations.empty()) return violations.ToStatus();
  if (!caller.siret.empty() && caller.siret != d.contractor_siret()) {
    return absl::PermissionDeniedError(absl::StrCat("these credentials declare for SIRET ",
                                                    caller.siret, ", not ", d.contractor_siret()));
  }
  if (d.workers_size() > 0 && !has_worker_secret_) {
    return absl::FailedPreconditionError(
        "this node has no worker secret (impact.worker_secret_file): it cannot take worker lines");
  }
  auto cached = tenders->find(d.tender());
  if (cached == tenders->end()) {
    absl::StatusOr<std::string> tender_id =
        store::IdFromName(d.tender(), "tenders", field("tender"));
    if (!tender_id.ok()) return tender_id.status();
    absl::StatusOr<v1::Tender> t =
        store::GetById<v1::Tender>(view, tender::kTenderKind, *tender_id, d.tender());
    if (!t.ok()) return t.status();
    cached = tenders->emplace(d.tender(), *std::move(t)).first;
  }
  const v1::Tender& t = cached->second;
  if (d.buyer() != t.buyer()) {
    return common::InvalidField(field("buyer"),
                                absl::StrCat(t.name(), " is bought by ", t.buyer()));
  }
  auto lot = std::find_if(t.lots().begin(), t.lots().end(),
                          [&](const v1::Lot& l) { return l.lot_number() == d.lot_number(); });
  if (lot == t.lots().end()) {
    return absl::NotFoundError(
        absl::StrCat("lot ", d.lot_number(), " of ", t.name(), " does not exist"));
  }
  const v1::Award& award = lot->award();
  const bool holds =
      std::any_of(award.shares().begin(), award.shares().end(),
                  [&](const v1::AwardShare& s) { return s.siret() == d.contractor_siret(); }) ||
      std::count(award.subcontractor_sirets().begin(), award.subcontractor_sirets().end(),
                 d.contractor_siret()) > 0;
  if (!holds) {
    return absl::FailedPreconditionError(
        absl::StrCat(field("contractor_siret"), ": ", d.contractor_siret(),
                     " holds no part of lot ", d.lot_number(), " of ", t.name(),
                     " (neither supplier, consortium member nor declared subcontractor)"));
  }
  Prepared p;
  p.record = std::move(d);
  store::ClearOutputOnly(&p.record);
  p.record.clear_reviewer();
  p.record.clear_reason();
  p.record.clear_supersedes();
  p.record.clear_superseded_by();
  PseudonymiseWorkers(pseudonymiser_, &p.record);
  p.record.mutable_themes()->CopyFrom(t.themes());
  p.record.mutable_departments()->CopyFrom(t.departments());
  p.record.set_status(v1::DECLARATION_STATUS_SUBMITTED);
  p.record.set_declaration_version(1);
  p.id = DeclarationId(p.record, 1);
  p.record.set_declaration_id(p.id);
  p.record.set_name(NameOf(p.id));
  return p;
}

absl::StatusOr<v1::HourDeclaration> Declarations::Submit(const v1::HourDeclaration& declaration,
                                                         const Caller& caller) {
  auto results = SubmitMany({declaration}, caller);
  if (!results.ok()) return results.status();
  return std::move(results->front());
}

absl::StatusOr<std::vector<absl::StatusOr<v1::HourDeclaration>>> Declarations::SubmitMany(
    std::vector<v1::HourDeclaration> declarations, const Caller& caller) {
  std::unique_ptr<store::ReadView> view = store_->Read();
  absl::flat_hash_map<std::string, v1::Tender> tenders;
  std::vector<absl::StatusOr<v1::HourDeclaration>> results;
  std::vector<Prepared> prepared;
  std::vector<size_t> positions;  // of each prepared item among the results
  std::vector<std::string> ids;
  for (size_t i = 0; i < declarations.size(); ++i) {
    const std::string prefix = declarations.size() == 1 ? "declaration." : "";
    absl::StatusOr<Prepared> p =
        Prepare(std::move(declarations[i]), prefix, caller, *view, &tenders);
    if (!p.ok()) {
      results.push_back(p.status());
      continue;
    }
    results.push_back(absl::UnknownError("not decided"));
    positions.push_back(i);
    ids.push_back(p->id);
    prepared.push_back(*std::move(p));
  }
  if (ids.empty()) return results;
  // Re-sent unchanged (a retried upload), decided under the write lock with the one read of it: the
  // stored one stands, and the error that keeps the item from being written is not reported.
  std::vector<std::optional<v1::HourDeclaration>> held(prepared.size());
  auto written = store_->WriteEach(
      kDeclarationKind, ids,
      [&](size_t item, const std::optional<std::string>& current,
          const v1::Version& version) -> absl::StatusOr<store::RecordWrite> {
        v1::HourDeclaration& record = prepared[item].record;
        if (current) {
          absl::StatusOr<v1::HourDeclaration> stored =
              store::ParseRecord<v1::HourDeclaration>(*current);
          if (stored.ok() && google::protobuf::util::MessageDifferencer::Equals(Declared(*stored),
                                                                                Declared(record))) {
            held[item] = *std::move(stored);
            return absl::AlreadyExistsError("held unchanged");
          }
          return absl::AlreadyExistsError(absl::StrCat(
              record.name(), " already declares ", record.contractor_siret(), "'s hours on lot ",
              record.lot_number(), " of ", record.tender(), " for ", record.period(),
              ": send a CorrectDeclaration to its latest version instead"));
        }
        return Commit(&record, nullptr, version);
      });
  if (!written.ok()) return written.status();
  for (size_t k = 0; k < positions.size(); ++k) {
    if (held[k]) {
      results[positions[k]] = *std::move(held[k]);
    } else if ((*written)[k].ok()) {
      results[positions[k]] = std::move(prepared[k].record);
    } else {
      results[positions[k]] = (*written)[k].status();
    }
  }
  return results;
}

absl::StatusOr<v1::HourDeclaration> Declarations::Get(absl::string_view name,
                                                      const mesh::ReadScope& scope) const {
  if (absl::Status s = scope.MayReadDeclarations(); !s.ok()) return s;
  if (absl::Status s = scope.MayShow(kDeclarationKind, name); !s.ok()) return s;
  absl::StatusOr<v1::HourDeclaration> d =
      store::GetRecord<v1::HourDeclaration>(*store_, kDeclarationKind, name, kCollection);
  if (!d.ok()) return d.status();
  return Shown(*std::move(d), scope);
}

absl::StatusOr<v1::ListDeclarationsResponse> Declarations::List(
    const v1::ListDeclarationsRequest& asked, const mesh::ReadScope& scope) const {
  if (absl::Status s = scope.MayReadDeclarations(); !s.ok()) return s;
  v1::ListDeclarationsRequest request = asked;
  absl::StatusOr<std::string> contractor =
      scope.CompanyFilter(request.contractor_siret(), "contractor_siret");
  if (!contractor.ok()) return contractor.status();
  request.set_contractor_siret(*std::move(contractor));
  absl::StatusOr<std::string> buyer = scope.BuyerFilter(request.buyer(), "buyer");
  if (!buyer.ok()) return buyer.status();
  request.set_buyer(*std::move(buyer));
  common::FieldViolations violations;
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string&>{"period_from", request.period_from()},
        {"period_to", request.period_to()}}) {
    if (!value.empty() && !ParseMonth(value)) {
      violations.Add(field, "must be a month YYYY-MM");
    }
  }
  if (request.lot_number() != 0 && request.tender().empty()) {
    violations.Add("lot_number", "needs tender");
  }
  if (!v1::DeclarationStatus_IsValid(request.status())) violations.Add("status", "is not a status");
  if (!violations.empty()) return violations.ToStatus();
  absl::StatusOr<int> size = common::PageSize(request.page_size());
  if (!size.ok()) return size.status();
  const std::string fingerprint =
      absl::StrCat("declarations|", request.contractor_siret(), "|", request.buyer(), "|",
                   request.tender(), "|", request.lot_number(), "|", request.period_from(), "|",
                   request.period_to(), "|", static_cast<int>(request.status()));
  absl::StatusOr<std::string> after = common::DecodePageToken(request.page_token(), fingerprint);
  if (!after.ok()) return after.status();
  if (scope.Hides(kDeclarationKind)) return v1::ListDeclarationsResponse();

  std::unique_ptr<store::ReadView> view = store_->Read();
  // One group of terms per filter (any of a group, all groups).
  std::vector<std::vector<std::string>> groups;
  auto exact = [&](absl::string_view prefix, const std::string& value) {
    if (!value.empty()) groups.push_back({absl::StrCat(prefix, value)});
  };
  exact("contractor:", request.contractor_siret());
  exact("buyer:", request.buyer());
  if (request.lot_number() != 0) {
    exact("lot:", LotValue(request.tender(), request.lot_number()));
  } else {
    exact("tender:", request.tender());
  }
  if (request.status() != v1::DECLARATION_STATUS_UNSPECIFIED) {
    groups.push_back({absl::StrCat("status:", static_cast<int>(request.status()))});
  }
  if (!request.period_from().empty() || !request.period_to().empty() || groups.empty()) {
    // Periods present in the store, cut to the range; with no filter at all, every period.
    std::vector<std::string> periods;
    for (std::string& term : view->TermsWithPrefix(kDeclarationKind, "period:", SIZE_MAX)) {
      absl::string_view month = absl::string_view(term).substr(sizeof("period:") - 1);
      if ((request.period_from().empty() || month >= request.period_from()) &&
          (request.period_to().empty() || month <= request.period_to())) {
        periods.push_back(std::move(term));
      }
    }
    groups.push_back(std::move(periods));
  }
  std::vector<std::unique_ptr<store::PostingCursor>> cursors;
  for (const std::vector<std::string>& group : groups) {
    cursors.push_back(registry::AnyOf(*view, kDeclarationKind, group));
  }
  std::unique_ptr<store::PostingCursor> cursor = store::NewIntersectionCursor(std::move(cursors));
  v1::ListDeclarationsResponse response;
  absl::StatusOr<std::string> next = store::CursorPage<v1::HourDeclaration>(
      *view, kDeclarationKind, *cursor, *after, *size, fingerprint,
      [&](v1::HourDeclaration d) {
        if (scope.Redacts(kDeclarationKind)) RedactWorkers(&d);
        *response.add_declarations() = std::move(d);
      });
  if (!next.ok()) return next.status();
  response.set_next_page_token(*std::move(next));
  return response;
}

absl::StatusOr<v1::HourDeclaration> Declarations::Validate(absl::string_view name,
                                                           absl::string_view etag,
                                                           const Caller& caller) {
  absl::StatusOr<std::string> id = store::IdFromName(name, kCollection, "name");
  if (!id.ok()) return id.status();
  // The versions this one corrects that still count: validating it supersedes them in the same
  // write.
  std::vector<std::string> ids = {*id};
  {
    std::unique_ptr<store::ReadView> view = store_->Read();
    absl::StatusOr<v1::HourDeclaration> at =
        store::GetById<v1::HourDeclaration>(*view, kDeclarationKind, *id, name);
    if (!at.ok()) return at.status();
    while (!at->supersedes().empty() && ids.size() < 1000) {
      const std::string earlier = at->supersedes();
      absl::StatusOr<std::string> earlier_id =
          store::IdFromName(earlier, kCollection, "supersedes");
      if (!earlier_id.ok()) return earlier_id.status();
      at = store::GetById<v1::HourDeclaration>(*view, kDeclarationKind, *earlier_id, earlier);
      if (!at.ok()) return at.status();
      if (at->status() == v1::DECLARATION_STATUS_VALIDATED) ids.push_back(at->declaration_id());
    }
  }
  v1::HourDeclaration result;
  auto written = store_->WriteAll(
      kDeclarationKind, ids,
      [&](size_t item, const std::optional<std::string>& current,
          const v1::Version& version) -> absl::StatusOr<store::RecordWrite> {
        if (!current) return absl::NotFoundError(absl::StrCat(name, " does not exist"));
        absl::StatusOr<v1::HourDeclaration> previous =
            store::ParseRecord<v1::HourDeclaration>(*current);
        if (!previous.ok()) return previous.status();
        if (absl::Status s = store::CheckOwner(*previous, store_->partner_id()); !s.ok()) return s;
        v1::HourDeclaration next = *previous;
        if (item > 0) {
          if (next.status() == v1::DECLARATION_STATUS_VALIDATED) {
            next.set_status(v1::DECLARATION_STATUS_SUPERSEDED);
          }
          return Commit(&next, &*previous, version);
        }
        if (absl::Status s = MayReview(caller, *previous); !s.ok()) return s;
        if (absl::Status s = store::CheckEtag(*previous, etag); !s.ok()) return s;
        if (previous->status() != v1::DECLARATION_STATUS_SUBMITTED) {
          return absl::FailedPreconditionError(
              absl::StrCat(name, " is ", StatusWord(previous->status()),
                           ": only a submitted declaration can be validated",
                           previous->status() == v1::DECLARATION_STATUS_REJECTED
                               ? " (the contractor corrects a rejected one)"
                               : ""));
        }
        next.set_status(v1::DECLARATION_STATUS_VALIDATED);
        next.set_reviewer(caller.reviewer);
        next.clear_reason();
        store::RecordWrite w = Commit(&next, &*previous, version);
        result = next;
        return w;
      });
  if (!written.ok()) return written.status();
  return result;
}

absl::StatusOr<v1::HourDeclaration> Declarations::Reject(absl::string_view name,
                                                         absl::string_view reason,
                                                         absl::string_view etag,
                                                         const Caller& caller) {
  if (reason.empty()) return common::InvalidField("reason", "is required: say what to correct");
  absl::StatusOr<std::string> id = store::IdFromName(name, kCollection, "name");
  if (!id.ok()) return id.status();
  return store::ModifyRecord<v1::HourDeclaration>(
      store_, kDeclarationKind, *id, name, Terms, [&](v1::HourDeclaration* d) -> absl::Status {
        if (absl::Status s = MayReview(caller, *d); !s.ok()) return s;
        if (absl::Status s = store::CheckEtag(*d, etag); !s.ok()) return s;
        if (d->status() != v1::DECLARATION_STATUS_SUBMITTED &&
            d->status() != v1::DECLARATION_STATUS_VALIDATED) {
          return absl::FailedPreconditionError(
              absl::StrCat(name, " is ", StatusWord(d->status()),
                           ": only a submitted or validated declaration can be rejected"));
        }
        d->set_status(v1::DECLARATION_STATUS_REJECTED);
        d->set_reviewer(caller.reviewer);
        d->set_reason(std::string(reason));
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::HourDeclaration> Declarations::Correct(
    const v1::CorrectDeclarationRequest& request, const Caller& caller) {
  absl::StatusOr<v1::HourDeclaration> original = Get(request.name());
  if (!original.ok()) return original.status();
  if (!caller.siret.empty() && caller.siret != original->contractor_siret()) {
    return absl::PermissionDeniedError(absl::StrCat("these credentials declare for SIRET ",
                                                    caller.siret, ", not ",
                                                    original->contractor_siret()));
  }
  if (!original->superseded_by().empty()) {
    return absl::FailedPreconditionError(absl::StrCat(request.name(), " is already corrected by ",
                                                      original->superseded_by(),
                                                      ": correct the latest version"));
  }
  const v1::HourDeclaration& d = request.declaration();
  common::FieldViolations violations;
  auto same = [&](const std::string& got, const std::string& want, const char* field) {
    if (!got.empty() && got != want) {
      violations.Add(absl::StrCat("declaration.", field),
                     absl::StrCat("a correction keeps ", want, "; declare anew for another"));
    }
  };
  same(d.contractor_siret(), original->contractor_siret(), "contractor_siret");
  same(d.buyer(), original->buyer(), "buyer");
  same(d.tender(), original->tender(), "tender");
  same(d.period(), original->period(), "period");
  if (d.lot_number() != 0 && d.lot_number() != original->lot_number()) {
    violations.Add("declaration.lot_number",
                   "a correction keeps the lot; declare anew for another");
  }
  if (!violations.empty()) return violations.ToStatus();
  v1::HourDeclaration figures = d;
  figures.set_contractor_siret(original->contractor_siret());
  figures.set_buyer(original->buyer());
  figures.set_tender(original->tender());
  figures.set_lot_number(original->lot_number());
  figures.set_period(original->period());
  absl::flat_hash_map<std::string, v1::Tender> tenders;
  absl::StatusOr<Prepared> p =
      Prepare(std::move(figures), "declaration.", caller, *store_->Read(), &tenders);
  if (!p.ok()) return p.status();
  v1::HourDeclaration& next = p->record;
  const int n = original->declaration_version() + 1;
  next.set_declaration_version(n);
  next.set_declaration_id(DeclarationId(next, n));
  next.set_name(NameOf(next.declaration_id()));
  next.set_supersedes(original->name());
  auto written = store_->WriteAll(
      kDeclarationKind, {next.declaration_id(), original->declaration_id()},
      [&](size_t item, const std::optional<std::string>& current,
          const v1::Version& version) -> absl::StatusOr<store::RecordWrite> {
        if (item == 0) {
          if (current) {
            return absl::AlreadyExistsError(absl::StrCat(
                next.name(), " already exists: ", request.name(), " was corrected meanwhile"));
          }
          return Commit(&next, nullptr, version);
        }
        if (!current) return absl::NotFoundError(absl::StrCat(request.name(), " does not exist"));
        absl::StatusOr<v1::HourDeclaration> previous =
            store::ParseRecord<v1::HourDeclaration>(*current);
        if (!previous.ok()) return previous.status();
        if (absl::Status s = store::CheckOwner(*previous, store_->partner_id()); !s.ok()) return s;
        if (absl::Status s = store::CheckEtag(*previous, request.etag()); !s.ok()) return s;
        if (!previous->superseded_by().empty()) {
          return absl::FailedPreconditionError(
              absl::StrCat(request.name(), " is already corrected by ", previous->superseded_by(),
                           ": correct the latest version"));
        }
        v1::HourDeclaration old = *previous;
        old.set_superseded_by(next.name());
        // A validated original keeps counting until its correction is validated.
        if (old.status() != v1::DECLARATION_STATUS_VALIDATED) {
          old.set_status(v1::DECLARATION_STATUS_SUPERSEDED);
        }
        return Commit(&old, &*previous, version);
      });
  if (!written.ok()) return written.status();
  return next;
}

absl::StatusOr<v1::ImpactReport> Declarations::Report(
    const v1::GetImpactReportRequest& request) const {
  return BuildReport(*store_->Read(), request, config_);
}

absl::StatusOr<v1::RebuildAggregatesResponse> Declarations::RebuildAggregates() {
  absl::StatusOr<store::TallyCheck> check = store_->RecomputeTallies(/*repair=*/true);
  if (!check.ok()) return check.status();
  v1::RebuildAggregatesResponse response;
  response.set_counters(static_cast<int64_t>(check->keys));
  response.set_drifted(static_cast<int64_t>(check->differing));
  return response;
}

}  // namespace passerelle::impact
