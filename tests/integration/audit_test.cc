// The audit chain, end to end: a real node writes it, the real CLI verifies it offline, and tampering with
// one entry in RocksDB is caught at that entry.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/demo_data.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "rocksdb/db.h"
#include "store/audit.h"
#include "store/keys.h"
#include "store/store.h"
#include "tests/support/child_process.h"
#include "tests/support/test_node.h"

namespace passerelle {
namespace {

using ::testing::HasSubstr;

constexpr int kWrites = 5;

void WriteStructures(testing::TestNode& node) {
  for (const v1::Structure& structure : cli::GenerateStructures(kWrites, 21)) {
    grpc::ClientContext context;
    v1::CreateStructureRequest request;
    *request.mutable_structure() = structure;
    v1::Structure created;
    ASSERT_TRUE(node.Registry()->CreateStructure(&context, request, &created).ok());
  }
}

int VerifyWithCli(const std::string& data_dir, std::string* output) {
  return testing::RunToCompletion(
      {PASSERELLE_CLI_BINARY, "audit", "verify", absl::StrCat("--data_dir=", data_dir)}, output);
}

// Rewrites audit entry `index` with `alter` applied, directly in RocksDB, as an intruder with disk access would.
void TamperWithEntry(const std::string& path, uint64_t index, void (*alter)(v1::AuditEntry*)) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  ASSERT_TRUE(store::StoredFamilies(path, &descriptors).ok());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &db).ok());
  rocksdb::ColumnFamilyHandle* audit = nullptr;
  for (size_t i = 0; i < descriptors.size(); ++i) {
    if (descriptors[i].name == store::keys::kAuditFamily) audit = handles[i];
  }
  ASSERT_NE(audit, nullptr);
  std::string key, value;
  store::keys::AppendBigEndian64(&key, index);
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), audit, key, &value).ok());
  v1::AuditEntry entry;
  ASSERT_TRUE(entry.ParseFromString(value));
  alter(&entry);
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), audit, key, entry.SerializeAsString()).ok());
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
}

TEST(AuditChain, EveryAcceptedWriteIsAnEntryAndTheChainVerifies) {
  testing::TestNode node;
  WriteStructures(node);
  node.Stop();
  std::string output;
  EXPECT_EQ(VerifyWithCli(node.data_dir() + "/data", &output), 0) << output;
  EXPECT_THAT(output, HasSubstr(absl::StrCat("ok: ", kWrites, " entries")));
}

TEST(AuditChain, AnAlteredEntryIsNamedAsTheFirstBrokenOne) {
  testing::TestNode node;
  WriteStructures(node);
  node.Stop();
  TamperWithEntry(node.data_dir() + "/data", 3, [](v1::AuditEntry* e) { e->set_kind("buyer"); });
  std::string output;
  EXPECT_EQ(VerifyWithCli(node.data_dir() + "/data", &output), 1) << output;
  EXPECT_THAT(output, HasSubstr("BROKEN at entry 3"));
}

TEST(AuditChain, AnEntryRehashedAfterAlterationStillBreaksTheLinkAfterIt) {
  testing::TestNode node;
  WriteStructures(node);
  node.Stop();
  TamperWithEntry(node.data_dir() + "/data", 2, [](v1::AuditEntry* e) {
    e->set_origin_sequence(99);
    e->set_hash(store::AuditHash(*e));
  });
  std::string output;
  EXPECT_EQ(VerifyWithCli(node.data_dir() + "/data", &output), 1) << output;
  EXPECT_THAT(output, HasSubstr("BROKEN at entry 3"));
}

}  // namespace
}  // namespace passerelle
