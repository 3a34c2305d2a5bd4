#include "cli/structure_csv.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace passerelle::cli {
namespace {

using google::protobuf::EnumDescriptor;
using v1::Structure;

// Indexes into StructureCsvColumns(); keep both in the same order.
enum Column {
  kSiret,
  kDisplayName,
  kLegalForm,
  kSseStatus,
  kInclusionKind,
  kSizeClass,
  kHeadcount,
  kAnnualTurnoverCents,
  kThemes,
  kCpvPrefixes,
  kDepartments,
  kMaxContractCents,
  kCertifications,
  kEmail,
  kPhone,
  kWebsite,
  kDescription,
  kSolutions,
  kColumnCount,
};

constexpr char kListSeparator = ';';
constexpr char kSolutionPartSeparator = '|';

// The prefix every value name of `type` shares, up to and including its last '_' (e.g.
// "LEGAL_FORM_"), so that a new enum gets cell names without anyone writing a table.
std::string CommonPrefix(const EnumDescriptor& type) {
  absl::string_view prefix = type.value(0)->name();
  for (int i = 1; i < type.value_count(); ++i) {
    absl::string_view name = type.value(i)->name();
    size_t n = 0;
    while (n < prefix.size() && n < name.size() && prefix[n] == name[n]) ++n;
    prefix = prefix.substr(0, n);
  }
  size_t underscore = prefix.rfind('_');
  return std::string(underscore == absl::string_view::npos ? "" : prefix.substr(0, underscore + 1));
}

std::vector<absl::string_view> ListElements(absl::string_view cell) {
  std::vector<absl::string_view> out;
  for (absl::string_view element : absl::StrSplit(cell, kListSeparator)) {
    element = absl::StripAsciiWhitespace(element);
    if (!element.empty()) out.push_back(element);
  }
  return out;
}

template <typename Int>
absl::StatusOr<Int> ParseInteger(absl::string_view cell) {
  Int value = 0;
  if (cell.empty()) return value;
  if (!absl::SimpleAtoi(cell, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("not a whole number: '", cell, "'"));
  }
  return value;
}

absl::Status ParseSolutions(absl::string_view cell, Structure* structure) {
  for (absl::string_view entry : ListElements(cell)) {
    std::vector<absl::string_view> parts = absl::StrSplit(entry, kSolutionPartSeparator);
    if (parts.size() != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat("solution '", entry, "' is not theme|title|description"));
    }
    auto theme = ParseEnumCell(*v1::Theme_descriptor(), absl::StripAsciiWhitespace(parts[0]));
    if (!theme.ok()) return theme.status();
    v1::Solution* solution = structure->add_solutions();
    solution->set_theme(static_cast<v1::Theme>(*theme));
    solution->set_title(std::string(absl::StripAsciiWhitespace(parts[1])));
    solution->set_description(std::string(absl::StripAsciiWhitespace(parts[2])));
  }
  return absl::OkStatus();
}

// Sets the field of `column` from `cell` (already stripped of surrounding spaces).
absl::Status SetField(Column column, absl::string_view cell, Structure* s) {
  switch (column) {
    case kSiret:
      s->set_siret(std::string(cell));
      return absl::OkStatus();
    case kDisplayName:
      s->set_display_name(std::string(cell));
      return absl::OkStatus();
    case kLegalForm: {
      auto value = ParseEnumCell(*v1::LegalForm_descriptor(), cell);
      if (!value.ok()) return value.status();
      s->set_legal_form(static_cast<v1::LegalForm>(*value));
      return absl::OkStatus();
    }
    case kSseStatus: {
      auto value = ParseEnumCell(*v1::SseStatus_descriptor(), cell);
      if (!value.ok()) return value.status();
      s->set_sse_status(static_cast<v1::SseStatus>(*value));
      return absl::OkStatus();
    }
    case kInclusionKind: {
      auto value = ParseEnumCell(*v1::InclusionKind_descriptor(), cell);
      if (!value.ok()) return value.status();
      s->set_inclusion_kind(static_cast<v1::InclusionKind>(*value));
      return absl::OkStatus();
    }
    case kSizeClass: {
      auto value = ParseEnumCell(*v1::SizeClass_descriptor(), cell);
      if (!value.ok()) return value.status();
      s->set_size_class(static_cast<v1::SizeClass>(*value));
      return absl::OkStatus();
    }
    case kHeadcount: {
      auto value = ParseInteger<int32_t>(cell);
      if (!value.ok()) return value.status();
      s->set_headcount(*value);
      return absl::OkStatus();
    }
    case kAnnualTurnoverCents: {
      auto value = ParseInteger<int64_t>(cell);
      if (!value.ok()) return value.status();
      s->set_annual_turnover_cents(*value);
      return absl::OkStatus();
    }
    case kMaxContractCents: {
      auto value = ParseInteger<int64_t>(cell);
      if (!value.ok()) return value.status();
      s->set_max_contract_cents(*value);
      return absl::OkStatus();
    }
    case kThemes:
      for (absl::string_view element : ListElements(cell)) {
        auto value = ParseEnumCell(*v1::Theme_descriptor(), element);
        if (!value.ok()) return value.status();
        s->add_themes(static_cast<v1::Theme>(*value));
      }
      return absl::OkStatus();
    case kCpvPrefixes:
      for (absl::string_view element : ListElements(cell))
        s->add_cpv_prefixes(std::string(element));
      return absl::OkStatus();
    case kDepartments:
      for (absl::string_view element : ListElements(cell)) s->add_departments(std::string(element));
      return absl::OkStatus();
    case kCertifications:
      for (absl::string_view element : ListElements(cell))
        s->add_certifications(std::string(element));
      return absl::OkStatus();
    case kEmail:
      if (!cell.empty()) s->mutable_contact()->set_email(std::string(cell));
      return absl::OkStatus();
    case kPhone:
      if (!cell.empty()) s->mutable_contact()->set_phone(std::string(cell));
      return absl::OkStatus();
    case kWebsite:
      if (!cell.empty()) s->mutable_contact()->set_website(std::string(cell));
      return absl::OkStatus();
    case kDescription:
      s->set_description(std::string(cell));
      return absl::OkStatus();
    case kSolutions:
      return ParseSolutions(cell, s);
    case kColumnCount:
      break;
  }
  return absl::InternalError("no such column");
}

// Joins list elements into one cell, refusing elements the reader would split or drop.
template <typename Range, typename Format>
absl::StatusOr<std::string> ListCell(absl::string_view column, const Range& elements,
                                     Format format) {
  std::vector<std::string> parts;
  for (const auto& element : elements) {
    std::string part = format(element);
    if (part.empty() || part.find(kListSeparator) != std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("column ", column, ": element '", part,
                                                     "' cannot be written in a list cell"));
    }
    parts.push_back(std::move(part));
  }
  return absl::StrJoin(parts, std::string(1, kListSeparator));
}

}  // namespace

const std::vector<std::string>& StructureCsvColumns() {
  static const auto* const kColumns = new std::vector<std::string>{
      "siret",          "display_name", "legal_form",  "sse_status",
      "inclusion_kind", "size_class",   "headcount",   "annual_turnover_cents",
      "themes",         "cpv_prefixes", "departments", "max_contract_cents",
      "certifications", "email",        "phone",       "website",
      "description",    "solutions"};
  return *kColumns;
}

absl::StatusOr<int> ParseEnumCell(const EnumDescriptor& type, absl::string_view cell) {
  cell = absl::StripAsciiWhitespace(cell);
  if (cell.empty()) return 0;
  const std::string prefix = CommonPrefix(type);
  const google::protobuf::EnumValueDescriptor* value =
      type.FindValueByName(absl::StrCat(prefix, absl::AsciiStrToUpper(cell)));
  if (value != nullptr) return value->number();
  std::vector<std::string> allowed;
  for (int i = 1; i < type.value_count(); ++i)
    allowed.push_back(EnumCell(type, type.value(i)->number()));
  return absl::InvalidArgumentError(absl::StrCat("unknown value '", cell, "' (expected one of ",
                                                 absl::StrJoin(allowed, ", "), ")"));
}

std::string EnumCell(const EnumDescriptor& type, int value) {
  if (value == 0) return "";
  const google::protobuf::EnumValueDescriptor* descriptor = type.FindValueByNumber(value);
  if (descriptor == nullptr) return absl::StrCat(value);
  return absl::AsciiStrToLower(
      absl::StripPrefix(absl::string_view(descriptor->name()), CommonPrefix(type)));
}

absl::StatusOr<StructureCsvLayout> StructureCsvLayout::FromHeader(const CsvRecord& header) {
  const std::vector<std::string>& columns = StructureCsvColumns();
  StructureCsvLayout layout;
  layout.column_of_field_.assign(columns.size(), -1);
  layout.width_ = header.fields.size();
  for (size_t i = 0; i < header.fields.size(); ++i) {
    std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(header.fields[i]));
    size_t field = 0;
    while (field < columns.size() && columns[field] != name) ++field;
    if (field == columns.size()) {
      return absl::InvalidArgumentError(absl::StrCat("line ", header.line, ": unknown column '",
                                                     header.fields[i], "' (expected some of ",
                                                     absl::StrJoin(columns, ", "), ")"));
    }
    if (layout.column_of_field_[field] != -1) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", header.line, ": column '", name, "' appears twice"));
    }
    layout.column_of_field_[field] = static_cast<int>(i);
  }
  for (Column required : {kSiret, kDisplayName}) {
    if (layout.column_of_field_[required] == -1) {
      return absl::InvalidArgumentError(absl::StrCat("line ", header.line, ": required column '",
                                                     columns[required], "' is missing"));
    }
  }
  return layout;
}

absl::StatusOr<Structure> StructureCsvLayout::ToStructure(const CsvRecord& record) const {
  if (record.fields.size() != width_) {
    return absl::InvalidArgumentError(absl::StrCat("line ", record.line, ": expected ", width_,
                                                   " cells as in the header, found ",
                                                   record.fields.size()));
  }
  Structure structure;
  for (int field = 0; field < kColumnCount; ++field) {
    int column = column_of_field_[field];
    if (column == -1) continue;
    absl::string_view cell = absl::StripAsciiWhitespace(record.fields[column]);
    absl::Status status = SetField(static_cast<Column>(field), cell, &structure);
    if (!status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", record.line, ", column ", StructureCsvColumns()[field], ": ", status.message()));
    }
  }
  return structure;
}

absl::StatusOr<std::vector<std::string>> StructureToCsvRow(const Structure& s) {
  std::vector<std::string> row(kColumnCount);
  row[kSiret] = s.siret();
  row[kDisplayName] = s.display_name();
  row[kLegalForm] = EnumCell(*v1::LegalForm_descriptor(), s.legal_form());
  row[kSseStatus] = EnumCell(*v1::SseStatus_descriptor(), s.sse_status());
  row[kInclusionKind] = EnumCell(*v1::InclusionKind_descriptor(), s.inclusion_kind());
  row[kSizeClass] = EnumCell(*v1::SizeClass_descriptor(), s.size_class());
  row[kHeadcount] = absl::StrCat(s.headcount());
  row[kAnnualTurnoverCents] = absl::StrCat(s.annual_turnover_cents());
  row[kMaxContractCents] = absl::StrCat(s.max_contract_cents());
  row[kEmail] = s.contact().email();
  row[kPhone] = s.contact().phone();
  row[kWebsite] = s.contact().website();
  row[kDescription] = s.description();

  auto text = [](const std::string& element) { return element; };
  auto theme = [](int value) { return EnumCell(*v1::Theme_descriptor(), value); };
  auto themes = ListCell("themes", s.themes(), theme);
  if (!themes.ok()) return themes.status();
  row[kThemes] = *std::move(themes);
  auto cpv = ListCell("cpv_prefixes", s.cpv_prefixes(), text);
  if (!cpv.ok()) return cpv.status();
  row[kCpvPrefixes] = *std::move(cpv);
  auto departments = ListCell("departments", s.departments(), text);
  if (!departments.ok()) return departments.status();
  row[kDepartments] = *std::move(departments);
  auto certifications = ListCell("certifications", s.certifications(), text);
  if (!certifications.ok()) return certifications.status();
  row[kCertifications] = *std::move(certifications);

  std::string bad_solution;
  auto solution = [&bad_solution](const v1::Solution& solution) {
    for (const std::string* part : {&solution.title(), &solution.description()}) {
      if (part->find(kSolutionPartSeparator) != std::string::npos) bad_solution = *part;
    }
    return absl::StrCat(EnumCell(*v1::Theme_descriptor(), solution.theme()), "|", solution.title(),
                        "|", solution.description());
  };
  auto solutions = ListCell("solutions", s.solutions(), solution);
  if (!solutions.ok()) return solutions.status();
  if (!bad_solution.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("column solutions: '", bad_solution, "' holds a '|'"));
  }
  row[kSolutions] = *std::move(solutions);
  return row;
}

absl::StatusOr<std::unique_ptr<StructureCsvReader>> StructureCsvReader::Open(std::istream& in) {
  auto reader = std::unique_ptr<StructureCsvReader>(new StructureCsvReader(in));
  auto read = reader->csv_.Next(&reader->record_);
  if (!read.ok()) return read.status();
  if (!*read) return absl::InvalidArgumentError("the file is empty: expected a header row");
  auto layout = StructureCsvLayout::FromHeader(reader->record_);
  if (!layout.ok()) return layout.status();
  reader->layout_ = *std::move(layout);
  return reader;
}

bool StructureCsvReader::Next(StructureRow* row) {
  auto read = csv_.Next(&record_);
  row->line = record_.line;
  if (!read.ok()) {
    row->structure = read.status();
    return true;
  }
  if (!*read) return false;
  row->structure = layout_->ToStructure(record_);
  return true;
}

}  // namespace passerelle::cli
