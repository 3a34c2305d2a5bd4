// Process-level: a real passerelle-node, loaded through the real CLI, killed with SIGKILL and
// restarted. Every write the node acknowledged must be there afterwards.

#include <signal.h>

#include <fstream>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/demo_data.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/node_process.h"
#include "tests/support/test_node.h"

namespace passerelle {
namespace {

using testing::NodeProcess;
using testing::TempDir;

constexpr int kStructures = 6000;
constexpr uint64_t kSeed = 2024;

std::set<std::string> ListAllSirets(v1::RegistryService::Stub& registry) {
  std::set<std::string> sirets;
  v1::ListStructuresRequest request;
  request.set_page_size(1000);
  do {
    grpc::ClientContext context;
    v1::ListStructuresResponse response;
    grpc::Status status = registry.ListStructures(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    if (!status.ok()) break;
    for (const v1::Structure& s : response.structures()) sirets.insert(s.siret());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return sirets;
}

TEST(NodeCrash, EveryAcknowledgedStructureSurvivesKillNine) {
  TempDir dir;
  const std::string config_path = dir.path() + "/node.textproto";
  std::ofstream(config_path) << "partner_id: \"les-canaux\"\n"
                             << "listen_address: \"127.0.0.1:0\"\n"
                             << "data_dir: \"" << dir.path() << "/data\"\n";
  const std::string csv = dir.path() + "/structures.csv";
  std::string output;
  ASSERT_EQ(testing::RunToCompletion(
                {PASSERELLE_CLI_BINARY, "demo", "structures", absl::StrCat("--count=", kStructures),
                 absl::StrCat("--seed=", kSeed), absl::StrCat("--out=", csv)},
                &output),
            0);

  NodeProcess node(PASSERELLE_NODE_BINARY, config_path);
  ASSERT_TRUE(node.Start());
  ASSERT_EQ(
      testing::RunToCompletion({PASSERELLE_CLI_BINARY, absl::StrCat("--node=", node.address()),
                                "structures", "import", csv},
                               &output),
      0)
      << output;
  EXPECT_NE(output.find(absl::StrCat("created: ", kStructures)), std::string::npos) << output;
  std::set<std::string> acknowledged;
  for (const v1::Structure& s : cli::GenerateStructures(kStructures, kSeed))
    acknowledged.insert(s.siret());

  // One more write acknowledged a moment before the kill.
  v1::Structure last = cli::GenerateStructures(1, kSeed + 1).front();
  v1::CreateStructureRequest request;
  *request.mutable_structure() = last;
  grpc::ClientContext create_context;
  v1::Structure created;
  ASSERT_TRUE(node.Registry()->CreateStructure(&create_context, request, &created).ok());
  acknowledged.insert(last.siret());

  EXPECT_EQ(node.Kill(), 128 + SIGKILL);

  ASSERT_TRUE(node.Start());
  EXPECT_EQ(ListAllSirets(*node.Registry()), acknowledged);

  // The restarted node also serves its indexes, not just its records.
  grpc::ClientContext context;
  v1::GetStructureRequest get;
  get.set_name(absl::StrCat("structures/", *acknowledged.begin()));
  v1::Structure fetched;
  EXPECT_TRUE(node.Registry()->GetStructure(&context, get, &fetched).ok());
  EXPECT_EQ(fetched.siret(), *acknowledged.begin());

  // SIGTERM: a graceful stop, which the node confirms on standard error before exiting 0.
  EXPECT_EQ(node.Stop(), 0);
}

}  // namespace
}  // namespace passerelle
