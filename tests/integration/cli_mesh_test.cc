// The operator's view of replication through the real CLI: `passerelle mesh status` and `mesh digest`
// against two real nodes.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/demo_data.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/child_process.h"
#include "tests/support/test_node.h"

namespace passerelle {
namespace {

using ::testing::HasSubstr;

std::string Cli(const testing::TestNode& node, std::vector<std::string> command) {
  std::vector<std::string> argv = {PASSERELLE_CLI_BINARY, absl::StrCat("--node=", node.address())};
  argv.insert(argv.end(), command.begin(), command.end());
  std::string output;
  EXPECT_EQ(testing::RunToCompletion(argv, &output), 0) << output;
  return output;
}

TEST(CliMesh, StatusListsEachPeerWithWhatItApplied) {
  const std::string solideo = absl::StrCat("127.0.0.1:", testing::PickFreePort());
  v1::NodeConfig canaux_config;
  canaux_config.set_partner_id("les-canaux");
  testing::TestNode canaux(canaux_config);
  v1::NodeConfig solideo_config;
  solideo_config.set_partner_id("solideo");
  solideo_config.set_listen_address(solideo);
  v1::Peer* peer = solideo_config.add_peers();
  peer->set_partner_id("les-canaux");
  peer->set_address(canaux.address());
  testing::TestNode replica(solideo_config);

  for (const v1::Structure& s : cli::GenerateStructures(3, 41)) {
    grpc::ClientContext context;
    v1::CreateStructureRequest request;
    *request.mutable_structure() = s;
    v1::Structure created;
    ASSERT_TRUE(canaux.Registry()->CreateStructure(&context, request, &created).ok());
  }
  // Wait on what the operator would wait on: the digest saying the replica holds les-canaux=3.
  std::string digest;
  for (int attempt = 0; attempt < 500 && digest.find("les-canaux=3") == std::string::npos; ++attempt) {
    digest = Cli(replica, {"mesh", "digest"});
  }
  EXPECT_THAT(digest, HasSubstr("node solideo holds les-canaux=3"));
  EXPECT_THAT(digest, HasSubstr("structure\t3 records"));

  std::string status = Cli(replica, {"mesh", "status"});
  EXPECT_THAT(status, HasSubstr(absl::StrCat("les-canaux\t", canaux.address(), "\tyes\t3\t")));
  // Its one peer is the only origin it hears directly, so that stream relays anything else.
  EXPECT_THAT(status, HasSubstr("\tnot_relayed\t"));
  EXPECT_THAT(status, HasSubstr("own origin: ready\n"));
  EXPECT_THAT(status, HasSubstr("\t0/0/0\t-\t"));
}

}  // namespace
}  // namespace passerelle
