// The OCDS export read back as an OCDS user would: release names, statuses from the codelists, lots
// with their values and reservations, awards whose suppliers resolve to parties of the right scale,
// and amounts written as exact decimals.

#include "cli/ocds.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/tender/sample_tenders.h"

namespace passerelle::cli {
namespace {

using google::protobuf::Value;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kLeadSiret[] = "73282932000074";
constexpr char kMemberSiret[] = "35600000000048";
constexpr char kSoloSiret[] = "44306184100047";

OcdsPublication Publication() {
  OcdsPublication p;
  p.publisher_name = "Les Canaux";
  p.uri = "https://example.org/ocds/tenders.json";
  p.ocid_prefix = "ocds-test01-";
  p.published_date = "2029-06-01T12:00:00Z";
  return p;
}

// testing::SampleTender as the node returns it once published, its lot 2 (reserved to SIAE) made a
// service: two lots with social clauses, social and environmental award criteria.
v1::Tender Notice(const std::string& tender_id) {
  v1::Tender t = testing::SampleTender(tender_id);
  t.set_name("tenders/" + tender_id);
  t.set_status(v1::TENDER_STATUS_PUBLISHED);
  t.set_estimated_amount_cents(100'000'000);
  t.set_etag("solideo-7");
  *t.mutable_update_time() = google::protobuf::util::TimeUtil::SecondsToTimestamp(1'867'000'000);
  t.mutable_lots(1)->set_cpv_codes(0, "90510000-5");
  return t;
}

v1::AwardShare Share(const std::string& siret, v1::SizeClass size, int64_t cents) {
  v1::AwardShare share;
  share.set_siret(siret);
  share.set_size_class(size);
  share.set_amount_cents(cents);
  return share;
}

// Lot 1 to a consortium (a micro lead, a large member), lot 2 to one SME; the notice is awarded.
v1::Tender AwardedNotice(const std::string& tender_id) {
  v1::Tender t = Notice(tender_id);
  t.set_status(v1::TENDER_STATUS_AWARDED);
  v1::Award* consortium = t.mutable_lots(0)->mutable_award();
  consortium->set_consortium("consortia/c-1");
  consortium->set_amount_cents(75'000'000);
  consortium->set_award_date("2029-09-15");
  *consortium->add_shares() = Share(kLeadSiret, v1::SIZE_CLASS_TPE, 45'000'000);
  *consortium->add_shares() = Share(kMemberSiret, v1::SIZE_CLASS_LARGE, 30'000'000);
  v1::Award* solo = t.mutable_lots(1)->mutable_award();
  solo->set_structure(std::string("structures/") + kSoloSiret);
  solo->set_amount_cents(19'500'050);
  solo->set_award_date("2029-09-16");
  *solo->add_shares() = Share(kSoloSiret, v1::SIZE_CLASS_PME, 19'500'050);
  return t;
}

Value Parse(const std::string& json) {
  Value root;
  auto status = google::protobuf::util::JsonStringToMessage(json, &root);
  EXPECT_TRUE(status.ok()) << status << "\n" << json;
  return root;
}

// The value at a dotted path, list indices as numbers: "releases.0.tender.lots.1.id".
const Value& At(const Value& root, const std::string& path) {
  static const Value* const kMissing = new Value();
  const Value* v = &root;
  for (absl::string_view piece : absl::StrSplit(path, '.')) {
    const std::string part(piece);
    size_t index = 0;
    if (v->has_list_value() && absl::SimpleAtoi(part, &index) &&
        index < static_cast<size_t>(v->list_value().values_size())) {
      v = &v->list_value().values(static_cast<int>(index));
    } else if (v->has_struct_value() && v->struct_value().fields().contains(part)) {
      v = &v->struct_value().fields().at(part);
    } else {
      ADD_FAILURE() << "no " << part << " in " << path;
      return *kMissing;
    }
  }
  return *v;
}

bool Has(const Value& object, const std::string& key) {
  return object.has_struct_value() && object.struct_value().fields().contains(key);
}

std::vector<std::string> Strings(const Value& list) {
  std::vector<std::string> out;
  for (const Value& v : list.list_value().values()) out.push_back(v.string_value());
  return out;
}

// The party of `release` whose id is `id`, or a failure.
const Value& Party(const Value& release, const std::string& id) {
  for (const Value& party : At(release, "parties").list_value().values()) {
    if (At(party, "id").string_value() == id) return party;
  }
  ADD_FAILURE() << "no party " << id;
  static const Value* const kMissing = new Value();
  return *kMissing;
}

TEST(OcdsReleasePackage, DeclaresOcds11ItsPublisherAndTheExtensionsItsFieldsComeFrom) {
  Value package = Parse(OcdsReleasePackage({Notice("t-1")}, Publication()));
  EXPECT_EQ(At(package, "version").string_value(), "1.1");
  EXPECT_EQ(At(package, "uri").string_value(), "https://example.org/ocds/tenders.json");
  EXPECT_EQ(At(package, "publishedDate").string_value(), "2029-06-01T12:00:00Z");
  EXPECT_EQ(At(package, "publisher.name").string_value(), "Les Canaux");
  std::string extensions;
  for (const std::string& url : Strings(At(package, "extensions"))) extensions += url + " ";
  for (const char* name :
       {"ocds_lots_extension", "ocds_otherRequirements_extension", "ocds_suitability_extension",
        "ocds_sustainability_extension", "ocds_partyDetails_scale_extension"}) {
    EXPECT_THAT(extensions, HasSubstr(name));
  }
}

TEST(OcdsReleasePackage, EachNoticeIsOneReleaseNamedByThePrefixItsIdAndItsVersion) {
  Value package = Parse(OcdsReleasePackage({Notice("t-1")}, Publication()));
  ASSERT_EQ(At(package, "releases").list_value().values_size(), 1);
  const Value& release = At(package, "releases.0");
  EXPECT_EQ(At(release, "ocid").string_value(), "ocds-test01-t-1");
  EXPECT_EQ(At(release, "id").string_value(), "t-1-solideo-7");
  EXPECT_EQ(At(release, "date").string_value(), "2029-02-28T19:06:40Z");
  EXPECT_EQ(At(release, "initiationType").string_value(), "tender");
  EXPECT_EQ(At(release, "tender.id").string_value(), "t-1");
  EXPECT_EQ(At(release, "tender.procurementMethod").string_value(), "open");
  EXPECT_EQ(At(release, "tender.mainProcurementCategory").string_value(), "works");
  EXPECT_EQ(At(release, "tender.value.amount").number_value(), 1'000'000);
  EXPECT_EQ(At(release, "tender.value.currency").string_value(), "EUR");
  EXPECT_EQ(At(release, "buyer.id").string_value(), "solideo");
  EXPECT_THAT(Strings(At(Party(release, "solideo"), "roles")), ElementsAre("buyer"));
}

TEST(OcdsReleasePackage, StatusesAndTagsFollowTheOcdsCodelists) {
  struct Case {
    v1::TenderStatus status;
    const char* ocds_status;
    std::vector<std::string> tags;
  };
  const Case cases[] = {
      {v1::TENDER_STATUS_FORECAST, "planned", {"planning"}},
      {v1::TENDER_STATUS_PUBLISHED, "active", {"tender"}},
      {v1::TENDER_STATUS_CLOSED, "active", {"tender"}},
      {v1::TENDER_STATUS_CANCELLED, "cancelled", {"tenderCancellation"}},
  };
  for (const Case& c : cases) {
    v1::Tender notice = Notice("t-1");
    notice.set_status(c.status);
    Value release = At(Parse(OcdsReleasePackage({notice}, Publication())), "releases.0");
    EXPECT_EQ(At(release, "tender.status").string_value(), c.ocds_status) << c.ocds_status;
    EXPECT_EQ(At(release, "tender.lots.0.status").string_value(), c.ocds_status);
    EXPECT_EQ(Strings(At(release, "tag")), c.tags) << c.ocds_status;
  }
  Value awarded =
      At(Parse(OcdsReleasePackage({AwardedNotice("t-1")}, Publication())), "releases.0");
  EXPECT_EQ(At(awarded, "tender.status").string_value(), "complete");
  EXPECT_EQ(At(awarded, "tender.lots.1.status").string_value(), "complete");
  EXPECT_THAT(Strings(At(awarded, "tag")), ElementsAre("tender", "award"));
}

TEST(OcdsReleasePackage, LotsCarryTheirValueCpvItemsReservationAndSocialClause) {
  Value tender = At(Parse(OcdsReleasePackage({Notice("t-1")}, Publication())), "releases.0.tender");
  ASSERT_EQ(At(tender, "lots").list_value().values_size(), 2);

  const Value& open_lot = At(tender, "lots.0");
  EXPECT_EQ(At(open_lot, "id").string_value(), "1");
  EXPECT_EQ(At(open_lot, "title").string_value(), "Curage");
  EXPECT_EQ(At(open_lot, "value.amount").number_value(), 800'000);
  EXPECT_FALSE(Has(open_lot, "suitability"));
  EXPECT_FALSE(Has(open_lot, "otherRequirements"));
  EXPECT_EQ(At(open_lot, "sustainability.0.goal").string_value(),
            "social.disadvantagedEmploymentOpportunities");
  EXPECT_THAT(Strings(At(open_lot, "sustainability.0.strategies")),
              ElementsAre("contractPerformanceConditions"));
  EXPECT_EQ(At(open_lot, "sustainability.1.goal").string_value(), "social");
  EXPECT_THAT(Strings(At(open_lot, "sustainability.1.strategies")), ElementsAre("awardCriteria"));
  EXPECT_EQ(At(open_lot, "sustainability.2.goal").string_value(), "environmental");

  const Value& reserved_lot = At(tender, "lots.1");
  EXPECT_EQ(At(reserved_lot, "value.amount").number_value(), 200'000);
  EXPECT_EQ(At(reserved_lot, "mainProcurementCategory").string_value(), "services");
  EXPECT_TRUE(At(reserved_lot, "suitability.sme").bool_value());
  EXPECT_THAT(Strings(At(reserved_lot, "otherRequirements.reservedParticipation")),
              ElementsAre("shelteredWorkshop"));

  // One item per lot CPV code, classified without its check digit and tied to its lot; the notice's
  // own code is lot 1's, so it adds no item.
  ASSERT_EQ(At(tender, "items").list_value().values_size(), 2);
  EXPECT_EQ(At(tender, "items.1.classification.scheme").string_value(), "CPV");
  EXPECT_EQ(At(tender, "items.1.classification.id").string_value(), "90510000");
  EXPECT_EQ(At(tender, "items.1.relatedLot").string_value(), "2");

  // The notice's themes as sustainability goals.
  EXPECT_EQ(At(tender, "sustainability.0.goal").string_value(), "environmental.wasteReduction");
  EXPECT_EQ(At(tender, "sustainability.1.goal").string_value(),
            "social.disadvantagedEmploymentOpportunities");
}

TEST(OcdsReleasePackage, ALotWithNoSocialClauseNorSocialOrEnvironmentalCriteriaClaimsNoGoal) {
  v1::Tender notice = Notice("t-1");
  v1::Lot* lot = notice.mutable_lots(1);
  lot->set_insertion_hours_required(0);
  lot->mutable_award_criteria()->set_price(70);
  lot->mutable_award_criteria()->set_social(0);
  lot->mutable_award_criteria()->set_environmental(0);
  Value tender = At(Parse(OcdsReleasePackage({notice}, Publication())), "releases.0.tender");
  EXPECT_FALSE(Has(At(tender, "lots.1"), "sustainability"));
  EXPECT_FALSE(Has(At(tender, "lots.1"), "hasSustainability"));
  EXPECT_TRUE(At(tender, "lots.0.hasSustainability").bool_value());
}

TEST(OcdsReleasePackage, DisabilityAndSseReservationsMapToTheirReservedParticipationCodes) {
  v1::Tender notice = Notice("t-1");
  notice.mutable_lots(0)->set_reservation(v1::RESERVATION_EA_ESAT);
  notice.mutable_lots(1)->set_reservation(v1::RESERVATION_SSE);
  Value tender = At(Parse(OcdsReleasePackage({notice}, Publication())), "releases.0.tender");
  EXPECT_THAT(Strings(At(tender, "lots.0.otherRequirements.reservedParticipation")),
              ElementsAre("shelteredWorkshop"));
  EXPECT_THAT(Strings(At(tender, "lots.1.otherRequirements.reservedParticipation")),
              ElementsAre("publicServiceMissionOrganization"));
  EXPECT_TRUE(At(tender, "lots.0.suitability.sme").bool_value());
  EXPECT_TRUE(At(tender, "lots.1.suitability.sme").bool_value());
}

TEST(OcdsReleasePackage, AwardSuppliersResolveToSupplierPartiesWithTheirScale) {
  OcdsPublication publication = Publication();
  publication.names["structures/" + std::string(kLeadSiret)] = "Régie de quartier Saint-Denis";
  publication.names["buyers/solideo"] = "SOLIDEO";
  Value release = At(Parse(OcdsReleasePackage({AwardedNotice("t-1")}, publication)), "releases.0");
  ASSERT_EQ(At(release, "awards").list_value().values_size(), 2);

  const Value& consortium = At(release, "awards.0");
  EXPECT_EQ(At(consortium, "id").string_value(), "t-1-lot-1");
  EXPECT_EQ(At(consortium, "status").string_value(), "active");
  EXPECT_EQ(At(consortium, "date").string_value(), "2029-09-15T00:00:00Z");
  EXPECT_EQ(At(consortium, "value.amount").number_value(), 750'000);
  EXPECT_THAT(Strings(At(consortium, "relatedLots")), ElementsAre("1"));
  ASSERT_EQ(At(consortium, "suppliers").list_value().values_size(), 2);
  EXPECT_EQ(At(consortium, "suppliers.0.name").string_value(), "Régie de quartier Saint-Denis");
  EXPECT_EQ(At(Party(release, "FR-RCS-73282932000074"), "identifier.legalName").string_value(),
            "Régie de quartier Saint-Denis");
  // A supplier the registry did not name is named by its SIRET, with no legal name made up.
  EXPECT_EQ(At(consortium, "suppliers.1.name").string_value(), kMemberSiret);
  EXPECT_FALSE(Has(At(Party(release, "FR-RCS-35600000000048"), "identifier"), "legalName"));

  std::vector<std::string> scales;
  for (const char* award : {"awards.0", "awards.1"}) {
    for (const Value& supplier :
         At(release, std::string(award) + ".suppliers").list_value().values()) {
      const Value& party = Party(release, At(supplier, "id").string_value());
      EXPECT_THAT(Strings(At(party, "roles")), ElementsAre("supplier"));
      EXPECT_EQ(At(party, "identifier.scheme").string_value(), "FR-RCS");
      EXPECT_EQ("FR-RCS-" + At(party, "identifier.id").string_value(),
                At(supplier, "id").string_value());
      scales.push_back(At(party, "details.scale").string_value());
    }
  }
  EXPECT_THAT(scales, ElementsAre("micro", "large", "sme"));
  EXPECT_EQ(At(release, "buyer.name").string_value(), "SOLIDEO");
  // The buyer and three suppliers, each once.
  EXPECT_EQ(At(release, "parties").list_value().values_size(), 4);
}

TEST(OcdsReleasePackage, ASupplierHoldingSeveralLotsIsOnePartyReferencedByEachAward) {
  v1::Tender notice = AwardedNotice("t-1");
  v1::Award* second = notice.mutable_lots(1)->mutable_award();
  second->set_structure(std::string("structures/") + kLeadSiret);
  second->mutable_shares(0)->set_siret(kLeadSiret);
  Value release = At(Parse(OcdsReleasePackage({notice}, Publication())), "releases.0");
  EXPECT_EQ(At(release, "parties").list_value().values_size(), 3);
  EXPECT_EQ(At(release, "awards.1.suppliers.0.id").string_value(),
            At(release, "awards.0.suppliers.0.id").string_value());
}

TEST(OcdsReleasePackage, ANoticeWithNoAwardHasNoAwardsAndNoSupplierParty) {
  std::string json = OcdsReleasePackage({Notice("t-1")}, Publication());
  Value release = At(Parse(json), "releases.0");
  EXPECT_FALSE(Has(release, "awards"));
  EXPECT_EQ(At(release, "parties").list_value().values_size(), 1);
  EXPECT_THAT(json, Not(HasSubstr("supplier")));
}

TEST(OcdsReleasePackage, AmountsAreWrittenAsExactDecimals) {
  v1::Tender notice = AwardedNotice("t-1");
  notice.mutable_lots(0)->set_estimated_amount_cents(123'456'789'012'345);
  notice.mutable_lots(1)->set_estimated_amount_cents(std::numeric_limits<int64_t>::max());
  std::string json = OcdsReleasePackage({notice}, Publication());
  EXPECT_THAT(json, HasSubstr("\"amount\": 1234567890123.45,"));
  EXPECT_THAT(json, HasSubstr("\"amount\": 92233720368547758.07,"));
  EXPECT_THAT(json, HasSubstr("\"amount\": 195000.5,"));  // lot 2's award
  EXPECT_THAT(json, HasSubstr("\"amount\": 1000000,"));   // the notice, whole euros
}

TEST(OcdsReleasePackage, OutputIsTheSameWhateverTheOrderNoticesCameIn) {
  std::vector<v1::Tender> notices = {Notice("t-2"), AwardedNotice("t-3"), Notice("t-1")};
  const std::string first = OcdsReleasePackage(notices, Publication());
  std::reverse(notices.begin(), notices.end());
  EXPECT_EQ(OcdsReleasePackage(notices, Publication()), first);
  Value package = Parse(first);
  EXPECT_EQ(At(package, "releases.0.ocid").string_value(), "ocds-test01-t-1");
  EXPECT_EQ(At(package, "releases.2.ocid").string_value(), "ocds-test01-t-3");
  // Members in a fixed order too: a release starts with its ocid and id.
  EXPECT_LT(first.find("\"ocid\""), first.find("\"id\": \"t-1-solideo-7\""));
}

TEST(OcdsReleasePackage, TextIsEscapedAsJson) {
  v1::Tender notice = Notice("t-1");
  notice.set_title("Lot \"A\"\\B\n\x01 é");
  Value release = At(Parse(OcdsReleasePackage({notice}, Publication())), "releases.0");
  EXPECT_EQ(At(release, "tender.title").string_value(), "Lot \"A\"\\B\n\x01 é");
}

}  // namespace
}  // namespace passerelle::cli
