// TenderService through a real in-process node: notices through their lifecycle, listing filters,
// awards (to structures and consortia, reserved lots), matching with reasons, the weekly digest,
// interests and consortia — happy paths and every error class, as a gRPC client sees them.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "passerelle/v1/tender.grpc.pb.h"
#include "tests/support/registry_client.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_node.h"
#include "tests/tender/sample_tenders.h"

namespace passerelle {
namespace {

using ::google::protobuf::util::TimeUtil;
using ::testing::ElementsAre;
using testing::HasCode;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::IsInvalidArgumentOn;
using testing::IsOk;
using testing::MatchingStructure;
using testing::MinimalStructure;
using ::testing::Not;
using testing::RegistryClient;
using testing::Reply;
using testing::SampleTender;
using testing::TestNode;
using testing::TestSiret;
using ::testing::UnorderedElementsAre;

class TenderServiceTest : public ::testing::Test {
 protected:
  TenderServiceTest() : registry_(node_), stub_(v1::TenderService::NewStub(node_.channel())) {
    EXPECT_THAT(registry_.CreateBuyer(testing::SampleBuyer()).status, IsOk());
  }

  // Calls `method` of the stub with `request` and returns what came back.
  template <typename Response, typename Request, typename Method>
  Reply<Response> Call(Method method, const Request& request) {
    return testing::CallStub<Response>(*stub_, method, request);
  }

  Reply<v1::Tender> Create(const v1::Tender& t) {
    v1::CreateTenderRequest r;
    *r.mutable_tender() = t;
    return Call<v1::Tender>(&v1::TenderService::Stub::CreateTender, r);
  }
  Reply<v1::Tender> Get(const std::string& name) {
    v1::GetTenderRequest r;
    r.set_name(name);
    return Call<v1::Tender>(&v1::TenderService::Stub::GetTender, r);
  }
  Reply<v1::Tender> Publish(const std::string& name) {
    v1::PublishTenderRequest r;
    r.set_name(name);
    return Call<v1::Tender>(&v1::TenderService::Stub::PublishTender, r);
  }
  Reply<v1::Tender> Close(const std::string& name) {
    v1::CloseTenderRequest r;
    r.set_name(name);
    return Call<v1::Tender>(&v1::TenderService::Stub::CloseTender, r);
  }
  Reply<v1::Tender> Cancel(const std::string& name, const std::string& reason) {
    v1::CancelTenderRequest r;
    r.set_name(name);
    r.set_reason(reason);
    return Call<v1::Tender>(&v1::TenderService::Stub::CancelTender, r);
  }
  Reply<v1::Award> Award(const std::string& tender, int lot, const std::string& structure,
                         const std::string& consortium = "") {
    v1::AwardLotRequest r;
    r.set_tender(tender);
    r.mutable_award()->set_lot_number(lot);
    r.mutable_award()->set_structure(structure);
    r.mutable_award()->set_consortium(consortium);
    r.mutable_award()->set_amount_cents(10'000'001);
    r.mutable_award()->set_award_date("2029-06-01");
    return Call<v1::Award>(&v1::TenderService::Stub::AwardLot, r);
  }
  std::vector<std::string> ListIds(v1::ListTendersRequest r) {
    Reply<v1::ListTendersResponse> reply =
        Call<v1::ListTendersResponse>(&v1::TenderService::Stub::ListTenders, r);
    EXPECT_THAT(reply.status, IsOk());
    std::vector<std::string> ids;
    for (const auto& t : reply.response.tenders()) ids.push_back(t.tender_id());
    return ids;
  }
  // A closed notice, ready for awards.
  std::string ClosedTender(const std::string& id) {
    EXPECT_THAT(Create(SampleTender(id)).status, IsOk());
    EXPECT_THAT(Publish("tenders/" + id).status, IsOk());
    EXPECT_THAT(Close("tenders/" + id).status, IsOk());
    return "tenders/" + id;
  }
  std::string AddStructure(int n, v1::InclusionKind kind = v1::INCLUSION_KIND_ACI) {
    v1::Structure s = MatchingStructure(TestSiret(n), kind);
    EXPECT_THAT(registry_.CreateStructure(s).status, IsOk());
    return "structures/" + s.siret();
  }
  Reply<v1::Consortium> Propose(const std::string& tender, int lot,
                                const std::vector<std::string>& members) {
    v1::ProposeConsortiumRequest r;
    r.mutable_consortium()->set_tender(tender);
    r.mutable_consortium()->set_lot_number(lot);
    for (size_t i = 0; i < members.size(); ++i) {
      v1::ConsortiumMember* m = r.mutable_consortium()->add_members();
      m->set_structure(members[i]);
      m->set_role(i == 0 ? v1::CONSORTIUM_ROLE_LEAD : v1::CONSORTIUM_ROLE_MEMBER);
      m->set_share_basis_points(i == 0 ? 10000 - 2000 * static_cast<int>(members.size() - 1)
                                       : 2000);
    }
    return Call<v1::Consortium>(&v1::TenderService::Stub::ProposeConsortium, r);
  }
  Reply<v1::Consortium> Respond(const std::string& name, const std::string& structure,
                                bool accept) {
    v1::RespondToConsortiumRequest r;
    r.set_name(name);
    r.set_structure(structure);
    r.set_accept(accept);
    return Call<v1::Consortium>(&v1::TenderService::Stub::RespondToConsortium, r);
  }

  TestNode node_;
  RegistryClient registry_;
  std::unique_ptr<v1::TenderService::Stub> stub_;
};

TEST_F(TenderServiceTest, ACreatedNoticeIsAForecastWithItsLotsTotalAndReadsBack) {
  Reply<v1::Tender> created = Create(SampleTender("village-medias"));
  ASSERT_THAT(created.status, IsOk());
  EXPECT_EQ(created.response.name(), "tenders/village-medias");
  EXPECT_EQ(created.response.status(), v1::TENDER_STATUS_FORECAST);
  EXPECT_EQ(created.response.last_action(), v1::TENDER_ACTION_CREATED);
  EXPECT_EQ(created.response.estimated_amount_cents(), 100'000'000);
  EXPECT_EQ(created.response.owner_partner(), "les-canaux");
  EXPECT_FALSE(created.response.etag().empty());
  Reply<v1::Tender> read = Get("tenders/village-medias");
  ASSERT_THAT(read.status, IsOk());
  EXPECT_EQ(read.response.SerializeAsString(), created.response.SerializeAsString());
}

TEST_F(TenderServiceTest, BadNoticesAreRefusedWithTheirFieldsAndWriteNothing) {
  v1::Tender bad = SampleTender("t-bad");
  bad.set_cpv_codes(0, "45210000-9");
  bad.mutable_lots(1)->set_lot_number(1);
  bad.mutable_lots(0)->mutable_award_criteria()->set_social(0);
  EXPECT_THAT(Create(bad).status, IsInvalidArgumentOn(UnorderedElementsAre(
                                      "tender.cpv_codes[0]", "tender.lots[1].lot_number",
                                      "tender.lots[0].award_criteria")));
  EXPECT_THAT(Get("tenders/t-bad").status, HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(Create(SampleTender("t-x", "no-such-buyer")).status,
              HasCode(grpc::StatusCode::NOT_FOUND));
  ASSERT_THAT(Create(SampleTender("t-1")).status, IsOk());
  EXPECT_THAT(Create(SampleTender("t-1")).status, HasCode(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_THAT(Get("tenders/none").status, HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(TenderServiceTest, TheLifecycleRunsForecastPublishedClosedAwardedAndRefusesOtherMoves) {
  ASSERT_THAT(Create(SampleTender("t-1")).status, IsOk());
  Reply<v1::Tender> closing_early = Close("tenders/t-1");
  EXPECT_THAT(closing_early.status, HasCode(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(closing_early.status.error_message(), HasSubstr("forecast"));
  Reply<v1::Tender> published = Publish("tenders/t-1");
  ASSERT_THAT(published.status, IsOk());
  EXPECT_EQ(published.response.status(), v1::TENDER_STATUS_PUBLISHED);
  EXPECT_TRUE(published.response.has_publish_time());
  EXPECT_THAT(Publish("tenders/t-1").status, HasCode(grpc::StatusCode::FAILED_PRECONDITION));
  ASSERT_THAT(Close("tenders/t-1").status, IsOk());
  EXPECT_THAT(Cancel("tenders/t-1", "budget").status,
              HasCode(grpc::StatusCode::FAILED_PRECONDITION));
  std::string aci = AddStructure(1);
  ASSERT_THAT(Award("tenders/t-1", 1, aci).status, IsOk());
  EXPECT_EQ(Get("tenders/t-1").response.status(), v1::TENDER_STATUS_CLOSED);
  ASSERT_THAT(Award("tenders/t-1", 2, aci).status, IsOk());
  EXPECT_EQ(Get("tenders/t-1").response.status(), v1::TENDER_STATUS_AWARDED);
}

TEST_F(TenderServiceTest, CancellingNeedsAReasonAndKeepsIt) {
  ASSERT_THAT(Create(SampleTender("t-1")).status, IsOk());
  EXPECT_THAT(Cancel("tenders/t-1", "").status, IsInvalidArgumentOn(ElementsAre("reason")));
  Reply<v1::Tender> cancelled = Cancel("tenders/t-1", "merged into t-2");
  ASSERT_THAT(cancelled.status, IsOk());
  EXPECT_EQ(cancelled.response.status(), v1::TENDER_STATUS_CANCELLED);
  EXPECT_EQ(cancelled.response.cancel_reason(), "merged into t-2");
  EXPECT_THAT(Award("tenders/t-1", 1, AddStructure(1)).status,
              HasCode(grpc::StatusCode::FAILED_PRECONDITION));
}

TEST_F(TenderServiceTest, PublishingNeedsAFutureDeadline) {
  v1::Tender t = SampleTender("t-1");
  t.clear_answer_deadline();
  ASSERT_THAT(Create(t).status, IsOk());
  Reply<v1::Tender> refused = Publish("tenders/t-1");
  EXPECT_THAT(refused.status, HasCode(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(refused.status.error_message(), HasSubstr("answer_deadline"));
}

TEST_F(TenderServiceTest, UpdatesFollowTheMaskCheckTheEtagAndKeepPublishedLotNumbers) {
  Reply<v1::Tender> created = Create(SampleTender("t-1"));
  ASSERT_THAT(created.status, IsOk());
  v1::UpdateTenderRequest r;
  *r.mutable_tender() = created.response;
  r.mutable_tender()->set_title("Nouveau titre");
  r.mutable_tender()->set_description("ignored: not in the mask");
  r.mutable_update_mask()->add_paths("title");
  Reply<v1::Tender> updated = Call<v1::Tender>(&v1::TenderService::Stub::UpdateTender, r);
  ASSERT_THAT(updated.status, IsOk());
  EXPECT_EQ(updated.response.title(), "Nouveau titre");
  EXPECT_EQ(updated.response.description(), created.response.description());
  EXPECT_EQ(updated.response.last_action(), v1::TENDER_ACTION_UPDATED);
  // The etag the first update consumed is stale now.
  EXPECT_THAT(Call<v1::Tender>(&v1::TenderService::Stub::UpdateTender, r).status,
              HasCode(grpc::StatusCode::ABORTED));
  ASSERT_THAT(Publish("tenders/t-1").status, IsOk());
  v1::UpdateTenderRequest renumber;
  renumber.mutable_tender()->set_name("tenders/t-1");
  *renumber.mutable_tender()->mutable_lots() = created.response.lots();
  renumber.mutable_tender()->mutable_lots(1)->set_lot_number(3);
  renumber.mutable_update_mask()->add_paths("lots");
  EXPECT_THAT(Call<v1::Tender>(&v1::TenderService::Stub::UpdateTender, renumber).status,
              IsInvalidArgumentOn(ElementsAre("tender.lots")));
  r.mutable_update_mask()->set_paths(0, "status");
  EXPECT_THAT(Call<v1::Tender>(&v1::TenderService::Stub::UpdateTender, r).status,
              IsInvalidArgumentOn(ElementsAre("update_mask.paths[0]")));
}

TEST_F(TenderServiceTest, ListingFiltersByStatusThemeDepartmentSectorReservationBuyerAndDeadline) {
  v1::Tender a = SampleTender("a-construction");
  v1::Tender b = SampleTender("b-catering");
  b.set_cpv_codes(0, "55520000-1");
  b.clear_themes();
  b.add_themes(v1::THEME_SOLIDARITY_CATERING);
  b.set_departments(0, "75");
  for (v1::Lot& lot : *b.mutable_lots()) {
    lot.set_cpv_codes(0, "55520000-1");
    lot.set_reservation(v1::RESERVATION_NONE);
  }
  b.mutable_answer_deadline()->set_seconds(a.answer_deadline().seconds() + 86400 * 30);
  ASSERT_THAT(Create(a).status, IsOk());
  ASSERT_THAT(Create(b).status, IsOk());
  ASSERT_THAT(Publish("tenders/b-catering").status, IsOk());

  v1::ListTendersRequest r;
  EXPECT_THAT(ListIds(r), ElementsAre("a-construction", "b-catering"));
  r.add_statuses(v1::TENDER_STATUS_PUBLISHED);
  EXPECT_THAT(ListIds(r), ElementsAre("b-catering"));
  r.Clear();
  r.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  EXPECT_THAT(ListIds(r), ElementsAre("a-construction"));
  r.Clear();
  r.add_departments("75");
  EXPECT_THAT(ListIds(r), ElementsAre("b-catering"));
  r.Clear();
  r.add_cpv_prefixes("4521");
  EXPECT_THAT(ListIds(r), ElementsAre("a-construction"));
  r.Clear();
  r.set_reserved_only(true);
  EXPECT_THAT(ListIds(r), ElementsAre("a-construction"));
  r.Clear();
  r.set_buyer("buyers/solideo");
  EXPECT_THAT(ListIds(r), ElementsAre("a-construction", "b-catering"));
  r.set_buyer("buyers/paris-2024");
  EXPECT_THAT(ListIds(r), IsEmpty());
  r.Clear();
  *r.mutable_deadline_after() = b.answer_deadline();
  EXPECT_THAT(ListIds(r), ElementsAre("b-catering"));
  r.Clear();
  *r.mutable_deadline_before() = b.answer_deadline();
  EXPECT_THAT(ListIds(r), ElementsAre("a-construction"));
  r.Clear();
  r.set_page_size(1);
  Reply<v1::ListTendersResponse> first =
      Call<v1::ListTendersResponse>(&v1::TenderService::Stub::ListTenders, r);
  ASSERT_THAT(first.status, IsOk());
  r.set_page_token(first.response.next_page_token());
  EXPECT_THAT(ListIds(r), ElementsAre("b-catering"));
  r.Clear();
  r.add_departments("20");
  r.add_statuses(static_cast<v1::TenderStatus>(42));
  EXPECT_THAT(Call<v1::ListTendersResponse>(&v1::TenderService::Stub::ListTenders, r).status,
              IsInvalidArgumentOn(UnorderedElementsAre("departments[0]", "statuses[0]")));
}

TEST_F(TenderServiceTest, AReservedLotIsNeverAwardedToAnIneligibleSupplierAndNothingIsWritten) {
  std::string tender = ClosedTender("t-1");
  std::string esat = AddStructure(1, v1::INCLUSION_KIND_ESAT);
  std::string before = Get(tender).response.etag();
  EXPECT_THAT(Award(tender, 2, esat).status, IsInvalidArgumentOn(ElementsAre("award.structure")));
  EXPECT_EQ(Get(tender).response.etag(), before);
  EXPECT_THAT(Award(tender, 7, esat).status, HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(Award(tender, 1, "structures/" + TestSiret(99)).status,
              HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(Award(tender, 1, "").status, IsInvalidArgumentOn(ElementsAre("award.structure")));
  ASSERT_THAT(Award(tender, 1, esat).status, IsOk());
  EXPECT_THAT(Award(tender, 1, esat).status, HasCode(grpc::StatusCode::ALREADY_EXISTS));
}

TEST_F(TenderServiceTest, AConsortiumIsAwardedOnlyOnceCompleteWithSharesAndStatusesCaptured) {
  ASSERT_THAT(Create(SampleTender("t-1")).status, IsOk());
  std::string lead = AddStructure(1, v1::INCLUSION_KIND_EI);
  std::string member = AddStructure(2, v1::INCLUSION_KIND_ACI);
  std::string outsider = AddStructure(3);
  Reply<v1::Consortium> proposed = Propose("tenders/t-1", 2, {lead, member});
  ASSERT_THAT(proposed.status, IsOk());
  EXPECT_EQ(proposed.response.status(), v1::CONSORTIUM_STATUS_PROPOSED);
  const std::string name = proposed.response.name();
  EXPECT_THAT(Respond(name, outsider, true).status, IsInvalidArgumentOn(ElementsAre("structure")));
  ASSERT_THAT(Publish("tenders/t-1").status, IsOk());
  ASSERT_THAT(Close("tenders/t-1").status, IsOk());
  EXPECT_THAT(Award("tenders/t-1", 2, "", name).status,
              HasCode(grpc::StatusCode::FAILED_PRECONDITION));
  Reply<v1::Consortium> complete = Respond(name, member, true);
  ASSERT_THAT(complete.status, IsOk());
  EXPECT_EQ(complete.response.status(), v1::CONSORTIUM_STATUS_COMPLETE);
  v1::GetConsortiumRequest get;
  get.set_name(name);
  Reply<v1::Consortium> read = Call<v1::Consortium>(&v1::TenderService::Stub::GetConsortium, get);
  ASSERT_THAT(read.status, IsOk());
  EXPECT_EQ(read.response.SerializeAsString(), complete.response.SerializeAsString());
  get.set_name("consortia/none");
  EXPECT_THAT(Call<v1::Consortium>(&v1::TenderService::Stub::GetConsortium, get).status,
              HasCode(grpc::StatusCode::NOT_FOUND));
  EXPECT_THAT(Respond(name, member, false).status, HasCode(grpc::StatusCode::FAILED_PRECONDITION));
  EXPECT_THAT(Award("tenders/t-1", 1, "", name).status,
              IsInvalidArgumentOn(ElementsAre("award.consortium")));

  Reply<v1::Award> award = Award("tenders/t-1", 2, "", name);
  ASSERT_THAT(award.status, IsOk());
  ASSERT_EQ(award.response.shares_size(), 2);
  EXPECT_EQ(award.response.shares(0).role(), v1::CONSORTIUM_ROLE_LEAD);
  EXPECT_EQ(award.response.shares(0).inclusion_kind(), v1::INCLUSION_KIND_EI);
  EXPECT_EQ(award.response.shares(1).amount_cents(), int64_t{10'000'001} * 2000 / 10000);
  EXPECT_EQ(award.response.shares(0).amount_cents() + award.response.shares(1).amount_cents(),
            10'000'001);
  EXPECT_EQ(award.response.buyer(), "buyers/solideo");

  v1::ListAwardsRequest list;
  list.set_buyer("buyers/solideo");
  Reply<v1::ListAwardsResponse> awards =
      Call<v1::ListAwardsResponse>(&v1::TenderService::Stub::ListAwards, list);
  ASSERT_THAT(awards.status, IsOk());
  ASSERT_EQ(awards.response.awards_size(), 1);
  EXPECT_EQ(awards.response.awards(0).consortium(), name);
}

TEST_F(TenderServiceTest, ADeclinedConsortiumCannotCompleteAndSharesMustSum) {
  ASSERT_THAT(Create(SampleTender("t-1")).status, IsOk());
  std::string a = AddStructure(1), b = AddStructure(2), c = AddStructure(3);
  Reply<v1::Consortium> proposed = Propose("tenders/t-1", 1, {a, b, c});
  ASSERT_THAT(proposed.status, IsOk());
  Reply<v1::Consortium> declined = Respond(proposed.response.name(), b, false);
  ASSERT_THAT(declined.status, IsOk());
  EXPECT_EQ(declined.response.status(), v1::CONSORTIUM_STATUS_DECLINED);
  EXPECT_THAT(Respond(proposed.response.name(), c, true).status,
              HasCode(grpc::StatusCode::FAILED_PRECONDITION));
  v1::ProposeConsortiumRequest bad;
  *bad.mutable_consortium() = proposed.response;
  bad.mutable_consortium()->clear_consortium_id();
  bad.mutable_consortium()->mutable_members(0)->set_share_basis_points(1);
  EXPECT_THAT(Call<v1::Consortium>(&v1::TenderService::Stub::ProposeConsortium, bad).status,
              IsInvalidArgumentOn(ElementsAre("consortium.members")));
  EXPECT_THAT(Propose("tenders/t-1", 9, {a, b}).status, HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(TenderServiceTest, MatchStructuresRanksWithReasonsAndKeepsIneligibleOnesOutOfReservedLots) {
  ASSERT_THAT(Create(SampleTender("t-1")).status, IsOk());
  std::string aci = AddStructure(1, v1::INCLUSION_KIND_ACI);
  std::string esat = AddStructure(2, v1::INCLUSION_KIND_ESAT);
  v1::Structure far = MatchingStructure(TestSiret(3));
  far.set_departments(0, "13");
  ASSERT_THAT(registry_.CreateStructure(far).status, IsOk());
  v1::Structure big = MatchingStructure(TestSiret(4), v1::INCLUSION_KIND_NONE);
  big.set_max_contract_cents(900'000'000);
  big.set_size_class(v1::SIZE_CLASS_PME);
  ASSERT_THAT(registry_.CreateStructure(big).status, IsOk());

  v1::MatchStructuresRequest r;
  r.set_tender("tenders/t-1");
  r.set_lot_number(2);  // reserved SIAE
  Reply<v1::MatchStructuresResponse> reserved =
      Call<v1::MatchStructuresResponse>(&v1::TenderService::Stub::MatchStructures, r);
  ASSERT_THAT(reserved.status, IsOk());
  ASSERT_EQ(reserved.response.matches_size(), 1);
  EXPECT_EQ(reserved.response.matches(0).structure(), aci);
  EXPECT_THAT(reserved.response.matches(0).reasons(), Not(IsEmpty()));

  r.set_lot_number(1);  // open, 800,000 €: the PME whose capacity covers it ranks first
  Reply<v1::MatchStructuresResponse> open =
      Call<v1::MatchStructuresResponse>(&v1::TenderService::Stub::MatchStructures, r);
  ASSERT_THAT(open.status, IsOk());
  std::vector<std::string> ranked;
  for (const auto& m : open.response.matches()) ranked.push_back(m.structure());
  EXPECT_THAT(ranked, ElementsAre("structures/" + big.siret(), aci, esat));
  r.set_lot_number(5);
  EXPECT_THAT(
      Call<v1::MatchStructuresResponse>(&v1::TenderService::Stub::MatchStructures, r).status,
      HasCode(grpc::StatusCode::NOT_FOUND));
}

TEST_F(TenderServiceTest, MatchTendersAndTheDigestFindTheOpenLotsAStructureFits) {
  ASSERT_THAT(Create(SampleTender("t-1")).status, IsOk());
  v1::Tender other = SampleTender("t-2");
  other.set_forecast_publish_date("2029-05-20");
  ASSERT_THAT(Create(other).status, IsOk());
  ASSERT_THAT(Create(SampleTender("t-3")).status, IsOk());
  ASSERT_THAT(Cancel("tenders/t-3", "withdrawn").status, IsOk());
  std::string esat = AddStructure(1, v1::INCLUSION_KIND_ESAT);

  v1::MatchTendersRequest m;
  m.set_structure(esat);
  Reply<v1::MatchTendersResponse> matched =
      Call<v1::MatchTendersResponse>(&v1::TenderService::Stub::MatchTenders, m);
  ASSERT_THAT(matched.status, IsOk());
  std::vector<std::string> lots;
  for (const auto& l : matched.response.matches())
    lots.push_back(absl::StrCat(l.tender(), "#", l.lot_number()));
  EXPECT_THAT(
      lots, UnorderedElementsAre("tenders/t-1#1", "tenders/t-2#1"));  // not the SIAE lots, nor t-3

  v1::GetDigestRequest d;
  d.set_structure(esat);
  d.set_week("2029-W09");  // Sunday 4 March 2029: t-1's (and the cancelled t-3's) forecast week
  Reply<v1::Digest> digest = Call<v1::Digest>(&v1::TenderService::Stub::GetDigest, d);
  ASSERT_THAT(digest.status, IsOk());
  ASSERT_EQ(digest.response.sections_size(), 2);  // t-1 under each of its two themes
  for (const v1::DigestSection& section : digest.response.sections()) {
    ASSERT_EQ(section.entries_size(), 1);
    EXPECT_EQ(section.entries(0).tender(), "tenders/t-1");
  }
  d.set_week("2029-W20");  // t-2's week
  digest = Call<v1::Digest>(&v1::TenderService::Stub::GetDigest, d);
  ASSERT_THAT(digest.status, IsOk());
  ASSERT_EQ(digest.response.sections_size(), 2);
  EXPECT_EQ(digest.response.sections(0).entries(0).tender(), "tenders/t-2");
  d.set_week("2029-10");
  EXPECT_THAT(Call<v1::Digest>(&v1::TenderService::Stub::GetDigest, d).status,
              IsInvalidArgumentOn(ElementsAre("week")));
}

TEST_F(TenderServiceTest, InterestsAreDeclaredOncePerLotWhileTheNoticeIsOpen) {
  ASSERT_THAT(Create(SampleTender("t-1")).status, IsOk());
  std::string a = AddStructure(1), b = AddStructure(2);
  auto declare = [&](const std::string& s, int lot) {
    v1::DeclareInterestRequest r;
    r.set_tender("tenders/t-1");
    r.set_lot_number(lot);
    r.set_structure(s);
    return Call<v1::Interest>(&v1::TenderService::Stub::DeclareInterest, r);
  };
  ASSERT_THAT(declare(a, 1).status, IsOk());
  ASSERT_THAT(declare(b, 1).status, IsOk());
  ASSERT_THAT(declare(b, 2).status, IsOk());
  EXPECT_THAT(declare(a, 1).status, HasCode(grpc::StatusCode::ALREADY_EXISTS));
  EXPECT_THAT(declare(a, 4).status, HasCode(grpc::StatusCode::NOT_FOUND));
  v1::ListInterestsRequest list;
  list.set_tender("tenders/t-1");
  list.set_lot_number(1);
  Reply<v1::ListInterestsResponse> lot1 =
      Call<v1::ListInterestsResponse>(&v1::TenderService::Stub::ListInterests, list);
  ASSERT_THAT(lot1.status, IsOk());
  std::vector<std::string> who;
  for (const auto& i : lot1.response.interests()) who.push_back(i.structure());
  EXPECT_THAT(who, UnorderedElementsAre(a, b));
  ASSERT_THAT(Cancel("tenders/t-1", "withdrawn").status, IsOk());
  EXPECT_THAT(declare(a, 2).status, HasCode(grpc::StatusCode::FAILED_PRECONDITION));
}

TEST(TenderAuthorship, ANodeWhosePartnerMayNotAuthorNoticesRefusesThemAndWritesNothing) {
  v1::NodeConfig config;
  config.set_partner_id("les-canaux");
  v1::AuthorRule* rule = config.mutable_policy()->add_authors();
  rule->set_kind("tender");
  rule->add_partners("solideo");
  TestNode node(config);
  ASSERT_THAT(RegistryClient(node).CreateBuyer(testing::SampleBuyer()).status, IsOk());
  auto stub = v1::TenderService::NewStub(node.channel());
  grpc::ClientContext context;
  v1::CreateTenderRequest request;
  *request.mutable_tender() = SampleTender("t-1");
  v1::Tender created;
  grpc::Status refused = stub->CreateTender(&context, request, &created);
  EXPECT_THAT(refused, HasCode(grpc::StatusCode::PERMISSION_DENIED));
  EXPECT_THAT(refused.error_message(), HasSubstr("tender"));
  grpc::ClientContext get_context;
  v1::GetTenderRequest get;
  get.set_name("tenders/t-1");
  EXPECT_THAT(stub->GetTender(&get_context, get, &created), HasCode(grpc::StatusCode::NOT_FOUND));
}

}  // namespace
}  // namespace passerelle
