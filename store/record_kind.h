#ifndef PASSERELLE_STORE_RECORD_KIND_H_
#define PASSERELLE_STORE_RECORD_KIND_H_

// What the layers below a service must know about one kind of record it keeps — how to index it and how to
// redact it — supplied by that service. The mesh replicates any kind through this interface, so a new kind
// plugs in by registering one, without a change to the mesh or the store.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "passerelle/v1/common.pb.h"
#include "store/store.h"

namespace passerelle::store {

// The RecordWrite (terms only) that moves a record's postings from `old_terms` to `new_terms`: only the terms
// that differ are touched.
RecordWrite DiffTerms(std::vector<std::string> old_terms, std::vector<std::string> new_terms);

// INVALID_ARGUMENT for a record kind the node does not keep, worded alike wherever it is met.
absl::Status UnknownRecordKind(absl::string_view kind);

class RecordKind {
 public:
  virtual ~RecordKind() = default;
  // The column family and Change.kind, e.g. "structure".
  virtual std::string name() const = 0;
  // The index terms of a record, exactly as the owning service indexes its own writes.
  virtual absl::StatusOr<std::vector<std::string>> IndexTerms(absl::string_view record) const = 0;
  // The record as a peer under a REDACTED sharing rule may see it. By default unchanged: the kind holds
  // nothing personal.
  virtual absl::StatusOr<std::string> Redact(absl::string_view record) const { return std::string(record); }
};

// The kinds a node keeps, by name. Immutable once the node runs.
class RecordKinds {
 public:
  void Add(std::unique_ptr<RecordKind> kind);
  const RecordKind* Find(absl::string_view name) const;
  std::vector<std::string> Names() const;

  // The index change that applying a remote `change` implies, given the record's current bytes.
  absl::StatusOr<RecordWrite> IndexChange(const v1::Change& change,
                                          const std::optional<std::string>& current) const;

 private:
  std::map<std::string, std::unique_ptr<RecordKind>, std::less<>> kinds_;
};

}  // namespace passerelle::store

#endif  // PASSERELLE_STORE_RECORD_KIND_H_
