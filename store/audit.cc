#include "store/audit.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "store/change_chain.h"
#include "store/keys.h"
#include "store/store.h"

namespace passerelle::store {

std::string AuditHash(const v1::AuditEntry& entry) {
  std::string bytes = "passerelle.audit.v1";
  keys::AppendBigEndian64(&bytes, entry.index());
  AppendCanonicalField(entry.previous_hash(), &bytes);
  AppendCanonicalField(entry.kind(), &bytes);
  AppendCanonicalField(entry.origin_partner(), &bytes);
  keys::AppendBigEndian64(&bytes, entry.origin_sequence());
  AppendCanonicalField(entry.content_hash(), &bytes);
  bytes.push_back(entry.remote() ? 1 : 0);
  keys::AppendBigEndian64(&bytes, static_cast<uint64_t>(entry.unix_millis()));
  return Sha256({bytes});
}

v1::AuditEntry NextAuditEntry(const AuditHead& head, const v1::Change& change, bool remote,
                              int64_t unix_millis) {
  v1::AuditEntry entry;
  entry.set_index(head.index + 1);
  entry.set_previous_hash(head.hash);
  entry.set_kind(change.kind());
  entry.set_origin_partner(change.version().origin_partner());
  entry.set_origin_sequence(change.version().origin_sequence());
  entry.set_content_hash(change.content_hash());
  entry.set_remote(remote);
  entry.set_unix_millis(unix_millis);
  entry.set_hash(AuditHash(entry));
  return entry;
}

absl::StatusOr<AuditReport> VerifyAuditChain(const std::string& path) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  if (absl::Status listed = StoredFamilies(path, &descriptors); !listed.ok()) return listed;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, descriptors, &handles, &raw);
  if (!s.ok())
    return absl::UnavailableError(absl::StrCat("cannot open ", path, ": ", s.ToString()));
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* audit = nullptr;
  for (size_t i = 0; i < descriptors.size(); ++i) {
    if (descriptors[i].name == keys::kAuditFamily) audit = handles[i];
  }

  AuditReport report;
  if (audit != nullptr) {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), audit));
    AuditHead head;
    for (it->SeekToFirst(); it->Valid() && !report.first_broken; it->Next()) {
      v1::AuditEntry entry;
      const uint64_t expected = head.index + 1;
      const uint64_t keyed =
          keys::ReadBigEndian64(absl::string_view(it->key().data(), it->key().size()));
      std::string problem;
      if (!entry.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        problem = "unreadable entry";
      } else if (keyed != expected || entry.index() != expected) {
        problem = absl::StrCat("expected entry ", expected, ", found ", entry.index());
      } else if (entry.previous_hash() != head.hash) {
        problem = "does not link to the entry before it";
      } else if (entry.hash() != AuditHash(entry)) {
        problem = "its contents do not match its hash";
      }
      if (!problem.empty()) {
        report.first_broken = expected;
        report.problem = problem;
        break;
      }
      head = {entry.index(), entry.hash()};
      ++report.entries;
    }
    if (!it->status().ok()) return absl::DataLossError(it->status().ToString());
  }
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  return report;
}

}  // namespace passerelle::store
