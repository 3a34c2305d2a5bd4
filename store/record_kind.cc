#include "store/record_kind.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace passerelle::store {

RecordWrite DiffTerms(std::vector<std::string> old_terms, std::vector<std::string> new_terms) {
  // Index terms usually come sorted, and a sort of sorted strings still compares n log n times.
  for (std::vector<std::string>* terms : {&old_terms, &new_terms}) {
    if (!std::is_sorted(terms->begin(), terms->end())) std::sort(terms->begin(), terms->end());
  }
  RecordWrite write;
  if (old_terms.empty()) {  // a new record: every term is added
    write.add_terms = std::move(new_terms);
    return write;
  }
  std::set_difference(old_terms.begin(), old_terms.end(), new_terms.begin(), new_terms.end(),
                      std::back_inserter(write.remove_terms));
  std::set_difference(new_terms.begin(), new_terms.end(), old_terms.begin(), old_terms.end(),
                      std::back_inserter(write.add_terms));
  return write;
}

absl::Status UnknownRecordKind(absl::string_view kind) {
  return absl::InvalidArgumentError(absl::StrCat("unknown record kind ", kind));
}

void RecordKinds::Add(std::unique_ptr<RecordKind> kind) {
  std::string name = kind->name();
  kinds_[name] = std::move(kind);
}

const RecordKind* RecordKinds::Find(absl::string_view name) const {
  auto it = kinds_.find(name);
  return it == kinds_.end() ? nullptr : it->second.get();
}

std::vector<std::string> RecordKinds::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, kind] : kinds_) names.push_back(name);
  return names;
}

absl::StatusOr<RecordWrite> RecordKinds::IndexChange(
    const v1::Change& change, const std::optional<std::string>& current) const {
  const RecordKind* kind = Find(change.kind());
  if (kind == nullptr) return UnknownRecordKind(change.kind());
  std::vector<std::string> old_terms, new_terms;
  if (current) {
    absl::StatusOr<std::vector<std::string>> terms = kind->IndexTerms(*current);
    if (!terms.ok()) return terms.status();
    old_terms = std::move(*terms);
  }
  if (!change.deleted()) {
    absl::StatusOr<std::vector<std::string>> terms = kind->IndexTerms(change.record());
    if (!terms.ok()) return terms.status();
    new_terms = std::move(*terms);
  }
  return DiffTerms(std::move(old_terms), std::move(new_terms));
}

}  // namespace passerelle::store
