#include "cli/structure_import.h"

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/csv.h"
#include "cli/demo_data.h"
#include "cli/structure_csv.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace passerelle::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Stands in for a node: creates every structure it receives, except those named "refuse", which it
// rejects.
class FakeRegistry final : public v1::RegistryService::Service {
 public:
  grpc::Status ImportStructures(grpc::ServerContext*,
                                grpc::ServerReader<v1::ImportStructuresRequest>* reader,
                                v1::ImportStructuresResponse* response) override {
    if (fail_) return grpc::Status(grpc::StatusCode::UNAVAILABLE, "node is shutting down");
    v1::ImportStructuresRequest request;
    while (reader->Read(&request)) {
      rows_.push_back(request.row());
      if (request.structure().display_name() == "refuse") {
        v1::ImportRejection* rejection = response->add_rejected();
        rejection->set_row(request.row());
        rejection->set_siret(request.structure().siret());
        rejection->set_reason("refused by the server");
      } else {
        response->set_created(response->created() + 1);
      }
    }
    return grpc::Status::OK;
  }

  void set_fail(bool fail) { fail_ = fail; }
  const std::vector<int64_t>& rows() const { return rows_; }

 private:
  bool fail_ = false;
  std::vector<int64_t> rows_;
};

class ImportStructureCsvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.RegisterService(&registry_);
    server_ = builder.BuildAndStart();
    stub_ = v1::RegistryService::NewStub(server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  FakeRegistry registry_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::RegistryService::Stub> stub_;
};

TEST_F(ImportStructureCsvTest, SendsGoodRowsWithTheirLinesAndMergesLocalAndServerRejections) {
  std::istringstream csv(
      "siret,display_name,legal_form\n"
      "73282932000074,Bonne,scop\n"
      "73282932000082,refuse,scic\n"
      "73282932000090,Mauvaise,sarl\n"
      "73282932000108,\"Sur deux\nlignes\",association\n");
  ImportSummary summary;
  grpc::Status status = ImportStructureCsv(csv, *stub_, nullptr, &summary);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(summary.rows, 4);
  EXPECT_EQ(summary.created, 2);
  EXPECT_THAT(registry_.rows(), ElementsAre(2, 3, 5));
  ASSERT_EQ(summary.rejected.size(), 2u);
  EXPECT_EQ(summary.rejected[0].row(), 3);
  EXPECT_EQ(summary.rejected[0].siret(), "73282932000082");
  EXPECT_EQ(summary.rejected[1].row(), 4);
  EXPECT_THAT(summary.rejected[1].reason(), HasSubstr("column legal_form: unknown value 'sarl'"));
}

TEST_F(ImportStructureCsvTest, StreamsALargeFileInOneCallAndReportsProgress) {
  std::ostringstream out;
  CsvWriter writer(out);
  writer.WriteRecord(StructureCsvColumns());
  StructureGenerator generator(7);
  for (int i = 0; i < 2500; ++i) writer.WriteRecord(*StructureToCsvRow(generator.Next()));
  std::istringstream csv(out.str());
  std::vector<int64_t> progress;
  ImportSummary summary;
  grpc::Status status = ImportStructureCsv(
      csv, *stub_, [&progress](int64_t rows) { progress.push_back(rows); }, &summary);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(summary.created, 2500);
  EXPECT_TRUE(summary.rejected.empty());
  EXPECT_THAT(progress, ElementsAre(1000, 2000));
}

TEST_F(ImportStructureCsvTest, ReturnsTheStatusOfAFailedCall) {
  registry_.set_fail(true);
  std::istringstream csv("siret,display_name\n73282932000074,Bonne\n");
  ImportSummary summary;
  grpc::Status status = ImportStructureCsv(csv, *stub_, nullptr, &summary);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(ImportStructureCsvTest, RefusesAFileWithABadHeaderWithoutCalling) {
  std::istringstream csv("siret,nom\n73282932000074,Bonne\n");
  ImportSummary summary;
  grpc::Status status = ImportStructureCsv(csv, *stub_, nullptr, &summary);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("unknown column 'nom'"));
  EXPECT_TRUE(registry_.rows().empty());
}

}  // namespace
}  // namespace passerelle::cli
