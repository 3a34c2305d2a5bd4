#include <fstream>
#include <string>

#include "common/errors.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/health_check_service_interface.h"
#include "gtest/gtest.h"
#include "node/node.h"
#include "tests/support/test_node.h"

namespace passerelle::node {
namespace {

using ::testing::UnorderedElementsAre;
using passerelle::testing::TempDir;

std::vector<std::string> BadFields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const auto& v : common::ViolationsOf(status)) fields.push_back(v.field);
  return fields;
}

TEST(NodeConfig, ThreeFieldsAreEnoughToStartAServingNode) {
  TempDir dir;
  const std::string path = dir.path() + "/node.textproto";
  std::ofstream(path) << "partner_id: \"solideo\"\nlisten_address: \"127.0.0.1:0\"\ndata_dir: \""
                      << dir.path() << "/data\"\n";
  absl::StatusOr<v1::NodeConfig> config = LoadConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  absl::StatusOr<std::unique_ptr<Node>> node = Node::Start(*config);
  ASSERT_TRUE(node.ok()) << node.status();
  EXPECT_EQ((*node)->partner_id(), "solideo");
  EXPECT_NE((*node)->address(), "127.0.0.1:0");
  auto channel = grpc::CreateChannel((*node)->address(), grpc::InsecureChannelCredentials());
  EXPECT_TRUE(channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10)));
}

TEST(NodeConfig, EachBadFieldIsNamed) {
  v1::NodeConfig config;
  config.set_partner_id("Les Canaux");
  config.set_listen_address("localhost");
  config.mutable_store()->set_block_cache_bytes(-1);
  config.mutable_store()->set_tally_cache_bytes(-1);
  absl::Status status = ValidateConfig(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(BadFields(status),
              UnorderedElementsAre("partner_id", "listen_address", "data_dir",
                                   "store.block_cache_bytes", "store.tally_cache_bytes"));
}

TEST(NodeConfig, TextThatIsNotANodeConfigIsRefused) {
  TempDir dir;
  const std::string path = dir.path() + "/node.textproto";
  std::ofstream(path) << "partner: \"x\"\n";
  EXPECT_EQ(LoadConfig(path).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(NodeConfig, AMissingFileIsNotFound) {
  EXPECT_EQ(LoadConfig("/nonexistent/node.textproto").status().code(), absl::StatusCode::kNotFound);
}

TEST(NodeConfig, AnAddressAlreadyInUseFailsTheStart) {
  passerelle::testing::TestNode first;
  TempDir dir;
  v1::NodeConfig config;
  config.set_partner_id("solideo");
  config.set_listen_address(first.address());
  config.set_data_dir(dir.path() + "/data");
  EXPECT_FALSE(Node::Start(config).ok());
}

}  // namespace
}  // namespace passerelle::node
