#ifndef PASSERELLE_STORE_RECORDS_H_
#define PASSERELLE_STORE_RECORDS_H_

// What every service does the same way with its typed records (AIP resources kept in the store):
// parse the stored bytes, stamp the fields the node decides (name, version, etag, times, owner),
// check ownership and etags, read one by resource name, list a page in id order, create one unless
// it exists. A record type plugs in by having the standard fields `name`, `etag`, `owner_partner`,
// `create_time`, `update_time`, `version`.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"
#include "common/paging.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/time_util.h"
#include "passerelle/v1/common.pb.h"
#include "store/hybrid_clock.h"
#include "store/record_kind.h"
#include "store/store.h"

namespace passerelle::store {

inline std::string Etag(const v1::Version& v) {
  return absl::StrCat(v.origin_partner(), "-", v.origin_sequence());
}

// Parses stored bytes into `r` (which may live in an arena); DATA_LOSS when they do not parse.
template <typename Record>
absl::Status ParseInto(absl::string_view bytes, Record* r) {
  if (!r->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError("stored record is unreadable");
  }
  return absl::OkStatus();
}

template <typename Record>
absl::StatusOr<Record> ParseRecord(absl::string_view bytes) {
  Record r;
  if (absl::Status s = ParseInto(bytes, &r); !s.ok()) return s;
  return r;
}

// The ids `cursor` yields, at most `limit`.
inline std::vector<std::string> Ids(PostingCursor* cursor, size_t limit) {
  std::vector<std::string> ids;
  for (; cursor->Valid() && ids.size() < limit; cursor->Next()) ids.emplace_back(cursor->id());
  return ids;
}

// DATA_LOSS unless a batch read (GetEach) found all `wanted` records the index named.
inline absl::Status AllFound(absl::string_view kind, size_t found, size_t wanted) {
  if (found == wanted) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat("the ", kind, " index names a record that is missing"));
}

// The records under the ids `cursor` yields (at most `limit`), read in batches (GetEach); DATA_LOSS
// when one is missing or does not parse.
template <typename Record>
absl::StatusOr<std::vector<Record>> ReadAll(const ReadView& view, absl::string_view kind,
                                            PostingCursor* cursor, size_t limit = SIZE_MAX) {
  const std::vector<std::string> ids = Ids(cursor, limit);
  std::vector<Record> out;
  out.reserve(ids.size());
  absl::Status read = view.GetEach(kind, ids, [&](size_t, absl::string_view bytes) {
    return ParseInto(bytes, &out.emplace_back());
  });
  if (!read.ok()) return read;
  if (absl::Status all = AllFound(kind, out.size(), ids.size()); !all.ok()) return all;
  return out;
}

// Clears what only the node sets, so a client cannot forge it.
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
      static_cast<int64_t>(HybridClock::Milliseconds(version.hlc_time())));
  *r->mutable_create_time() = previous ? previous->create_time() : r->update_time();
  r->set_owner_partner(previous ? previous->owner_partner() : version.origin_partner());
}

// The record write that replaces `previous` (nullptr: none) by `next`, touching only the index
// terms that differ. `terms` maps a record to its index terms.
// `next_terms` are `next`'s, which a caller may have computed off the write path.
template <typename Record, typename Terms>
RecordWrite Replace(const Record* previous, const Record& next, std::vector<std::string> next_terms,
                    Terms terms) {
  RecordWrite w =
      DiffTerms(previous ? terms(*previous) : std::vector<std::string>{}, std::move(next_terms));
  w.value = next.SerializeAsString();
  return w;
}

template <typename Record, typename Terms>
RecordWrite Replace(const Record* previous, const Record& next, Terms terms) {
  return Replace(previous, next, terms(next), terms);
}

// FAILED_PRECONDITION unless `partner` owns `current`: only the owner's node writes a record.
template <typename Record>
absl::Status CheckOwner(const Record& current, const std::string& partner) {
  if (current.owner_partner() == partner) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(current.name(), " is owned by partner '",
                                                    current.owner_partner(),
                                                    "'; write to it through that partner's node"));
}

// ABORTED when a client's etag (empty: none given) is not the record's current one.
template <typename Record>
absl::Status CheckEtag(const Record& current, absl::string_view etag) {
  if (etag.empty() || etag == current.etag()) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat("etag '", etag, "' is stale; current is '", current.etag(),
                                         "': read and retry"));
}

// The id in "collection/id"; INVALID_ARGUMENT on `field` otherwise.
inline absl::StatusOr<std::string> IdFromName(absl::string_view name, absl::string_view collection,
                                              absl::string_view field) {
  std::string prefix = absl::StrCat(collection, "/");
  if (!absl::StartsWith(name, prefix) || name.size() == prefix.size() ||
      absl::StrContains(name.substr(prefix.size()), '/') ||
      absl::StrContains(name, absl::string_view("\0", 1))) {
    return common::InvalidField(
        std::string(field), absl::StrCat("must look like ", collection, "/{id}, got '", name, "'"));
  }
  return std::string(name.substr(prefix.size()));
}

// The record under `id`, NOT_FOUND (naming `name`) when absent.
template <typename Record>
absl::StatusOr<Record> GetById(const ReadView& view, absl::string_view kind, absl::string_view id,
                               absl::string_view name) {
  auto bytes = view.Get(kind, id);
  if (!bytes.ok()) return bytes.status();
  if (!bytes->has_value()) return absl::NotFoundError(absl::StrCat(name, " does not exist"));
  return ParseRecord<Record>(**bytes);
}

// The record a resource name ("collection/id") names.
template <typename Record>
absl::StatusOr<Record> GetRecord(const Store& store, absl::string_view kind, absl::string_view name,
                                 absl::string_view collection, absl::string_view field = "name") {
  absl::StatusOr<std::string> id = IdFromName(name, collection, field);
  if (!id.ok()) return id.status();
  return GetById<Record>(*store.Read(), kind, *id, name);
}

// One page of records of `kind` in id order, appended through `add`.
template <typename Record, typename Response>
absl::StatusOr<Response> ListPage(const Store& store, absl::string_view kind, int32_t page_size,
                                  absl::string_view page_token, Record* (Response::*add)()) {
  absl::StatusOr<int> size = common::PageSize(page_size);
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> after = common::DecodePageToken(page_token, kind);
  if (!after.ok()) return after.status();
  auto rows = store.Read()->Scan(kind, *after, static_cast<size_t>(*size) + 1);
  if (!rows.ok()) return rows.status();
  Response response;
  for (size_t i = 0; i < rows->size() && i < static_cast<size_t>(*size); ++i) {
    if (absl::Status s = ParseInto((*rows)[i].second, (response.*add)()); !s.ok()) return s;
  }
  if (rows->size() > static_cast<size_t>(*size)) {
    response.set_next_page_token(common::EncodePageToken(rows->at(*size - 1).first, kind));
  }
  return response;
}

// One page of the `kind` records `cursor` yields, resuming after id `after` (empty: from the
// start), each parsed and handed to `add`, at most `size`. Returns the next page's token (carrying
// `fingerprint`), empty after the last page.
template <typename Record, typename Add>
absl::StatusOr<std::string> CursorPage(const ReadView& view, absl::string_view kind,
                                       PostingCursor& cursor, absl::string_view after, int size,
                                       absl::string_view fingerprint, Add add) {
  if (!after.empty()) cursor.Seek(absl::StrCat(after, absl::string_view("\0", 1)));
  std::string last;
  for (int n = 0; cursor.Valid(); cursor.Next(), ++n) {
    if (n == size) return common::EncodePageToken(last, fingerprint);
    absl::StatusOr<Record> record = GetById<Record>(view, kind, cursor.id(), cursor.id());
    if (!record.ok()) return record.status();
    last = std::string(cursor.id());
    add(*std::move(record));
  }
  return std::string();
}

// Creates `record` under `id` unless a record is already there (ALREADY_EXISTS naming `name`).
template <typename Record, typename Terms>
absl::StatusOr<Record> CreateRecord(Store* store, absl::string_view kind, const std::string& id,
                                    const std::string& name, Record record, Terms terms) {
  ClearOutputOnly(&record);
  absl::StatusOr<v1::Version> written =
      store->Write(kind, id,
                   [&](const std::optional<std::string>& current,
                       const v1::Version& version) -> absl::StatusOr<RecordWrite> {
                     if (current)
                       return absl::AlreadyExistsError(absl::StrCat(name, " already exists"));
                     Stamp<Record>(&record, name, version, nullptr);
                     return Replace<Record>(nullptr, record, terms);
                   });
  if (!written.ok()) return written.status();
  return record;
}

// Rewrites the existing record under `id`: `change` edits a copy of the current record (it may
// refuse with an error, then nothing is written); ownership is checked first. NOT_FOUND naming
// `name` when absent.
template <typename Record, typename Terms, typename Change>
absl::StatusOr<Record> ModifyRecord(Store* store, absl::string_view kind, const std::string& id,
                                    absl::string_view name, Terms terms, Change change) {
  Record result;
  absl::StatusOr<v1::Version> written = store->Write(
      kind, id,
      [&](const std::optional<std::string>& current,
          const v1::Version& version) -> absl::StatusOr<RecordWrite> {
        if (!current) return absl::NotFoundError(absl::StrCat(name, " does not exist"));
        absl::StatusOr<Record> previous = ParseRecord<Record>(*current);
        if (!previous.ok()) return previous.status();
        if (absl::Status owner = CheckOwner(*previous, store->partner_id()); !owner.ok())
          return owner;
        result = *previous;
        if (absl::Status s = change(&result); !s.ok()) return s;
        Stamp(&result, previous->name(), version, &*previous);
        return Replace(&*previous, result, terms);
      });
  if (!written.ok()) return written.status();
  return result;
}

// The mask an update applies: every updatable field when `mask` is empty; INVALID_ARGUMENT naming
// update_mask.paths[i] for a path that is unknown or not updatable (output-only, immutable).
template <typename Record>
absl::StatusOr<google::protobuf::FieldMask> UpdateMask(
    const google::protobuf::FieldMask& mask, const absl::flat_hash_set<std::string>& updatable) {
  google::protobuf::FieldMask effective = mask;
  if (effective.paths().empty()) {
    std::vector<std::string> all(updatable.begin(), updatable.end());
    std::sort(all.begin(), all.end());
    for (std::string& f : all) effective.add_paths(std::move(f));
  }
  common::FieldViolations violations;
  for (int i = 0; i < effective.paths_size(); ++i) {
    const std::string& path = effective.paths(i);
    std::string top = path.substr(0, path.find('.'));
    if (!updatable.contains(top) || !google::protobuf::util::FieldMaskUtil::GetFieldDescriptors(
                                        Record::descriptor(), path, nullptr)) {
      violations.Add(absl::StrCat("update_mask.paths[", i, "]"),
                     absl::StrCat("'", path, "' is not an updatable field"));
    }
  }
  if (!violations.empty()) return violations.ToStatus();
  return effective;
}

// Copies the fields `mask` names from `patch` into `record`, replacing (not appending to) repeated
// fields.
template <typename Record>
void MergeMasked(const Record& patch, const google::protobuf::FieldMask& mask, Record* record) {
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(patch, mask, options, record);
}

// How the mesh indexes a replicated record of a typed kind: as the owning service indexes its own
// writes.
template <typename Record, typename Terms>
class TypedRecordKind final : public RecordKind {
 public:
  TypedRecordKind(absl::string_view name, Terms terms) : name_(name), terms_(terms) {}
  std::string name() const override { return name_; }
  absl::StatusOr<std::vector<std::string>> IndexTerms(absl::string_view bytes) const override {
    absl::StatusOr<Record> record = ParseRecord<Record>(bytes);
    if (!record.ok()) return record.status();
    return terms_(*record);
  }

 private:
  std::string name_;
  Terms terms_;
};

template <typename Record, typename Terms>
std::unique_ptr<RecordKind> MakeRecordKind(absl::string_view name, Terms terms) {
  return std::make_unique<TypedRecordKind<Record, Terms>>(name, terms);
}

}  // namespace passerelle::store

#endif  // PASSERELLE_STORE_RECORDS_H_
