#include "cli/csv.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace passerelle::cli {
namespace {

constexpr int kEof = std::char_traits<char>::eof();

}  // namespace

CsvReader::CsvReader(std::istream& in) : in_(in.rdbuf()) {
  // A byte order mark is only ever whole; anything else starting with 0xEF is data and must stay.
  if (Peek() == 0xEF) {
    std::string head;
    while (head.size() < 3 && Peek() == static_cast<unsigned char>("\xEF\xBB\xBF"[head.size()])) {
      head.push_back(static_cast<char>(Get()));
    }
    if (head.size() < 3) {
      for (auto it = head.rbegin(); it != head.rend(); ++it) in_->sputbackc(*it);
    }
  }
}

int CsvReader::Get() {
  int c = in_ == nullptr ? kEof : in_->sbumpc();
  if (c == '\n') ++line_;
  return c;
}

int CsvReader::Peek() { return in_ == nullptr ? kEof : in_->sgetc(); }

void CsvReader::SkipLine() {
  for (int c = Get(); c != kEof && c != '\n'; c = Get()) {
  }
}

absl::StatusOr<bool> CsvReader::Next(CsvRecord* record) {
  record->fields.clear();
  for (;;) {
    int c = Peek();
    if (c == kEof) return false;
    if (c == '\n') {
      Get();
    } else if (c == '\r') {
      Get();
      if (Peek() != '\n') break;  // a lone CR is data, not an empty line
    } else {
      break;
    }
  }
  record->line = line_;

  std::string field;
  for (;;) {
    field.clear();
    if (Peek() == '"') {
      const int64_t quote_line = line_;
      Get();
      for (;;) {
        int c = Get();
        if (c == kEof) {
          return absl::InvalidArgumentError(absl::StrCat(
              "line ", record->line, ": unterminated quoted field (the quote opened on line ",
              quote_line, " is never closed)"));
        }
        if (c == '"') {
          if (Peek() != '"') break;
          Get();
        }
        field.push_back(static_cast<char>(c));
      }
      int c = Peek();
      if (c == '\r') {
        Get();
        c = Peek();
        if (c != '\n') {
          SkipLine();
          return absl::InvalidArgumentError(
              absl::StrCat("line ", record->line, ": text after the closing quote of a field"));
        }
      }
      if (c == ',') {
        Get();
        record->fields.push_back(std::move(field));
        continue;
      }
      if (c == '\n' || c == kEof) {
        Get();
        record->fields.push_back(std::move(field));
        return true;
      }
      SkipLine();
      return absl::InvalidArgumentError(
          absl::StrCat("line ", record->line, ": text after the closing quote of a field"));
    }

    // Unquoted field. A stray quote inside it is kept as data, as spreadsheets do.
    for (;;) {
      int c = Peek();
      if (c == ',') {
        Get();
        record->fields.push_back(std::move(field));
        break;
      }
      if (c == '\n' || c == kEof) {
        Get();
        record->fields.push_back(std::move(field));
        return true;
      }
      Get();
      if (c == '\r' && Peek() == '\n') {
        Get();
        record->fields.push_back(std::move(field));
        return true;
      }
      field.push_back(static_cast<char>(c));
    }
  }
}

std::string CsvField(absl::string_view field) {
  bool needs_quotes = !field.empty() && (field.front() == ' ' || field.back() == ' ');
  for (char c : field) {
    if (c == ',' || c == '"' || c == '\n' || c == '\r') {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

void CsvWriter::WriteRecord(absl::Span<const std::string> fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line.push_back(',');
    line += CsvField(fields[i]);
  }
  // A record of one empty field would read back as an empty line, which the reader skips.
  if (fields.size() == 1 && fields[0].empty()) line = "\"\"";
  line.push_back('\n');
  out_ << line;
}

}  // namespace passerelle::cli
