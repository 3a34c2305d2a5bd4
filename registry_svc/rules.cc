#include "registry_svc/rules.h"

#include <algorithm>
#include <set>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/validation.h"
#include "registry_svc/siret.h"

namespace passerelle::registry {
namespace {

using common::CheckCount;
using common::CheckEnum;
using common::CheckNonNegative;
using common::CheckText;

// Maps the UTF-8 Latin-1 and Latin Extended-A letters French uses onto ASCII.
absl::string_view FoldAccent(unsigned char lead, unsigned char trail) {
  if (lead == 0xc3) {
    switch (trail | 0x20) {  // 0x80..0x9f are the upper-case twins of 0xa0..0xbf
      case 0xa0:
      case 0xa1:
      case 0xa2:
      case 0xa4:
        return "a";
      case 0xa7:
        return "c";
      case 0xa8:
      case 0xa9:
      case 0xaa:
      case 0xab:
        return "e";
      case 0xae:
      case 0xaf:
        return "i";
      case 0xb4:
      case 0xb6:
        return "o";
      case 0xb9:
      case 0xbb:
      case 0xbc:
        return "u";
      default:
        return "";
    }
  }
  if (lead == 0xc5 && (trail == 0x92 || trail == 0x93)) return "oe";
  return "";
}

}  // namespace

bool IsValidDepartment(absl::string_view code) {
  if (code == "2A" || code == "2B") return true;
  int n = 0;
  if (!std::all_of(code.begin(), code.end(), [](char c) { return absl::ascii_isdigit(c); }) ||
      !absl::SimpleAtoi(code, &n)) {
    return false;
  }
  if (code.size() == 2) return n >= 1 && n <= 95 && n != 20;
  if (code.size() == 3) return n >= 971 && n <= 976;
  return false;
}

bool IsValidCpvPrefix(absl::string_view prefix) {
  return prefix.size() >= 2 && prefix.size() <= 8 &&
         std::all_of(prefix.begin(), prefix.end(), [](char c) { return absl::ascii_isdigit(c); });
}

void CheckDepartments(const google::protobuf::RepeatedPtrField<std::string>& departments,
                      const std::string& field, common::FieldViolations* v) {
  if (!CheckCount(departments, field, v)) return;
  for (int i = 0; i < departments.size(); ++i) {
    if (!IsValidDepartment(departments[i])) {
      v->Add(absl::StrCat(field, "[", i, "]"),
             absl::StrCat("'", departments[i], "' is not a French department code"));
    }
  }
}

void CheckCpvPrefix(absl::string_view prefix, std::string field, common::FieldViolations* v) {
  if (!IsValidCpvPrefix(prefix)) {
    v->Add(std::move(field), absl::StrCat("'", prefix, "' is not 2 to 8 digits of a CPV code"));
  }
}

void ValidateStructure(const v1::Structure& s, absl::string_view prefix,
                       common::FieldViolations* v) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, name); };
  if (std::string problem = SiretProblem(s.siret()); !problem.empty()) v->Add(f("siret"), problem);
  CheckText(s.display_name(), f("display_name"), kMaxNameLength, true, v);
  CheckEnum(s.legal_form(), v1::LegalForm_IsValid, true, f("legal_form"), v);
  CheckEnum(s.sse_status(), v1::SseStatus_IsValid, true, f("sse_status"), v);
  CheckEnum(s.inclusion_kind(), v1::InclusionKind_IsValid, false, f("inclusion_kind"), v);
  CheckEnum(s.size_class(), v1::SizeClass_IsValid, true, f("size_class"), v);
  CheckNonNegative(s.headcount(), f("headcount"), v);
  CheckNonNegative(s.annual_turnover_cents(), f("annual_turnover_cents"), v);
  CheckNonNegative(s.max_contract_cents(), f("max_contract_cents"), v);
  // Size classes follow décret 2008-1354 on head count; a declared head count must agree with the
  // class.
  if (s.headcount() > 0) {
    if (s.size_class() == v1::SIZE_CLASS_TPE && s.headcount() >= 10) {
      v->Add(f("size_class"), "TPE means fewer than 10 staff, but headcount is higher");
    } else if (s.size_class() == v1::SIZE_CLASS_PME && s.headcount() >= 250) {
      v->Add(f("size_class"), "PME means fewer than 250 staff, but headcount is higher");
    }
  }
  if (CheckCount(s.themes(), f("themes"), v)) {
    absl::flat_hash_set<int> seen;
    for (int i = 0; i < s.themes_size(); ++i) {
      std::string field = absl::StrCat(prefix, "themes[", i, "]");
      CheckEnum(s.themes(i), v1::Theme_IsValid, true, field, v);
      if (!seen.insert(s.themes(i)).second) v->Add(field, "is listed twice");
    }
  }
  if (CheckCount(s.cpv_prefixes(), f("cpv_prefixes"), v)) {
    for (int i = 0; i < s.cpv_prefixes_size(); ++i) {
      CheckCpvPrefix(s.cpv_prefixes(i), absl::StrCat(prefix, "cpv_prefixes[", i, "]"), v);
    }
  }
  CheckDepartments(s.departments(), f("departments"), v);
  if (CheckCount(s.certifications(), f("certifications"), v)) {
    for (int i = 0; i < s.certifications_size(); ++i) {
      CheckText(s.certifications(i), absl::StrCat(prefix, "certifications[", i, "]"),
                kMaxNameLength, true, v);
    }
  }
  const v1::Contact& c = s.contact();
  CheckText(c.email(), f("contact.email"), kMaxShortTextLength, false, v);
  if (!c.email().empty() &&
      (!absl::StrContains(c.email(), '@') || absl::StrContains(c.email(), ' '))) {
    v->Add(f("contact.email"), "is not an e-mail address");
  }
  CheckText(c.phone(), f("contact.phone"), 32, false, v);
  if (!std::all_of(c.phone().begin(), c.phone().end(), [](char ch) {
        return absl::ascii_isdigit(ch) || ch == '+' || ch == ' ' || ch == '.' || ch == '-';
      })) {
    v->Add(f("contact.phone"), "may hold only digits, spaces, '+', '.' and '-'");
  }
  CheckText(c.website(), f("contact.website"), kMaxShortTextLength, false, v);
  CheckText(s.description(), f("description"), kMaxDescriptionLength, false, v);
  if (CheckCount(s.solutions(), f("solutions"), v)) {
    for (int i = 0; i < s.solutions_size(); ++i) {
      std::string sp = absl::StrCat(prefix, "solutions[", i, "].");
      const v1::Solution& sol = s.solutions(i);
      CheckText(sol.title(), sp + "title", kMaxNameLength, true, v);
      CheckEnum(sol.theme(), v1::Theme_IsValid, false, sp + "theme", v);
      CheckText(sol.description(), sp + "description", kMaxDescriptionLength, false, v);
    }
  }
}

void ValidateBuyer(const v1::Buyer& b, absl::string_view prefix, common::FieldViolations* v) {
  auto f = [&](absl::string_view name) { return absl::StrCat(prefix, name); };
  common::CheckSlug(b.buyer_id(), f("buyer_id"), v);
  CheckText(b.display_name(), f("display_name"), kMaxNameLength, true, v);
  CheckEnum(b.kind(), v1::BuyerKind_IsValid, true, f("kind"), v);
  CheckDepartments(b.departments(), f("departments"), v);
  if (CheckCount(b.needs(), f("needs"), v)) {
    for (int i = 0; i < b.needs_size(); ++i) {
      std::string np = absl::StrCat(prefix, "needs[", i, "].");
      CheckCpvPrefix(b.needs(i).cpv_prefix(), np + "cpv_prefix", v);
      CheckText(b.needs(i).description(), np + "description", kMaxDescriptionLength, false, v);
    }
  }
}

namespace {

// Calls `emit` with each word of `text` (lower-case ASCII, accents folded, 2 to 64 characters), in
// order, repeats included. Each word is appended to `*word` after `keep` bytes, which the caller
// may have filled with a prefix; `emit` sees the whole buffer. One buffer for every word:
// tokenizing allocates nothing but what `emit` keeps.
template <typename Emit>
void ForEachWord(absl::string_view text, std::string* word, size_t keep, Emit emit) {
  word->resize(keep);
  auto flush = [&] {
    const size_t length = word->size() - keep;
    if (length >= 2 && length <= 64) emit(*word);
    word->resize(keep);
  };
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (absl::ascii_isalnum(c)) {
      word->push_back(absl::ascii_tolower(c));
    } else if (c >= 0xc0 && i + 1 < text.size()) {
      absl::string_view folded = FoldAccent(c, static_cast<unsigned char>(text[i + 1]));
      // Skip the rest of this multi-byte character.
      while (i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xc0) == 0x80) ++i;
      if (folded.empty()) {
        flush();
      } else {
        word->append(folded.data(), folded.size());
      }
    } else {
      flush();
    }
  }
  flush();
}

constexpr absl::string_view kWordPrefix = "word:";

}  // namespace

std::vector<std::string> Tokenize(absl::string_view text) {
  std::vector<std::string> words;
  // A set, not a look through `words`: a query's length is the client's, and a linear look would
  // make a long one quadratic.
  absl::flat_hash_set<std::string> seen;
  std::string word;
  ForEachWord(text, &word, 0, [&](const std::string& w) {
    if (seen.insert(w).second) words.push_back(w);
  });
  return words;
}

namespace terms {
std::string Theme(v1::Theme theme) { return absl::StrCat("theme:", theme); }
std::string Department(absl::string_view code) { return absl::StrCat("dept:", code); }
std::string Cpv(absl::string_view prefix) { return absl::StrCat("cpv:", prefix); }
std::string InclusionKind(v1::InclusionKind kind) { return absl::StrCat("incl:", kind); }
std::string SizeClass(v1::SizeClass size) { return absl::StrCat("size:", size); }
std::string SseStatus(v1::SseStatus status) { return absl::StrCat("sse:", status); }
std::string Word(absl::string_view word) { return absl::StrCat(kWordPrefix, word); }
}  // namespace terms

std::vector<std::string> IndexTerms(const v1::Structure& s) {
  // Gathered then sorted once: cheaper than an ordered set on every write path, for ~35 terms.
  std::vector<std::string> out;
  out.reserve(64);
  out.emplace_back(terms::kAll);
  for (int t : s.themes()) out.push_back(terms::Theme(static_cast<v1::Theme>(t)));
  for (const auto& d : s.departments()) out.push_back(terms::Department(d));
  for (const auto& c : s.cpv_prefixes()) out.push_back(terms::Cpv(c));
  // Unspecified inclusion kind means none, so that "no inclusion kind" is one filter value.
  out.push_back(terms::InclusionKind(s.inclusion_kind() == v1::INCLUSION_KIND_UNSPECIFIED
                                         ? v1::INCLUSION_KIND_NONE
                                         : s.inclusion_kind()));
  out.push_back(terms::SizeClass(s.size_class()));
  out.push_back(terms::SseStatus(s.sse_status()));
  // Words go in as terms::Word spells them, built in place; repeats go with the sort below.
  std::string word(kWordPrefix);
  auto add_words = [&](absl::string_view text) {
    ForEachWord(text, &word, kWordPrefix.size(),
                [&](const std::string& term) { out.push_back(term); });
  };
  add_words(s.display_name());
  add_words(s.description());
  for (const auto& sol : s.solutions()) {
    add_words(sol.title());
    add_words(sol.description());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> IndexTerms(const v1::Buyer& b) {
  std::set<std::string> out = {std::string(terms::kAll)};
  for (const auto& d : b.departments()) out.insert(terms::Department(d));
  for (const auto& n : b.needs()) out.insert(terms::Cpv(n.cpv_prefix()));
  return {out.begin(), out.end()};
}

std::string StructureName(absl::string_view siret) { return absl::StrCat("structures/", siret); }
std::string BuyerName(absl::string_view buyer_id) { return absl::StrCat("buyers/", buyer_id); }

}  // namespace passerelle::registry
