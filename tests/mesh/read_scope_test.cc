// The read scope of a caller on a node: the sharing level per kind for the caller's partner, the
// company and buyer bindings, and the observers' rule — pure, from (caller, node partner, policy).

#include "mesh/read_scope.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace passerelle::mesh {
namespace {

using ::testing::HasSubstr;

constexpr char kSiretA[] = "11111111111111";
constexpr char kSiretB[] = "22222222222222";

// As deploy/local: SOLIDEO's declarations reach Les Canaux redacted, and (here) none reach the
// Yunus Centre.
Policy LocalPolicy() {
  v1::AccessPolicy policy;
  v1::SharingRule* redacted = policy.add_sharing();
  redacted->set_kind("declaration");
  redacted->set_peer("les-canaux");
  redacted->set_sharing(v1::SHARING_REDACTED);
  v1::SharingRule* none = policy.add_sharing();
  none->set_kind("declaration");
  none->set_peer("yunus-centre");
  none->set_sharing(v1::SHARING_NONE);
  return Policy(policy);
}

TEST(ReadScope, TheNodesOwnPartnerReadsEveryKindInFull) {
  Policy policy = LocalPolicy();
  ReadScope scope = ReadScope::Of({"les-canaux", "partner_admin", ""}, "les-canaux", policy);
  EXPECT_EQ(scope.SharingOf("declaration"), v1::SHARING_FULL);
  EXPECT_TRUE(scope.MayReadDeclarations().ok());
  EXPECT_TRUE(scope.MayShow("declaration", "declarations/x").ok());
}

TEST(ReadScope, AnotherPartnerReadsWhatThePolicySharesWithIt) {
  Policy policy = LocalPolicy();
  ReadScope canaux = ReadScope::Of({"les-canaux", "partner_admin", ""}, "solideo", policy);
  EXPECT_EQ(canaux.SharingOf("declaration"), v1::SHARING_REDACTED);
  EXPECT_TRUE(canaux.Redacts("declaration"));
  EXPECT_FALSE(canaux.Hides("declaration"));
  EXPECT_EQ(canaux.SharingOf("structure"), v1::SHARING_FULL);

  ReadScope yunus = ReadScope::Of({"yunus-centre", "partner_admin", ""}, "solideo", policy);
  EXPECT_TRUE(yunus.Hides("declaration"));
  absl::Status shown = yunus.MayShow("declaration", "declarations/x");
  EXPECT_EQ(shown.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(shown.message(), HasSubstr("declarations/x does not exist"));
  EXPECT_EQ(ReadScope::Of({"paris-2024", "partner_admin", ""}, "solideo", policy)
                .SharingOf("declaration"),
            v1::SHARING_FULL);
}

TEST(ReadScope, ADefaultScopeReadsEverything) {
  ReadScope everything;
  EXPECT_EQ(everything.SharingOf("declaration"), v1::SHARING_FULL);
  EXPECT_TRUE(everything.siret().empty());
  EXPECT_TRUE(everything.buyer().empty());
  EXPECT_EQ(*everything.CompanyFilter(kSiretA, "contractor_siret"), kSiretA);
  EXPECT_EQ(*everything.BuyerFilter("", "buyer"), "");
}

TEST(ReadScope, ACompanyBoundCallerReadsOnlyItsOwnCompany) {
  Policy policy = LocalPolicy();
  ReadScope scope = ReadScope::Of({"solideo", "contractor", kSiretA}, "solideo", policy);
  EXPECT_EQ(scope.siret(), kSiretA);
  EXPECT_TRUE(scope.MayReadCompany(kSiretA, "declarations/a").ok());
  absl::Status other = scope.MayReadCompany(kSiretB, "declarations/b");
  EXPECT_EQ(other.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.message(), HasSubstr(kSiretB));
  EXPECT_EQ(*scope.CompanyFilter("", "contractor_siret"), kSiretA);
  EXPECT_EQ(*scope.CompanyFilter(kSiretA, "contractor_siret"), kSiretA);
  absl::StatusOr<std::string> filter = scope.CompanyFilter(kSiretB, "contractor_siret");
  EXPECT_EQ(filter.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(filter.status().message(), HasSubstr("contractor_siret"));
  // Not bound to a buyer: any buyer.
  EXPECT_TRUE(scope.MayReadBuyer("buyers/solideo", "declarations/a").ok());
}

TEST(ReadScope, ABuyerBoundCallerReadsOnlyItsBuyersRecords) {
  Policy policy = LocalPolicy();
  Principal facilitator{"solideo", "facilitator", ""};
  facilitator.buyer_id = "ville-de-paris";
  ReadScope scope = ReadScope::Of(facilitator, "solideo", policy);
  EXPECT_EQ(scope.buyer(), "buyers/ville-de-paris");
  EXPECT_TRUE(scope.MayReadBuyer("buyers/ville-de-paris", "declarations/x").ok());
  EXPECT_EQ(scope.MayReadBuyer("buyers/solideo", "declarations/y").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(*scope.BuyerFilter("", "buyer"), "buyers/ville-de-paris");
  EXPECT_EQ(scope.BuyerFilter("buyers/solideo", "buyer").status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(scope.MayReadCompany(kSiretB, "declarations/y").ok());
}

TEST(ReadScope, ObserversReadFiguresNotDeclarations) {
  Policy policy = LocalPolicy();
  absl::Status read =
      ReadScope::Of({"solideo", "observer", ""}, "solideo", policy).MayReadDeclarations();
  EXPECT_EQ(read.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(read.message(), HasSubstr("observer"));
  EXPECT_THAT(read.message(), HasSubstr("GetImpactReport"));
}

TEST(ReadScope, GetOfAndListOfReadOnlyWhatIsShown) {
  Policy policy = LocalPolicy();
  ReadScope yunus = ReadScope::Of({"yunus-centre", "observer", ""}, "solideo", policy);
  int reads = 0;
  auto read = [&]() -> absl::StatusOr<int> { return ++reads; };
  EXPECT_EQ(yunus.GetOf<int>("declaration", "declarations/x", read).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(*yunus.ListOf<int>("declaration", read), 0);
  EXPECT_EQ(reads, 0);
  EXPECT_EQ(*yunus.GetOf<int>("structure", "structures/x", read), 1);
}

}  // namespace
}  // namespace passerelle::mesh
