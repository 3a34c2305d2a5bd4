#include "registry_svc/registry.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/errors.h"
#include "common/paging.h"
#include "registry_svc/rules.h"
#include "registry_svc/search.h"
#include "store/hybrid_clock.h"
#include "store/record_kind.h"
#include "store/records.h"

namespace passerelle::registry {
namespace {

using store::CheckOwner;
using store::IdFromName;

// Fields a client may change after creation; the SIRET and everything output-only may not.
const absl::flat_hash_set<std::string>& UpdatableStructureFields() {
  static const auto* fields = new absl::flat_hash_set<std::string>{"display_name",
                                                                   "legal_form",
                                                                   "sse_status",
                                                                   "inclusion_kind",
                                                                   "size_class",
                                                                   "headcount",
                                                                   "annual_turnover_cents",
                                                                   "themes",
                                                                   "cpv_prefixes",
                                                                   "departments",
                                                                   "max_contract_cents",
                                                                   "certifications",
                                                                   "contact",
                                                                   "description",
                                                                   "solutions"};
  return *fields;
}

// The index terms of a record of this module, as a callable the store's record helpers take.
struct Terms {
  template <typename Record>
  std::vector<std::string> operator()(const Record& r) const {
    return IndexTerms(r);
  }
};

// The upsert one import row makes from what is stored now; `terms` are `next`'s index terms.
absl::StatusOr<store::RecordWrite> UpsertStructure(v1::Structure next,
                                                   std::vector<std::string> terms,
                                                   const std::optional<std::string>& current,
                                                   const v1::Version& version,
                                                   const std::string& partner, bool* created) {
  store::ClearOutputOnly(&next);
  std::optional<v1::Structure> previous;
  if (current) {
    absl::StatusOr<v1::Structure> parsed = store::ParseRecord<v1::Structure>(*current);
    if (!parsed.ok()) return parsed.status();
    if (absl::Status owner = CheckOwner(*parsed, partner); !owner.ok()) return owner;
    previous = std::move(*parsed);
  }
  *created = !previous.has_value();
  store::Stamp(&next, StructureName(next.siret()), version, previous ? &*previous : nullptr);
  return store::Replace(previous ? &*previous : nullptr, next, std::move(terms), Terms());
}

}  // namespace

void Registry::AddRecordKinds(store::RecordKinds* kinds) {
  kinds->Add(store::MakeRecordKind<v1::Structure>(kStructureKind, Terms()));
  kinds->Add(store::MakeRecordKind<v1::Buyer>(kBuyerKind, Terms()));
}

std::vector<std::string> Registry::RecordKinds() {
  store::RecordKinds kinds;
  AddRecordKinds(&kinds);
  return kinds.Names();
}

absl::StatusOr<v1::Structure> Registry::CreateStructure(const v1::Structure& structure) {
  common::FieldViolations violations;
  ValidateStructure(structure, "structure.", &violations);
  if (!violations.empty()) return violations.ToStatus();
  return store::CreateRecord(store_, kStructureKind, structure.siret(),
                             StructureName(structure.siret()), structure, Terms());
}

absl::StatusOr<v1::Structure> Registry::GetStructure(absl::string_view name) const {
  return store::GetRecord<v1::Structure>(*store_, kStructureKind, name, "structures");
}

absl::StatusOr<v1::Structure> Registry::UpdateStructure(const v1::Structure& patch,
                                                        const google::protobuf::FieldMask& mask) {
  absl::StatusOr<std::string> siret = IdFromName(patch.name(), "structures", "structure.name");
  if (!siret.ok()) return siret.status();
  absl::StatusOr<google::protobuf::FieldMask> effective =
      store::UpdateMask<v1::Structure>(mask, UpdatableStructureFields());
  if (!effective.ok()) return effective.status();
  return store::ModifyRecord<v1::Structure>(
      store_, kStructureKind, *siret, patch.name(), Terms(),
      [&](v1::Structure* result) -> absl::Status {
        if (absl::Status etag = store::CheckEtag(*result, patch.etag()); !etag.ok()) return etag;
        store::MergeMasked(patch, *effective, result);
        common::FieldViolations violations;
        ValidateStructure(*result, "structure.", &violations);
        return violations.ToStatus();
      });
}

absl::Status Registry::DeleteStructure(absl::string_view name, absl::string_view etag) {
  absl::StatusOr<std::string> siret = IdFromName(name, "structures", "name");
  if (!siret.ok()) return siret.status();
  return store_
      ->Write(kStructureKind, *siret,
              [&](const std::optional<std::string>& current,
                  const v1::Version&) -> absl::StatusOr<store::RecordWrite> {
                if (!current) return absl::NotFoundError(absl::StrCat(name, " does not exist"));
                absl::StatusOr<v1::Structure> previous =
                    store::ParseRecord<v1::Structure>(*current);
                if (!previous.ok()) return previous.status();
                if (absl::Status owner = CheckOwner(*previous, store_->partner_id()); !owner.ok()) {
                  return owner;
                }
                if (absl::Status stale = store::CheckEtag(*previous, etag); !stale.ok())
                  return stale;
                store::RecordWrite w;
                w.remove_terms = IndexTerms(*previous);
                return w;
              })
      .status();
}

absl::StatusOr<v1::ListStructuresResponse> Registry::ListStructures(
    const v1::ListStructuresRequest& request) const {
  return store::ListPage<v1::Structure, v1::ListStructuresResponse>(
      *store_, kStructureKind, request.page_size(), request.page_token(),
      &v1::ListStructuresResponse::add_structures);
}

absl::StatusOr<v1::SearchStructuresResponse> Registry::SearchStructures(
    const v1::SearchStructuresRequest& request) const {
  absl::StatusOr<int> size = common::PageSize(request.page_size());
  if (!size.ok()) return size.status();
  std::string fingerprint = SearchFingerprint(request);
  absl::StatusOr<std::string> after = common::DecodePageToken(request.page_token(), fingerprint);
  if (!after.ok()) return after.status();
  std::unique_ptr<store::ReadView> view = store_->Read();
  auto cursor = PlanStructureSearch(*view, request);
  if (!cursor.ok()) return cursor.status();
  // Ids never contain '\0', so the first id after the previous page's last is at or past last +
  // '\0'.
  if (!after->empty()) (*cursor)->Seek(absl::StrCat(*after, absl::string_view("\0", 1)));

  v1::SearchStructuresResponse response;
  for (; (*cursor)->Valid(); (*cursor)->Next()) {
    if (response.structures_size() == *size) {
      response.set_next_page_token(
          common::EncodePageToken(response.structures(*size - 1).siret(), fingerprint));
      break;
    }
    auto bytes = view->Get(kStructureKind, (*cursor)->id());
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) return absl::DataLossError("index names a missing structure");
    if (!response.add_structures()->ParseFromString(**bytes)) {
      return absl::DataLossError("stored record is unreadable");
    }
  }
  return response;
}

absl::StatusOr<v1::ImportStructuresResponse> Registry::ImportStructures(
    std::vector<v1::ImportStructuresRequest> rows) {
  return CommitImport(PrepareImport(std::move(rows)));
}

namespace {

void Refuse(int64_t row, absl::string_view siret, absl::string_view reason,
            v1::ImportStructuresResponse* summary) {
  v1::ImportRejection* r = summary->add_rejected();
  r->set_row(row);
  r->set_siret(std::string(siret));
  r->set_reason(std::string(reason));
}

}  // namespace

Registry::PreparedImport Registry::PrepareImport(std::vector<v1::ImportStructuresRequest> rows) {
  PreparedImport batch;
  batch.valid.reserve(rows.size());
  for (v1::ImportStructuresRequest& row : rows) {
    common::FieldViolations violations;
    ValidateStructure(row.structure(), "", &violations);
    if (!violations.empty()) {
      Refuse(row.row(), row.structure().siret(), violations.ToStatus().message(), &batch.refused);
      continue;
    }
    std::vector<std::string> terms = IndexTerms(row.structure());
    batch.valid.push_back({std::move(row), std::move(terms)});
  }
  // Committed in SIRET order, every posting list of the batch is edited in id order and needs no
  // sort under the write lock. Stable: a SIRET repeated in the batch still ends as its last row.
  std::stable_sort(batch.valid.begin(), batch.valid.end(),
                   [](const PreparedRow& a, const PreparedRow& b) {
                     return a.row.structure().siret() < b.row.structure().siret();
                   });
  return batch;
}

absl::StatusOr<v1::ImportStructuresResponse> Registry::CommitImport(PreparedImport batch) {
  v1::ImportStructuresResponse summary = std::move(batch.refused);
  std::vector<std::string> ids;
  ids.reserve(batch.valid.size());
  for (const PreparedRow& prepared : batch.valid) ids.push_back(prepared.row.structure().siret());
  std::vector<bool> created(batch.valid.size(), false);
  auto results = store_->WriteEach(
      kStructureKind, ids,
      [&](size_t i, const std::optional<std::string>& current, const v1::Version& version) {
        bool was_created = false;
        auto write = UpsertStructure(std::move(*batch.valid[i].row.mutable_structure()),
                                     std::move(batch.valid[i].terms), current, version,
                                     store_->partner_id(), &was_created);
        created[i] = was_created;
        return write;
      });
  if (!results.ok()) return results.status();
  for (size_t i = 0; i < batch.valid.size(); ++i) {
    if (!(*results)[i].ok()) {
      Refuse(batch.valid[i].row.row(), ids[i], (*results)[i].status().message(), &summary);
    } else if (created[i]) {
      summary.set_created(summary.created() + 1);
    } else {
      summary.set_updated(summary.updated() + 1);
    }
  }
  std::stable_sort(
      summary.mutable_rejected()->begin(), summary.mutable_rejected()->end(),
      [](const v1::ImportRejection& a, const v1::ImportRejection& b) { return a.row() < b.row(); });
  return summary;
}

absl::StatusOr<v1::Buyer> Registry::CreateBuyer(const v1::Buyer& buyer) {
  common::FieldViolations violations;
  ValidateBuyer(buyer, "buyer.", &violations);
  if (!violations.empty()) return violations.ToStatus();
  return store::CreateRecord(store_, kBuyerKind, buyer.buyer_id(), BuyerName(buyer.buyer_id()),
                             buyer, Terms());
}

absl::StatusOr<v1::Buyer> Registry::GetBuyer(absl::string_view name) const {
  return store::GetRecord<v1::Buyer>(*store_, kBuyerKind, name, "buyers");
}

absl::StatusOr<v1::ListBuyersResponse> Registry::ListBuyers(
    const v1::ListBuyersRequest& request) const {
  return store::ListPage<v1::Buyer, v1::ListBuyersResponse>(
      *store_, kBuyerKind, request.page_size(), request.page_token(),
      &v1::ListBuyersResponse::add_buyers);
}

}  // namespace passerelle::registry
