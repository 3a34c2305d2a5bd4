#include "registry_svc/search.h"

#include <vector>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/errors.h"
#include "registry_svc/rules.h"

namespace passerelle::registry {
namespace {

constexpr absl::string_view kKind = "structure";
// A word prefix that expands to more words than this reads their postings into memory instead of merging
// one iterator per word; beyond kMaxExpansion it is refused as too broad to be useful.
constexpr size_t kMaxMergedTerms = 32;
constexpr size_t kMaxExpansion = 5000;

using Cursors = std::vector<std::unique_ptr<store::PostingCursor>>;

std::unique_ptr<store::PostingCursor> AnyOf(const store::ReadView& view,
                                            const std::vector<std::string>& terms) {
  return registry::AnyOf(view, kKind, terms);
}

template <typename Enum>
void AddEnumFilter(const google::protobuf::RepeatedField<int>& values, bool (*is_valid)(int),
                   std::string (*term)(Enum), absl::string_view field, const store::ReadView& view,
                   common::FieldViolations* violations, Cursors* filters) {
  if (values.empty()) return;
  std::vector<std::string> terms;
  for (int i = 0; i < values.size(); ++i) {
    if (!is_valid(values[i]) || values[i] == 0) {
      violations->Add(absl::StrCat(field, "[", i, "]"), absl::StrCat("unknown value ", values[i]));
    }
    terms.push_back(term(static_cast<Enum>(values[i])));
  }
  filters->push_back(AnyOf(view, terms));
}

}  // namespace

std::unique_ptr<store::PostingCursor> AnyOf(const store::ReadView& view, absl::string_view kind,
                                            const std::vector<std::string>& terms) {
  Cursors children;
  if (terms.size() <= kMaxMergedTerms) {
    for (const std::string& t : terms) children.push_back(view.Postings(kind, t));
    return store::NewUnionCursor(std::move(children));
  }
  std::vector<std::string> ids;
  for (const std::string& t : terms) {
    for (auto c = view.Postings(kind, t); c->Valid(); c->Next()) ids.emplace_back(c->id());
  }
  return store::NewVectorCursor(std::move(ids));
}

absl::StatusOr<std::unique_ptr<store::PostingCursor>> PlanStructureSearch(
    const store::ReadView& view, const v1::SearchStructuresRequest& request) {
  common::FieldViolations violations;
  Cursors filters;

  const std::vector<std::string> query_words = Tokenize(request.query());
  // A query whose every word is too short or too long to be indexed must not silently match everything.
  const bool has_text = absl::c_any_of(request.query(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || (c & 0x80) != 0;
  });
  if (query_words.empty() && has_text) {
    violations.Add("query", "no searchable word: words need 2 to 64 letters or digits");
  }
  for (const std::string& word : query_words) {
    std::vector<std::string> words =
        view.TermsWithPrefix(kKind, terms::Word(word), kMaxExpansion + 1);
    if (words.size() > kMaxExpansion) {
      violations.Add("query", absl::StrCat("'", word, "' matches too many words; type more letters"));
    }
    filters.push_back(AnyOf(view, words));
  }
  AddEnumFilter<v1::Theme>(request.themes(), v1::Theme_IsValid, terms::Theme, "themes", view,
                           &violations, &filters);
  AddEnumFilter<v1::InclusionKind>(request.inclusion_kinds(), v1::InclusionKind_IsValid,
                                   terms::InclusionKind, "inclusion_kinds", view, &violations,
                                   &filters);
  AddEnumFilter<v1::SizeClass>(request.size_classes(), v1::SizeClass_IsValid, terms::SizeClass,
                               "size_classes", view, &violations, &filters);
  AddEnumFilter<v1::SseStatus>(request.sse_statuses(), v1::SseStatus_IsValid, terms::SseStatus,
                               "sse_statuses", view, &violations, &filters);
  if (!request.departments().empty()) {
    std::vector<std::string> terms;
    for (int i = 0; i < request.departments_size(); ++i) {
      if (!IsValidDepartment(request.departments(i))) {
        violations.Add(absl::StrCat("departments[", i, "]"), "is not a French department code");
      }
      terms.push_back(terms::Department(request.departments(i)));
    }
    filters.push_back(AnyOf(view, terms));
  }
  if (!request.cpv_prefixes().empty()) {
    // A structure working in sector "45" is a match for "4521", and one in "4521" is a match for "45".
    std::vector<std::string> terms;
    for (int i = 0; i < request.cpv_prefixes_size(); ++i) {
      const std::string& p = request.cpv_prefixes(i);
      if (!IsValidCpvPrefix(p)) {
        violations.Add(absl::StrCat("cpv_prefixes[", i, "]"), "is not 2 to 8 digits of a CPV code");
        continue;
      }
      for (size_t len = 2; len < p.size(); ++len) terms.push_back(terms::Cpv(p.substr(0, len)));
      for (std::string& t : view.TermsWithPrefix(kKind, terms::Cpv(p), kMaxExpansion)) {
        terms.push_back(std::move(t));
      }
    }
    filters.push_back(AnyOf(view, terms));
  }
  if (!violations.empty()) return violations.ToStatus();
  if (filters.empty()) filters.push_back(view.Postings(kKind, terms::kAll));
  if (filters.size() == 1) return std::move(filters.front());
  return store::NewIntersectionCursor(std::move(filters));
}

std::string SearchFingerprint(const v1::SearchStructuresRequest& request) {
  v1::SearchStructuresRequest filters = request;
  filters.clear_page_size();
  filters.clear_page_token();
  std::string out;
  filters.SerializeToString(&out);
  return out;
}

}  // namespace passerelle::registry
