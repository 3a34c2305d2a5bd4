#ifndef PASSERELLE_CLI_CSV_H_
#define PASSERELLE_CLI_CSV_H_

#include <cstdint>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace passerelle::cli {

// One record of a CSV file.
struct CsvRecord {
  std::vector<std::string> fields;
  int64_t line = 0;  // 1-based line of the input where the record starts
};

// Reads RFC 4180 CSV: fields separated by ',', records by CRLF or LF; a field in double quotes may
// hold commas, line breaks and doubled quotes (""). Quoted fields keep their content byte for byte,
// line breaks included. A UTF-8 byte order mark at the very start is skipped, since spreadsheets
// write one. Empty lines between records are skipped rather than read as records of one empty
// field. Not thread-safe; `in` must outlive the reader.
class CsvReader {
 public:
  explicit CsvReader(std::istream& in);

  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into *record. Returns false at the end of the input, and an
  // INVALID_ARGUMENT error naming the line when the record is malformed (a quote left open at the
  // end of the input, or text after a closing quote). Even on error record->line names the line
  // where the bad record starts, and the reader stays usable: the next call resumes after the bad
  // record.
  absl::StatusOr<bool> Next(CsvRecord* record);

 private:
  int Get();
  int Peek();
  // Consumes the rest of the current line, after a malformed field.
  void SkipLine();

  std::streambuf* in_;
  int64_t line_ = 1;  // line of the next character to read
};

// Writes CSV that CsvReader (and spreadsheets) read back to the same fields: a field is quoted only
// when it holds a comma, a quote, a line break or leading/trailing spaces; records end with LF.
class CsvWriter {
 public:
  explicit CsvWriter(std::ostream& out) : out_(out) {}

  void WriteRecord(absl::Span<const std::string> fields);

 private:
  std::ostream& out_;
};

// `field` as it appears in a CSV file: quoted, with quotes doubled, when it needs to be.
std::string CsvField(absl::string_view field);

}  // namespace passerelle::cli

#endif  // PASSERELLE_CLI_CSV_H_
