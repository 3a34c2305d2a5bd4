// The weekly newsletter on generated data: one Markdown digest per structure of a real in-process
// node, and an index that lists the structures with notices first.

#include "cli/tender_digest.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/registry_client.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_node.h"
#include "tests/tender/sample_tenders.h"

namespace passerelle::cli {
namespace {

using ::testing::HasSubstr;
using testing::IsOk;
using ::testing::Not;

std::string Read(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(WeeklyDigests, EveryStructureGetsItsDigestAndTheIndexListsThoseWithNoticesFirst) {
  testing::TestNode node;
  testing::RegistryClient registry(node);
  ASSERT_THAT(registry.CreateBuyer(testing::SampleBuyer()).status, IsOk());
  constexpr int kStructures = 40;
  for (int i = 1; i <= kStructures; ++i) {
    v1::Structure s = testing::MatchingStructure(testing::TestSiret(i));
    if (i % 2 == 0) s.set_departments(0, "13");  // half work far from the notices
    ASSERT_THAT(registry.CreateStructure(s).status, IsOk());
  }
  auto tenders = v1::TenderService::NewStub(node.channel());
  for (const char* id : {"t-1", "t-2"}) {
    grpc::ClientContext context;
    v1::CreateTenderRequest r;
    *r.mutable_tender() = testing::SampleTender(id);
    v1::Tender created;
    ASSERT_THAT(tenders->CreateTender(&context, r, &created), IsOk());
  }

  testing::TempDir dir;
  DigestRun run;
  auto registry_stub = v1::RegistryService::NewStub(node.channel());
  ASSERT_THAT(WriteWeeklyDigests(*registry_stub, *tenders, "2029-W09", dir.path(), &run), IsOk());
  EXPECT_EQ(run.structures, kStructures);
  EXPECT_EQ(run.with_notices, kStructures / 2);
  EXPECT_EQ(run.notices, kStructures / 2 * 2 * 2);  // two notices, each under its two themes

  std::string near = Read(std::filesystem::path(dir.path()) / (testing::TestSiret(1) + ".md"));
  EXPECT_THAT(near, HasSubstr("tenders/t-1"));
  EXPECT_THAT(near, HasSubstr("tenders/t-2"));
  std::string far = Read(std::filesystem::path(dir.path()) / (testing::TestSiret(2) + ".md"));
  EXPECT_THAT(far, HasSubstr("No notice this week"));
  std::string index = Read(std::filesystem::path(dir.path()) / "index.md");
  EXPECT_THAT(index, HasSubstr("20 of 40 structures have notices"));
  EXPECT_LT(index.find(testing::TestSiret(1)), index.find(testing::TestSiret(2)));

  DigestRun bad;
  EXPECT_THAT(WriteWeeklyDigests(*registry_stub, *tenders, "2029-9", dir.path(), &bad),
              Not(IsOk()));
}

}  // namespace
}  // namespace passerelle::cli
