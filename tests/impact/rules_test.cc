// The pure rules of hour declarations: validation, the integer arithmetic of the targets, and
// worker pseudonymisation.

#include "impact_svc/rules.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/time/civil_time.h"
#include "common/errors.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/registry_client.h"

namespace passerelle::impact {
namespace {

using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

const absl::CivilMonth kNow(2024, 7);

// 120 hours worked, 30 in insertion, by two workers.
v1::HourDeclaration Sample() {
  v1::HourDeclaration d;
  d.set_contractor_siret(testing::TestSiret(1));
  d.set_buyer("buyers/solideo");
  d.set_tender("tenders/village-medias");
  d.set_lot_number(1);
  d.set_period("2024-06");
  d.set_total_hundredths(12000);
  d.set_insertion_hundredths(3000);
  d.add_by_channel()->set_channel(v1::INSERTION_CHANNEL_DIRECT_HIRE);
  d.mutable_by_channel(0)->set_hundredths(1000);
  d.add_by_channel()->set_channel(v1::INSERTION_CHANNEL_TEMPORARY_WORK);
  d.mutable_by_channel(1)->set_hundredths(2000);
  d.add_by_category()->set_category(v1::ELIGIBILITY_CATEGORY_LONG_TERM_JOB_SEEKER);
  d.mutable_by_category(0)->set_hundredths(3000);
  for (const char* reference : {"EMP-0042", "EMP-0043"}) {
    v1::WorkerLine* w = d.add_workers();
    w->set_worker_reference(reference);
    w->set_category(v1::ELIGIBILITY_CATEGORY_LONG_TERM_JOB_SEEKER);
    w->set_channel(v1::INSERTION_CHANNEL_DIRECT_HIRE);
    w->set_hundredths(1500);
  }
  return d;
}

std::vector<std::string> Violations(const v1::HourDeclaration& d) {
  common::FieldViolations v;
  ValidateDeclaration(d, "declaration.", kNow, &v);
  std::vector<std::string> fields;
  for (const auto& violation : v.violations()) fields.push_back(violation.field);
  return fields;
}

TEST(ValidateDeclaration, TheSampleIsValid) { EXPECT_THAT(Violations(Sample()), IsEmpty()); }

TEST(ValidateDeclaration, InsertionAboveTotalAndBreakdownsThatDoNotAddUpAreNamed) {
  v1::HourDeclaration d = Sample();
  d.set_total_hundredths(2000);
  d.mutable_by_channel(1)->set_hundredths(1999);
  d.mutable_workers(0)->set_hundredths(1);
  EXPECT_THAT(Violations(d), UnorderedElementsAre("declaration.insertion_hundredths",
                                                  "declaration.by_channel", "declaration.workers"));
}

TEST(ValidateDeclaration, APeriodMustBeAMonthNotInTheFuture) {
  v1::HourDeclaration d = Sample();
  d.set_period("2024-08");
  EXPECT_THAT(Violations(d), UnorderedElementsAre("declaration.period"));
  d.set_period("2024-13");
  EXPECT_THAT(Violations(d), UnorderedElementsAre("declaration.period"));
  d.set_period("2024-7");
  EXPECT_THAT(Violations(d), UnorderedElementsAre("declaration.period"));
  for (const char* malformed :
       {"2024-00", "2024/07", "202407-", "2o24-07", "0999-07", "2024-7a", "-2024-07", "2024-07 "}) {
    d.set_period(malformed);
    EXPECT_THAT(Violations(d), UnorderedElementsAre("declaration.period")) << malformed;
  }
  d.set_period("2024-07");
  EXPECT_THAT(Violations(d), IsEmpty());
  d.set_period("1999-12");
  EXPECT_THAT(Violations(d), IsEmpty());
}

TEST(ValidateDeclaration, EveryOtherBadFieldIsNamed) {
  v1::HourDeclaration d = Sample();
  d.set_contractor_siret("12345678901234");
  d.set_buyer("solideo");
  d.set_lot_number(0);
  d.mutable_by_category(0)->set_category(v1::ELIGIBILITY_CATEGORY_UNSPECIFIED);
  d.mutable_workers(1)->clear_worker_reference();
  EXPECT_THAT(Violations(d),
              UnorderedElementsAre("declaration.contractor_siret", "declaration.buyer",
                                   "declaration.lot_number", "declaration.by_category[0].category",
                                   "declaration.workers[1].worker_reference"));
}

TEST(RatioBasisPoints, IsIntegerAndRoundsDown) {
  EXPECT_EQ(RatioBasisPoints(3000, 12000), 2500);
  EXPECT_EQ(RatioBasisPoints(1, 3), 3333);
  EXPECT_EQ(RatioBasisPoints(2, 3), 6666);
  EXPECT_EQ(RatioBasisPoints(5, 0), 0);
  // Amounts of a whole event in cents times 10,000 do not overflow.
  EXPECT_EQ(RatioBasisPoints(536'000'000'00, 2'144'000'000'00), 2500);
}

TEST(StatusAgainst, MetOnTrackOrBehindByTheConfiguredThresholds) {
  v1::Target ten_percent;
  ten_percent.set_target_basis_points(1000);
  ten_percent.set_on_track_basis_points(800);
  EXPECT_EQ(StatusAgainst(1000, ten_percent), v1::TARGET_STATUS_MET);
  EXPECT_EQ(StatusAgainst(999, ten_percent), v1::TARGET_STATUS_ON_TRACK);
  EXPECT_EQ(StatusAgainst(800, ten_percent), v1::TARGET_STATUS_ON_TRACK);
  EXPECT_EQ(StatusAgainst(799, ten_percent), v1::TARGET_STATUS_BEHIND);
}

TEST(WorkerPseudonym, SameReferenceSameSecretSamePseudonymAndNoWayBackWithoutTheSecret) {
  const std::string a = WorkerPseudonym("event-secret", "EMP-0042");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, WorkerPseudonym("event-secret", "EMP-0042"));
  EXPECT_NE(a, WorkerPseudonym("event-secret", "EMP-0043"));
  EXPECT_NE(a, WorkerPseudonym("another-event", "EMP-0042"));
  EXPECT_EQ(a.find("EMP-0042"), std::string::npos);
}

TEST(WorkerPseudonym, IsHmacSha256AsRfc4231Defines) {
  // RFC 4231 test cases 2 (a short key) and 6 (a key longer than a block, hashed first).
  EXPECT_EQ(absl::BytesToHexString(WorkerPseudonym("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(
      absl::BytesToHexString(WorkerPseudonym(
          std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  Pseudonymiser reused("Jefe");
  EXPECT_EQ(reused.Of("what do ya want for nothing?"), reused.Of("what do ya want for nothing?"));
}

TEST(PseudonymiseWorkers, ClearsEveryReferenceSoNoStoredByteHoldsIt) {
  v1::HourDeclaration d = Sample();
  PseudonymiseWorkers(Pseudonymiser("event-secret"), &d);
  for (const v1::WorkerLine& w : d.workers()) {
    EXPECT_TRUE(w.worker_reference().empty());
    EXPECT_EQ(w.worker_pseudonym().size(), 32u);
  }
  const std::string bytes = d.SerializeAsString();
  EXPECT_EQ(bytes.find("EMP-0042"), std::string::npos);
  EXPECT_EQ(bytes.find("EMP-0043"), std::string::npos);
  EXPECT_NE(d.workers(0).worker_pseudonym(), d.workers(1).worker_pseudonym());
}

TEST(RedactWorkers, KeepsTheTotalsAndDropsEveryWorkerLine) {
  v1::HourDeclaration d = Sample();
  PseudonymiseWorkers(Pseudonymiser("event-secret"), &d);
  RedactWorkers(&d);
  EXPECT_THAT(d.workers(), IsEmpty());
  EXPECT_EQ(d.insertion_hundredths(), 3000);
  EXPECT_EQ(d.by_channel_size(), 2);
}

}  // namespace
}  // namespace passerelle::impact
