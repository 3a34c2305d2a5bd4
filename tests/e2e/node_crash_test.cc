// Process-level: a real passerelle-node, loaded through the real CLI, killed with SIGKILL and restarted.
// Every write the node acknowledged must be there afterwards.

#include <signal.h>

#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/demo_data.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/test_node.h"

namespace passerelle {
namespace {

using testing::ChildProcess;
using testing::TempDir;

constexpr int kStructures = 6000;
constexpr uint64_t kSeed = 2024;

class RunningNode {
 public:
  explicit RunningNode(const std::string& config_path)
      : process_({PASSERELLE_NODE_BINARY, absl::StrCat("--config=", config_path)}) {
    std::optional<std::string> started = process_.AwaitStderrLine("started", absl::Seconds(30));
    EXPECT_TRUE(started.has_value()) << process_.stderr_text();
    if (!started) return;
    address_ = started->substr(started->find("address=") + 8);
    address_ = address_.substr(0, address_.find(' '));
    stub_ = v1::RegistryService::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }
  ChildProcess& process() { return process_; }
  const std::string& address() const { return address_; }
  v1::RegistryService::Stub& registry() { return *stub_; }

 private:
  ChildProcess process_;
  std::string address_;
  std::unique_ptr<v1::RegistryService::Stub> stub_;
};

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
  ASSERT_EQ(testing::RunToCompletion({PASSERELLE_CLI_BINARY, "demo", "structures",
                                      absl::StrCat("--count=", kStructures),
                                      absl::StrCat("--seed=", kSeed), absl::StrCat("--out=", csv)},
                                     &output),
            0);

  std::set<std::string> acknowledged;
  {
    RunningNode node(config_path);
    ASSERT_FALSE(node.address().empty());
    ASSERT_EQ(testing::RunToCompletion({PASSERELLE_CLI_BINARY, absl::StrCat("--node=", node.address()),
                                        "structures", "import", csv},
                                       &output),
              0)
        << output;
    EXPECT_NE(output.find(absl::StrCat("created: ", kStructures)), std::string::npos) << output;
    for (const v1::Structure& s : cli::GenerateStructures(kStructures, kSeed)) acknowledged.insert(s.siret());

    // One more write acknowledged a moment before the kill.
    v1::Structure last = cli::GenerateStructures(1, kSeed + 1).front();
    v1::CreateStructureRequest request;
    *request.mutable_structure() = last;
    grpc::ClientContext context;
    v1::Structure created;
    ASSERT_TRUE(node.registry().CreateStructure(&context, request, &created).ok());
    acknowledged.insert(last.siret());

    node.process().Signal(SIGKILL);
    EXPECT_EQ(node.process().Wait(), 128 + SIGKILL);
  }

  RunningNode restarted(config_path);
  ASSERT_FALSE(restarted.address().empty());
  EXPECT_EQ(ListAllSirets(restarted.registry()), acknowledged);

  // The restarted node also serves its indexes, not just its records.
  grpc::ClientContext context;
  v1::GetStructureRequest get;
  get.set_name(absl::StrCat("structures/", *acknowledged.begin()));
  v1::Structure fetched;
  EXPECT_TRUE(restarted.registry().GetStructure(&context, get, &fetched).ok());
  EXPECT_EQ(fetched.siret(), *acknowledged.begin());

  restarted.process().Signal(SIGTERM);
  EXPECT_TRUE(restarted.process().AwaitStderrLine("stopped partner=les-canaux", absl::Seconds(30)));
  EXPECT_EQ(restarted.process().Wait(), 0);
}

}  // namespace
}  // namespace passerelle
