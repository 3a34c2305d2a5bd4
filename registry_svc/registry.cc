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
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/time_util.h"
#include "registry_svc/rules.h"
#include "registry_svc/search.h"
#include "store/hybrid_clock.h"
#include "store/record_kind.h"

namespace passerelle::registry {
namespace {

using google::protobuf::util::FieldMaskUtil;


// Fields a client may change after creation; the SIRET and everything output-only may not.
const absl::flat_hash_set<std::string>& UpdatableStructureFields() {
  static const auto* fields = new absl::flat_hash_set<std::string>{
      "display_name", "legal_form",   "sse_status",         "inclusion_kind", "size_class",
      "headcount",    "annual_turnover_cents", "themes",   "cpv_prefixes",   "departments",
      "max_contract_cents", "certifications", "contact",  "description",    "solutions"};
  return *fields;
}

std::string Etag(const v1::Version& v) { return absl::StrCat(v.origin_partner(), "-", v.origin_sequence()); }

template <typename Record>
void ClearOutputOnly(Record* r) {
  r->clear_name();
  r->clear_owner_partner();
  r->clear_create_time();
  r->clear_update_time();
  r->clear_etag();
  r->clear_version();
}

// Sets what the node, not the client, decides on every write.
template <typename Record>
void Stamp(Record* r, const std::string& name, const v1::Version& version, const Record* previous) {
  r->set_name(name);
  *r->mutable_version() = version;
  r->set_etag(Etag(version));
  *r->mutable_update_time() = google::protobuf::util::TimeUtil::MillisecondsToTimestamp(
      static_cast<int64_t>(store::HybridClock::Milliseconds(version.hlc_time())));
  *r->mutable_create_time() = previous ? previous->create_time() : r->update_time();
  r->set_owner_partner(previous ? previous->owner_partner() : version.origin_partner());
}

template <typename Record>
absl::StatusOr<Record> Parse(absl::string_view bytes) {
  Record r;
  if (!r.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("stored record is unreadable");
  }
  return r;
}

// The record write that replaces `previous` (nullptr: none) by `next`, touching only the terms that differ.
template <typename Record>
store::RecordWrite Replace(const Record* previous, const Record& next) {
  store::RecordWrite w =
      store::DiffTerms(previous ? IndexTerms(*previous) : std::vector<std::string>{}, IndexTerms(next));
  w.value = next.SerializeAsString();
  return w;
}

// How the mesh indexes a replicated record of one of this module's kinds: as the registry indexes its own.
template <typename Record>
class RegistryKind final : public store::RecordKind {
 public:
  explicit RegistryKind(absl::string_view name) : name_(name) {}
  std::string name() const override { return name_; }
  absl::StatusOr<std::vector<std::string>> IndexTerms(absl::string_view bytes) const override {
    absl::StatusOr<Record> record = Parse<Record>(bytes);
    if (!record.ok()) return record.status();
    return registry::IndexTerms(*record);
  }

 private:
  std::string name_;
};

template <typename Record>
absl::Status CheckOwner(const Record& current, const std::string& partner) {
  if (current.owner_partner() == partner) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(current.name(), " is owned by partner '", current.owner_partner(),
                   "'; write to it through that partner's node"));
}

// The id in "collection/id"; INVALID_ARGUMENT on `field` otherwise.
absl::StatusOr<std::string> IdFromName(absl::string_view name, absl::string_view collection,
                                       absl::string_view field) {
  std::string prefix = absl::StrCat(collection, "/");
  if (!absl::StartsWith(name, prefix) || name.size() == prefix.size() ||
      absl::StrContains(name.substr(prefix.size()), '/') ||
      absl::StrContains(name, absl::string_view("\0", 1))) {
    return common::InvalidField(std::string(field),
                                absl::StrCat("must look like ", collection, "/{id}, got '", name, "'"));
  }
  return std::string(name.substr(prefix.size()));
}

template <typename Record>
absl::StatusOr<Record> GetRecord(const store::Store& store, absl::string_view kind, absl::string_view name,
                                 absl::string_view collection) {
  absl::StatusOr<std::string> id = IdFromName(name, collection, "name");
  if (!id.ok()) return id.status();
  auto bytes = store.Read()->Get(kind, *id);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return absl::NotFoundError(absl::StrCat(name, " does not exist"));
  return Parse<Record>(**bytes);
}

// One page of records of `kind` in id order, appended through `add`.
template <typename Record, typename Response>
absl::StatusOr<Response> ListPage(const store::Store& store, absl::string_view kind, int32_t page_size,
                                  absl::string_view page_token,
                                  Record* (Response::*add)()) {
  absl::StatusOr<int> size = common::PageSize(page_size);
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> after = common::DecodePageToken(page_token, kind);
  if (!after.ok()) return after.status();
  auto rows = store.Read()->Scan(kind, *after, static_cast<size_t>(*size) + 1);
  if (!rows.ok()) return rows.status();
  Response response;
  for (size_t i = 0; i < rows->size() && i < static_cast<size_t>(*size); ++i) {
    if (!(response.*add)()->ParseFromString((*rows)[i].second)) {
      return absl::DataLossError("stored record is unreadable");
    }
  }
  if (rows->size() > static_cast<size_t>(*size)) {
    response.set_next_page_token(common::EncodePageToken(rows->at(*size - 1).first, kind));
  }
  return response;
}

// Creates `record` under `id` unless a record is already there.
template <typename Record>
absl::StatusOr<Record> CreateRecord(store::Store* store, absl::string_view kind, const std::string& id,
                                    const std::string& name, Record record) {
  ClearOutputOnly(&record);
  absl::StatusOr<v1::Version> written = store->Write(
      kind, id,
      [&](const std::optional<std::string>& current,
          const v1::Version& version) -> absl::StatusOr<store::RecordWrite> {
        if (current) return absl::AlreadyExistsError(absl::StrCat(name, " already exists"));
        Stamp<Record>(&record, name, version, nullptr);
        return Replace<Record>(nullptr, record);
      });
  if (!written.ok()) return written.status();
  return record;
}

// The upsert one import row makes from what is stored now.
absl::StatusOr<store::RecordWrite> UpsertStructure(v1::Structure next,
                                                   const std::optional<std::string>& current,
                                                   const v1::Version& version,
                                                   const std::string& partner, bool* created) {
  ClearOutputOnly(&next);
  std::optional<v1::Structure> previous;
  if (current) {
    absl::StatusOr<v1::Structure> parsed = Parse<v1::Structure>(*current);
    if (!parsed.ok()) return parsed.status();
    if (absl::Status owner = CheckOwner(*parsed, partner); !owner.ok()) return owner;
    previous = std::move(*parsed);
  }
  *created = !previous.has_value();
  Stamp(&next, StructureName(next.siret()), version, previous ? &*previous : nullptr);
  return Replace(previous ? &*previous : nullptr, next);
}

}  // namespace

void Registry::AddRecordKinds(store::RecordKinds* kinds) {
  kinds->Add(std::make_unique<RegistryKind<v1::Structure>>(kStructureKind));
  kinds->Add(std::make_unique<RegistryKind<v1::Buyer>>(kBuyerKind));
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
  return CreateRecord(store_, kStructureKind, structure.siret(), StructureName(structure.siret()),
                      structure);
}

absl::StatusOr<v1::Structure> Registry::GetStructure(absl::string_view name) const {
  return GetRecord<v1::Structure>(*store_, kStructureKind, name, "structures");
}

absl::StatusOr<v1::Structure> Registry::UpdateStructure(const v1::Structure& patch,
                                                        const google::protobuf::FieldMask& mask) {
  absl::StatusOr<std::string> siret = IdFromName(patch.name(), "structures", "structure.name");
  if (!siret.ok()) return siret.status();
  google::protobuf::FieldMask effective = mask;
  if (effective.paths().empty()) {
    for (const std::string& f : UpdatableStructureFields()) effective.add_paths(f);
  }
  common::FieldViolations mask_violations;
  for (const std::string& path : effective.paths()) {
    std::string top = std::string(path.substr(0, path.find('.')));
    if (!UpdatableStructureFields().contains(top) ||
        !FieldMaskUtil::GetFieldDescriptors(v1::Structure::descriptor(), path, nullptr)) {
      mask_violations.Add("update_mask", absl::StrCat("'", path, "' is not an updatable field"));
    }
  }
  if (!mask_violations.empty()) return mask_violations.ToStatus();

  v1::Structure result;
  absl::StatusOr<v1::Version> written = store_->Write(
      kStructureKind, *siret,
      [&](const std::optional<std::string>& current,
          const v1::Version& version) -> absl::StatusOr<store::RecordWrite> {
        if (!current) return absl::NotFoundError(absl::StrCat(patch.name(), " does not exist"));
        absl::StatusOr<v1::Structure> previous = Parse<v1::Structure>(*current);
        if (!previous.ok()) return previous.status();
        if (absl::Status owner = CheckOwner(*previous, store_->partner_id()); !owner.ok()) return owner;
        if (!patch.etag().empty() && patch.etag() != previous->etag()) {
          return absl::AbortedError(absl::StrCat("etag '", patch.etag(), "' is stale; current is '",
                                                 previous->etag(), "': read and retry"));
        }
        result = *previous;
        FieldMaskUtil::MergeOptions options;
        options.set_replace_message_fields(true);
        options.set_replace_repeated_fields(true);
        FieldMaskUtil::MergeMessageTo(patch, effective, options, &result);
        common::FieldViolations violations;
        ValidateStructure(result, "structure.", &violations);
        if (!violations.empty()) return violations.ToStatus();
        Stamp(&result, previous->name(), version, &*previous);
        return Replace(&*previous, result);
      });
  if (!written.ok()) return written.status();
  return result;
}

absl::Status Registry::DeleteStructure(absl::string_view name, absl::string_view etag) {
  absl::StatusOr<std::string> siret = IdFromName(name, "structures", "name");
  if (!siret.ok()) return siret.status();
  return store_
      ->Write(kStructureKind, *siret,
              [&](const std::optional<std::string>& current,
                  const v1::Version&) -> absl::StatusOr<store::RecordWrite> {
                if (!current) return absl::NotFoundError(absl::StrCat(name, " does not exist"));
                absl::StatusOr<v1::Structure> previous = Parse<v1::Structure>(*current);
                if (!previous.ok()) return previous.status();
                if (absl::Status owner = CheckOwner(*previous, store_->partner_id()); !owner.ok()) {
                  return owner;
                }
                if (!etag.empty() && etag != previous->etag()) {
                  return absl::AbortedError(absl::StrCat("etag '", etag, "' is stale"));
                }
                store::RecordWrite w;
                w.remove_terms = IndexTerms(*previous);
                return w;
              })
      .status();
}

absl::StatusOr<v1::ListStructuresResponse> Registry::ListStructures(
    const v1::ListStructuresRequest& request) const {
  return ListPage<v1::Structure, v1::ListStructuresResponse>(
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
  // Ids never contain '\0', so the first id after the previous page's last is at or past last + '\0'.
  if (!after->empty()) (*cursor)->Seek(absl::StrCat(*after, absl::string_view("\0", 1)));

  v1::SearchStructuresResponse response;
  for (; (*cursor)->Valid(); (*cursor)->Next()) {
    if (response.structures_size() == *size) {
      response.set_next_page_token(common::EncodePageToken(
          response.structures(*size - 1).siret(), fingerprint));
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
    const std::vector<v1::ImportStructuresRequest>& rows) {
  v1::ImportStructuresResponse summary;
  auto reject = [&](const v1::ImportStructuresRequest& row, absl::string_view reason) {
    v1::ImportRejection* r = summary.add_rejected();
    r->set_row(row.row());
    r->set_siret(row.structure().siret());
    r->set_reason(std::string(reason));
  };
  std::vector<const v1::ImportStructuresRequest*> valid;
  std::vector<std::string> ids;
  for (const v1::ImportStructuresRequest& row : rows) {
    common::FieldViolations violations;
    ValidateStructure(row.structure(), "", &violations);
    if (!violations.empty()) {
      reject(row, violations.ToStatus().message());
      continue;
    }
    valid.push_back(&row);
    ids.push_back(row.structure().siret());
  }
  std::vector<bool> created(valid.size(), false);
  auto results = store_->WriteEach(
      kStructureKind, ids,
      [&](size_t i, const std::optional<std::string>& current, const v1::Version& version) {
        bool was_created = false;
        auto write = UpsertStructure(valid[i]->structure(), current, version, store_->partner_id(),
                                     &was_created);
        created[i] = was_created;
        return write;
      });
  if (!results.ok()) return results.status();
  for (size_t i = 0; i < valid.size(); ++i) {
    if (!(*results)[i].ok()) {
      reject(*valid[i], (*results)[i].status().message());
    } else if (created[i]) {
      summary.set_created(summary.created() + 1);
    } else {
      summary.set_updated(summary.updated() + 1);
    }
  }
  return summary;
}

absl::StatusOr<v1::Buyer> Registry::CreateBuyer(const v1::Buyer& buyer) {
  common::FieldViolations violations;
  ValidateBuyer(buyer, "buyer.", &violations);
  if (!violations.empty()) return violations.ToStatus();
  return CreateRecord(store_, kBuyerKind, buyer.buyer_id(), BuyerName(buyer.buyer_id()), buyer);
}

absl::StatusOr<v1::Buyer> Registry::GetBuyer(absl::string_view name) const {
  return GetRecord<v1::Buyer>(*store_, kBuyerKind, name, "buyers");
}

absl::StatusOr<v1::ListBuyersResponse> Registry::ListBuyers(
    const v1::ListBuyersRequest& request) const {
  return ListPage<v1::Buyer, v1::ListBuyersResponse>(*store_, kBuyerKind, request.page_size(),
                                                     request.page_token(),
                                                     &v1::ListBuyersResponse::add_buyers);
}

}  // namespace passerelle::registry
