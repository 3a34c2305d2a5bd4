#include "mesh/signing.h"

#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/mesh/test_pki.h"

namespace passerelle::mesh {
namespace {

using ::testing::HasSubstr;

class SigningTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new testing::TestPki();
    pki_->Run("OUT paris-2024 solideo");
    std::ofstream(pki_->Path("not-pem.txt")) << "this is not a key\n";
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  static Signer SignerOf(const std::string& partner) {
    absl::StatusOr<Signer> signer = Signer::FromPemFile(pki_->Path(partner + "/signing.key"));
    EXPECT_TRUE(signer.ok()) << signer.status();
    return *std::move(signer);
  }

  static KeyRing BothPartnersKeys() {
    v1::NodeConfig config;
    for (const char* partner : {"paris-2024", "solideo"}) {
      v1::PartnerKey* key = config.add_partner_keys();
      key->set_partner_id(partner);
      key->set_public_key_file(pki_->Path(absl::StrCat(partner, "/signing.pub")));
    }
    absl::StatusOr<KeyRing> ring = KeyRing::FromConfig(config);
    EXPECT_TRUE(ring.ok()) << ring.status();
    return *std::move(ring);
  }

  static testing::TestPki* pki_;
};

testing::TestPki* SigningTest::pki_ = nullptr;

constexpr absl::string_view kMessage = "change paris-2024#42: structure 12345678900011 updated";

TEST_F(SigningTest, ASignatureByAPartnerVerifiesWithThatPartnersPublicKey) {
  std::string signature = SignerOf("paris-2024").Sign(kMessage);

  EXPECT_EQ(signature.size(), kSignatureBytes);
  EXPECT_TRUE(BothPartnersKeys().Verify("paris-2024", kMessage, signature).ok());
}

TEST_F(SigningTest, AFlippedByteInTheMessageFailsVerification) {
  std::string signature = SignerOf("paris-2024").Sign(kMessage);
  std::string tampered(kMessage);
  tampered[7] ^= 0x01;

  absl::Status verified = BothPartnersKeys().Verify("paris-2024", tampered, signature);

  EXPECT_EQ(verified.code(), absl::StatusCode::kUnauthenticated) << verified;
  EXPECT_THAT(verified.message(), HasSubstr("paris-2024"));
}

TEST_F(SigningTest, AFlippedByteInTheSignatureFailsVerification) {
  std::string signature = SignerOf("paris-2024").Sign(kMessage);
  signature[20] ^= 0x01;

  EXPECT_EQ(BothPartnersKeys().Verify("paris-2024", kMessage, signature).code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(SigningTest, ATruncatedOrEmptySignatureFailsVerification) {
  std::string signature = SignerOf("paris-2024").Sign(kMessage);
  KeyRing ring = BothPartnersKeys();

  EXPECT_EQ(ring.Verify("paris-2024", kMessage, signature.substr(0, 63)).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(ring.Verify("paris-2024", kMessage, "").code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(SigningTest, ASignatureByAnotherPartnerDoesNotVerifyAsTheNamedPartner) {
  std::string by_solideo = SignerOf("solideo").Sign(kMessage);

  EXPECT_EQ(BothPartnersKeys().Verify("paris-2024", kMessage, by_solideo).code(),
            absl::StatusCode::kUnauthenticated);
}

TEST_F(SigningTest, AnUnknownPartnerIsNotFound) {
  KeyRing ring = BothPartnersKeys();
  std::string signature = SignerOf("paris-2024").Sign(kMessage);

  absl::Status verified = ring.Verify("les-canaux", kMessage, signature);

  EXPECT_FALSE(ring.Has("les-canaux"));
  EXPECT_TRUE(ring.Has("paris-2024"));
  EXPECT_EQ(verified.code(), absl::StatusCode::kNotFound) << verified;
  EXPECT_THAT(verified.message(), HasSubstr("les-canaux"));
}

TEST_F(SigningTest, PartnersHaveDistinctRawPublicKeysOfThirtyTwoBytes) {
  std::string paris = SignerOf("paris-2024").public_key_raw();
  std::string solideo = SignerOf("solideo").public_key_raw();

  EXPECT_EQ(paris.size(), 32u);
  EXPECT_EQ(solideo.size(), 32u);
  EXPECT_NE(paris, solideo);
}

TEST_F(SigningTest, AMissingKeyFileIsNotFoundNamingTheFile) {
  std::string path = pki_->Path("les-canaux/signing.key");

  absl::StatusOr<Signer> signer = Signer::FromPemFile(path);

  EXPECT_EQ(signer.status().code(), absl::StatusCode::kNotFound) << signer.status();
  EXPECT_THAT(signer.status().message(), HasSubstr(path));
}

TEST_F(SigningTest, AFileThatIsNotPemIsInvalidNamingTheFile) {
  std::string path = pki_->Path("not-pem.txt");

  absl::StatusOr<Signer> signer = Signer::FromPemFile(path);
  KeyRing ring;
  absl::Status added = ring.Add("paris-2024", path);

  EXPECT_EQ(signer.status().code(), absl::StatusCode::kInvalidArgument) << signer.status();
  EXPECT_THAT(signer.status().message(), HasSubstr(path));
  EXPECT_THAT(signer.status().message(), HasSubstr("not a PEM private key"));
  EXPECT_EQ(added.code(), absl::StatusCode::kInvalidArgument) << added;
  EXPECT_THAT(added.message(), HasSubstr("not a PEM public key"));
  EXPECT_FALSE(ring.Has("paris-2024"));
}

TEST_F(SigningTest, AKeyThatIsNotEd25519IsRefused) {
  // The node's TLS key is ECDSA P-256.
  absl::StatusOr<Signer> signer = Signer::FromPemFile(pki_->Path("paris-2024/node.key"));

  EXPECT_EQ(signer.status().code(), absl::StatusCode::kInvalidArgument) << signer.status();
  EXPECT_THAT(signer.status().message(), HasSubstr("not Ed25519"));
}

TEST_F(SigningTest, APartnerListedTwiceInTheConfigIsInvalid) {
  v1::NodeConfig config;
  for (int i = 0; i < 2; ++i) {
    v1::PartnerKey* key = config.add_partner_keys();
    key->set_partner_id("solideo");
    key->set_public_key_file(pki_->Path("solideo/signing.pub"));
  }

  absl::StatusOr<KeyRing> ring = KeyRing::FromConfig(config);

  EXPECT_EQ(ring.status().code(), absl::StatusCode::kInvalidArgument) << ring.status();
  EXPECT_THAT(ring.status().message(), HasSubstr("solideo"));
}

TEST_F(SigningTest, AConfigKeyThatCannotBeLoadedNamesItsPartnerAndFile) {
  v1::NodeConfig config;
  v1::PartnerKey* key = config.add_partner_keys();
  key->set_partner_id("yunus-centre");
  key->set_public_key_file(pki_->Path("yunus-centre/signing.pub"));

  absl::StatusOr<KeyRing> ring = KeyRing::FromConfig(config);

  EXPECT_FALSE(ring.ok());
  EXPECT_THAT(ring.status().message(), HasSubstr("yunus-centre"));
  EXPECT_THAT(ring.status().message(), HasSubstr(key->public_key_file()));
}

TEST_F(SigningTest, SigningAndVerifyingFromManyThreadsAtOnceAgree) {
  const Signer signer = SignerOf("solideo");
  const KeyRing ring = BothPartnersKeys();
  std::vector<int> failures(8, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string message = absl::StrCat("change solideo#", t * 1000 + i);
        if (!ring.Verify("solideo", message, signer.Sign(message)).ok()) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_THAT(failures, ::testing::Each(0));
}

}  // namespace
}  // namespace passerelle::mesh
