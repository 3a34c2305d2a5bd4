#ifndef PASSERELLE_TESTS_IMPACT_AWARDED_PROGRAMME_H_
#define PASSERELLE_TESTS_IMPACT_AWARDED_PROGRAMME_H_

// A small programme for the read-scope tests: two buyers (X, Y), two contractors (A, B), and on
// each buyer's notice lot 1 awarded to A and lot 2 to B, each holder having declared one month
// with two workers.

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "passerelle/v1/impact.grpc.pb.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "passerelle/v1/tender.grpc.pb.h"
#include "tests/impact/sample_declarations.h"
#include "tests/support/registry_client.h"
#include "tests/tender/sample_tenders.h"

namespace passerelle::testing {

inline constexpr char kProgrammePeriod[] = "2025-03";

inline std::string ContractorSiret(char contractor) { return TestSiret(contractor == 'A' ? 1 : 2); }

// "AX": contractor A's declaration on buyer X's notice (tenders/tender-x).
inline std::string ProgrammeDeclaration(const std::string& label) {
  const char buyer = label[1] == 'X' ? 'x' : 'y';
  return absl::StrCat("declarations/", ContractorSiret(label[0]), "-tender-", std::string(1, buyer),
                      "-", label[0] == 'A' ? 1 : 2, "-", kProgrammePeriod, "-v1");
}

// Loads the programme through `admin`, a channel speaking for the node's partner admin. Call
// through ASSERT_NO_FATAL_FAILURE.
inline void LoadAwardedProgramme(const std::shared_ptr<grpc::Channel>& admin) {
  auto context = [] {
    auto c = std::make_unique<grpc::ClientContext>();
    c->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    return c;
  };
  auto registry = v1::RegistryService::NewStub(admin);
  auto tenders = v1::TenderService::NewStub(admin);
  auto impact = v1::ImpactService::NewStub(admin);
  for (const std::string buyer : {"buyer-x", "buyer-y"}) {
    v1::CreateBuyerRequest r;
    *r.mutable_buyer() = SampleBuyer(buyer);
    v1::Buyer created;
    grpc::Status s = registry->CreateBuyer(context().get(), r, &created);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  for (char contractor : {'A', 'B'}) {
    v1::CreateStructureRequest r;
    *r.mutable_structure() = MatchingStructure(ContractorSiret(contractor));
    v1::Structure created;
    ASSERT_TRUE(registry->CreateStructure(context().get(), r, &created).ok());
  }
  for (const std::string id : {"x", "y"}) {
    const std::string tender = "tender-" + id, name = "tenders/" + tender;
    v1::Tender t;
    v1::CreateTenderRequest create;
    *create.mutable_tender() = SampleTender(tender, "buyer-" + id);
    ASSERT_TRUE(tenders->CreateTender(context().get(), create, &t).ok());
    v1::PublishTenderRequest publish;
    publish.set_name(name);
    ASSERT_TRUE(tenders->PublishTender(context().get(), publish, &t).ok());
    v1::CloseTenderRequest close;
    close.set_name(name);
    ASSERT_TRUE(tenders->CloseTender(context().get(), close, &t).ok());
    for (int lot : {1, 2}) {
      const std::string siret = ContractorSiret(lot == 1 ? 'A' : 'B');
      v1::AwardLotRequest award;
      award.set_tender(name);
      award.mutable_award()->set_lot_number(lot);
      award.mutable_award()->set_structure("structures/" + siret);
      award.mutable_award()->set_amount_cents(10'000'000);
      award.mutable_award()->set_award_date("2025-02-01");
      v1::Award awarded;
      grpc::Status s = tenders->AwardLot(context().get(), award, &awarded);
      ASSERT_TRUE(s.ok()) << s.error_message();
      v1::SubmitDeclarationRequest submit;
      *submit.mutable_declaration() = SampleDeclaration(
          siret, tender, "buyer-" + id, lot, kProgrammePeriod, 10000, {"PAYROLL-1", "PAYROLL-2"});
      v1::HourDeclaration declared;
      s = impact->SubmitDeclaration(context().get(), submit, &declared);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  }
}

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_IMPACT_AWARDED_PROGRAMME_H_
