// The store against a damaged write-ahead log, and its own-origin marker and write gate.

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/store.h"
#include "tests/support/test_node.h"

namespace passerelle::store {
namespace {

using ::testing::HasSubstr;

constexpr absl::string_view kStructure = "structure";
constexpr int kRecords = 300;

StoreOptions OptionsAt(const std::string& path) {
  StoreOptions options;
  options.path = path;
  options.partner_id = "les-canaux";
  options.kinds = {std::string(kStructure)};
  options.block_cache_bytes = 1 << 20;
  options.write_buffer_bytes = 4 << 20;
  return options;
}

absl::StatusOr<v1::Version> Put(Store& store, absl::string_view id) {
  return store.Write(kStructure, id, [](const std::optional<std::string>&, const v1::Version&) {
    return absl::StatusOr<RecordWrite>(RecordWrite{std::string(400, 'x'), {}, {}});
  });
}

// The write-ahead logs of the store at `path`, largest first.
std::vector<std::filesystem::path> Logs(const std::string& path) {
  std::vector<std::filesystem::path> logs;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 4 && name.substr(name.size() - 4) == ".log" && name != "LOG") {
      logs.push_back(entry.path());
    }
  }
  std::sort(logs.begin(), logs.end(), [](const auto& a, const auto& b) {
    return std::filesystem::file_size(a) > std::filesystem::file_size(b);
  });
  return logs;
}

class WalRecoveryTest : public ::testing::Test {
 protected:
  // The files of a store that acknowledged kRecords writes, as a kill -9 leaves them: copied while
  // the store is open, so nothing was flushed or closed (the writes are in the log alone).
  void SetUp() override {
    const std::string live = dir_.path() + "/live";
    auto store = Store::Open(OptionsAt(live));
    ASSERT_TRUE(store.ok()) << store.status();
    for (int i = 0; i < kRecords; ++i) ASSERT_TRUE(Put(**store, absl::StrCat("s", 1000 + i)).ok());
    std::filesystem::copy(live, path_);
  }

  // Flips one byte of the largest log, `from_end` bytes before its end (or in its middle).
  std::string FlipByte(std::optional<uintmax_t> from_end = std::nullopt) {
    const std::vector<std::filesystem::path> logs = Logs(path_);
    EXPECT_FALSE(logs.empty());
    const uintmax_t size = std::filesystem::file_size(logs.front());
    const uintmax_t at = from_end ? size - *from_end : size / 2;
    std::fstream file(logs.front(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(static_cast<std::streamoff>(at));
    char byte = 0;
    file.get(byte);
    file.seekp(static_cast<std::streamoff>(at));
    file.put(static_cast<char>(byte ^ 0x5a));
    return logs.front().string();
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.path() + "/crashed";
};

TEST_F(WalRecoveryTest, ALogDamagedInTheMiddleRefusesToOpenNamingTheLog) {
  const std::string log = FlipByte();
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(OptionsAt(path_));
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(IsDamagedWal(store.status())) << store.status();
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(store.status().message(), HasSubstr(log));
  // Refusing changed nothing: it refuses again.
  EXPECT_TRUE(IsDamagedWal(Store::Open(OptionsAt(path_)).status()));
}

TEST_F(WalRecoveryTest, OpeningTheIntactPrefixIsAnExplicitChoiceAndKeepsOnlyWhatPrecedesTheDamage) {
  FlipByte();
  StoreOptions options = OptionsAt(path_);
  options.wal_recovery = WalRecovery::kKeepIntactPrefix;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  const uint64_t kept = (*store)->last_sequence();
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, static_cast<uint64_t>(kRecords));
  auto records = (*store)->Read()->Scan(kStructure, "", kRecords);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->size(), kept);
}

TEST_F(WalRecoveryTest, ATornLastRecordOpensWithEveryEarlierWrite) {
  const std::vector<std::filesystem::path> logs = Logs(path_);
  ASSERT_FALSE(logs.empty());
  // The last write cut short, as a crash during its append leaves it.
  std::filesystem::resize_file(logs.front(), std::filesystem::file_size(logs.front()) - 100);
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(OptionsAt(path_));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->last_sequence(), static_cast<uint64_t>(kRecords - 1));
}

TEST_F(WalRecoveryTest, AnUndamagedLogOpensWithEveryAcknowledgedWrite) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(OptionsAt(path_));
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->last_sequence(), static_cast<uint64_t>(kRecords));
}

TEST(OwnOriginMarkerTest, WhileRecoveringEveryLocalWriteIsUnavailableAndTheStateSurvivesAReopen) {
  testing::TempDir dir;
  const StoreOptions options = OptionsAt(dir.path() + "/store");
  {
    auto store = Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ((*store)->own_origin(), OwnOrigin::kUnknown);
    EXPECT_EQ((*store)->OwnOriginStatus(), "ready");
    ASSERT_TRUE(Put(**store, "s1").ok());
    ASSERT_TRUE((*store)->SetOwnOrigin(OwnOrigin::kRecovering).ok());
    (*store)->SetWriteRefusal("taking back (1 of 3 peers answered)");
  }
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->own_origin(), OwnOrigin::kRecovering);
  (*store)->SetWriteRefusal("taking back (2 of 3 peers answered)");
  EXPECT_EQ((*store)->OwnOriginStatus(), "recovering: taking back (2 of 3 peers answered)");

  absl::StatusOr<v1::Version> one = Put(**store, "s2");
  EXPECT_EQ(one.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(one.status().message(), HasSubstr("2 of 3 peers answered"));
  auto decide = [](size_t, const std::optional<std::string>&, const v1::Version&) {
    return absl::StatusOr<RecordWrite>(RecordWrite{std::string("x"), {}, {}});
  };
  EXPECT_EQ((*store)->WriteEach(kStructure, {"s3"}, decide).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ((*store)->WriteAll(kStructure, {"s4"}, decide).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ((*store)->last_sequence(), 1u);

  ASSERT_TRUE((*store)->SetOwnOrigin(OwnOrigin::kReady).ok());
  absl::StatusOr<v1::Version> next = Put(**store, "s2");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->origin_sequence(), 2u);
  store->reset();
  store = Store::Open(options);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->own_origin(), OwnOrigin::kReady);
}

}  // namespace
}  // namespace passerelle::store
