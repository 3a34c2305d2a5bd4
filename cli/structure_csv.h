#ifndef PASSERELLE_CLI_STRUCTURE_CSV_H_
#define PASSERELLE_CLI_STRUCTURE_CSV_H_

#include <cstdint>
#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cli/csv.h"
#include "google/protobuf/descriptor.h"
#include "passerelle/v1/registry.pb.h"

namespace passerelle::cli {

// The CSV form of a Structure. One column per field a client may set:
//   siret, display_name, legal_form, sse_status, inclusion_kind, size_class, headcount,
//   annual_turnover_cents, themes, cpv_prefixes, departments, max_contract_cents, certifications,
//   email, phone, website, description, solutions
// Enum cells hold the value name without its enum's prefix, in any case ("scop" for
// LEGAL_FORM_SCOP); an empty cell is the unspecified value. Multi-valued cells separate values with
// ';'. A solutions cell holds entries `theme|title|description` separated by ';'. Empty numeric
// cells are 0. Spaces around a cell, a list element or a solution part are dropped. Contact fields
// that are all empty read back as no contact. Checking the values against the domain rules (SIRET,
// departments, ...) is the server's job: this mapping only parses.

// Every column, in the order StructureToCsvRow writes them.
const std::vector<std::string>& StructureCsvColumns();

// Which column of a file holds which field, read from the file's header row.
class StructureCsvLayout {
 public:
  // Fails when the header names an unknown column or the same column twice, or lacks siret or
  // display_name. Column names are matched ignoring case and surrounding spaces.
  static absl::StatusOr<StructureCsvLayout> FromHeader(const CsvRecord& header);

  // Converts one data record; the error reads "line 12, column themes: unknown value 'foo'".
  absl::StatusOr<v1::Structure> ToStructure(const CsvRecord& record) const;

 private:
  // column_of_field_[i]: the file column holding StructureCsvColumns()[i], or -1 when absent.
  std::vector<int> column_of_field_;
  size_t width_ = 0;
};

// The cells of `structure` in StructureCsvColumns() order, such that a layout built from that
// header reads them back to an equal Structure (output-only fields aside). Fails when a value
// cannot be written without changing its meaning: a ';' inside a multi-valued element, or a '|'
// inside a solution.
absl::StatusOr<std::vector<std::string>> StructureToCsvRow(const v1::Structure& structure);

// Parses `cell` as a value of `type`: its value name without the enum's common prefix, in any case.
// An empty cell is value 0.
absl::StatusOr<int> ParseEnumCell(const google::protobuf::EnumDescriptor& type,
                                  absl::string_view cell);

// The name a cell holds for `value` of `type`: lower case, without the enum's common prefix; empty
// for 0.
std::string EnumCell(const google::protobuf::EnumDescriptor& type, int value);

// A structure read from a file: either the structure or why its row could not be converted.
struct StructureRow {
  int64_t line = 0;
  absl::StatusOr<v1::Structure> structure;
};

// Streams the structures of a CSV file whose first record is the header. `in` must outlive the
// reader.
class StructureCsvReader {
 public:
  // Reads the header; fails when it is malformed or names unknown columns, or when the input is
  // empty.
  static absl::StatusOr<std::unique_ptr<StructureCsvReader>> Open(std::istream& in);

  // Reads the next row into *row; returns false at the end of the input. A row that cannot be read
  // or converted is still returned, with row->structure holding the error; the reader carries on
  // after it.
  bool Next(StructureRow* row);

 private:
  explicit StructureCsvReader(std::istream& in) : csv_(in) {}

  CsvReader csv_;
  std::optional<StructureCsvLayout> layout_;
  CsvRecord record_;
};

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_STRUCTURE_CSV_H_
