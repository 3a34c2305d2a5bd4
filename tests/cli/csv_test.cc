#include "cli/csv.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Reads every record of `text`, failing the test on a malformed one.
std::vector<CsvRecord> ReadAll(const std::string& text) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<CsvRecord> records;
  CsvRecord record;
  for (;;) {
    absl::StatusOr<bool> read = reader.Next(&record);
    EXPECT_TRUE(read.ok()) << read.status();
    if (!read.ok() || !*read) break;
    records.push_back(record);
  }
  return records;
}

TEST(CsvReaderTest, SplitsRecordsIntoFieldsAndNumbersTheirLines) {
  std::vector<CsvRecord> records = ReadAll("a,b,c\n1,,3\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("a", "b", "c"));
  EXPECT_EQ(records[0].line, 1);
  EXPECT_THAT(records[1].fields, ElementsAre("1", "", "3"));
  EXPECT_EQ(records[1].line, 2);
}

TEST(CsvReaderTest, ReadsTheLastRecordWithoutATrailingNewline) {
  std::vector<CsvRecord> records = ReadAll("a,b\nc,d");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[1].fields, ElementsAre("c", "d"));
}

TEST(CsvReaderTest, QuotedFieldsKeepCommasAndDoubledQuotes) {
  std::vector<CsvRecord> records = ReadAll("\"Dupont, Durand\",\"dit \"\"le chef\"\"\",\"\"\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].fields, ElementsAre("Dupont, Durand", "dit \"le chef\"", ""));
}

TEST(CsvReaderTest, QuotedNewlinesStayInTheFieldAndCountTowardLaterLines) {
  std::vector<CsvRecord> records = ReadAll("x,\"first\nsecond\nthird\"\ny,z\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("x", "first\nsecond\nthird"));
  EXPECT_EQ(records[0].line, 1);
  EXPECT_EQ(records[1].line, 4);
}

TEST(CsvReaderTest, AcceptsCrlfLineEndings) {
  std::vector<CsvRecord> records = ReadAll("a,\"b\"\r\nc,d\r\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("a", "b"));
  EXPECT_THAT(records[1].fields, ElementsAre("c", "d"));
  EXPECT_EQ(records[1].line, 2);
}

TEST(CsvReaderTest, SkipsEmptyLinesAndAByteOrderMark) {
  std::vector<CsvRecord> records = ReadAll("\xEF\xBB\xBFsiret\n\n123\n\r\n");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[0].fields, ElementsAre("siret"));
  EXPECT_THAT(records[1].fields, ElementsAre("123"));
  EXPECT_EQ(records[1].line, 3);
}

TEST(CsvReaderTest, UnterminatedQuoteIsAnErrorNamingTheLineWhereTheRecordStarts) {
  std::istringstream in("a,b\nc,\"never closed\nmore\n");
  CsvReader reader(in);
  CsvRecord record;
  ASSERT_TRUE(*reader.Next(&record));
  absl::StatusOr<bool> read = reader.Next(&record);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(read.status().message(), HasSubstr("unterminated"));
  EXPECT_EQ(record.line, 2);
  EXPECT_FALSE(*reader.Next(&record));
}

TEST(CsvReaderTest, TextAfterAClosingQuoteIsAnErrorAndReadingResumesOnTheNextLine) {
  std::istringstream in("\"a\"b,c\nd,e\n");
  CsvReader reader(in);
  CsvRecord record;
  absl::StatusOr<bool> read = reader.Next(&record);
  ASSERT_FALSE(read.ok());
  EXPECT_THAT(read.status().message(), HasSubstr("line 1"));
  ASSERT_TRUE(*reader.Next(&record));
  EXPECT_THAT(record.fields, ElementsAre("d", "e"));
  EXPECT_EQ(record.line, 2);
}

TEST(CsvFieldTest, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField(""), "");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvField(" padded"), "\" padded\"");
}

TEST(CsvWriterTest, WhatItWritesReadsBackToTheSameFields) {
  const std::vector<std::vector<std::string>> rows = {
      {"siret", "display_name", "description"},
      {"123", "Régie, de \"quartier\"", "line one\r\nline two"},
      {"", "", ""},
      {""},
  };
  std::ostringstream out;
  CsvWriter writer(out);
  for (const auto& row : rows) writer.WriteRecord(row);
  std::vector<CsvRecord> records = ReadAll(out.str());
  ASSERT_EQ(records.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(records[i].fields, rows[i]) << "row " << i;
}

}  // namespace
}  // namespace passerelle::cli
