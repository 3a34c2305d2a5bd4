#include "store/change_chain.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace passerelle::store {
namespace {

std::string Hex(const std::string& bytes) { return absl::BytesToHexString(bytes); }

TEST(Sha256, MatchesTheFips180Vectors) {
  EXPECT_EQ(Hex(Sha256({""})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Hex(Sha256({"abc"})),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, HashesItsPartsAsOneMessage) {
  EXPECT_EQ(Sha256({"a", "", "bc"}), Sha256({"abc"}));
  EXPECT_NE(Sha256({"ab", "c"}), Sha256({"abd"}));
}

// Stored chain hashes were computed from the canonical bytes spelled out, so the content hash must
// stay exactly that.
TEST(ContentHash, IsTheHashOfTheCanonicalBytes) {
  v1::Change change;
  change.set_kind("structure");
  change.set_record_id("35600000000048");
  change.mutable_version()->set_origin_partner("les-canaux");
  change.mutable_version()->set_origin_sequence(7);
  change.mutable_version()->set_hlc_time(0x0102030405060708);
  change.set_record(std::string(3000, 'r'));
  std::string canonical = "passerelle.change.v1";
  AppendCanonicalField("structure", &canonical);
  AppendCanonicalField("35600000000048", &canonical);
  AppendCanonicalField("les-canaux", &canonical);
  canonical.append(std::string("\0\0\0\0\0\0\0\x07", 8));
  canonical.append("\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  canonical.push_back(0);
  AppendCanonicalField(change.record(), &canonical);
  EXPECT_EQ(ContentHash(change), Sha256({canonical}));
  change.set_deleted(true);
  EXPECT_NE(ContentHash(change), Sha256({canonical}));
}

}  // namespace
}  // namespace passerelle::store
