#ifndef PASSERELLE_TESTS_TENDER_SAMPLE_TENDERS_H_
#define PASSERELLE_TESTS_TENDER_SAMPLE_TENDERS_H_

// Valid sample notices and structures for the tender tests, built on the registry's samples.

#include <string>

#include "google/protobuf/util/time_util.h"
#include "passerelle/v1/tender.pb.h"
#include "tests/support/registry_client.h"

namespace passerelle::testing {

// A forecast notice of buyer `buyer_id` in Seine-Saint-Denis (93): two lots, lot 2 reserved to
// SIAE, construction sector 45210000-2, themes construction waste and insertion, deadline in 2030.
inline v1::Tender SampleTender(const std::string& tender_id,
                               const std::string& buyer_id = "solideo") {
  v1::Tender t;
  t.set_tender_id(tender_id);
  t.set_buyer("buyers/" + buyer_id);
  t.set_title("Déconstruction du village des médias");
  t.set_description("Déconstruction sélective et réemploi des matériaux");
  t.add_cpv_codes("45210000-2");
  t.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  t.add_themes(v1::THEME_INSERTION_EMPLOYMENT);
  t.add_departments("93");
  t.set_procedure(v1::PROCEDURE_OPEN);
  t.set_forecast_publish_date("2029-03-04");
  *t.mutable_answer_deadline() =
      google::protobuf::util::TimeUtil::MillisecondsToTimestamp(1900000000000);  // 2030
  for (int n : {1, 2}) {
    v1::Lot* lot = t.add_lots();
    lot->set_lot_number(n);
    lot->set_title(n == 1 ? "Curage" : "Tri et réemploi");
    lot->set_estimated_amount_cents(n == 1 ? 80'000'000 : 20'000'000);
    lot->add_cpv_codes("45210000-2");
    lot->set_reservation(n == 1 ? v1::RESERVATION_NONE : v1::RESERVATION_SIAE);
    lot->set_insertion_hours_required(n == 1 ? 1500 : 800);
    lot->mutable_award_criteria()->set_price(40);
    lot->mutable_award_criteria()->set_quality(30);
    lot->mutable_award_criteria()->set_social(20);
    lot->mutable_award_criteria()->set_environmental(10);
  }
  return t;
}

// A buyer that may publish notices.
inline v1::Buyer SampleBuyer(const std::string& buyer_id = "solideo") {
  v1::Buyer buyer;
  buyer.set_buyer_id(buyer_id);
  buyer.set_display_name(buyer_id);
  buyer.set_kind(v1::BUYER_KIND_DELIVERY_COMPANY);
  return buyer;
}

// A structure that matches SampleTender: an ACI (SIAE) in 93 working in sector 4521.
inline v1::Structure MatchingStructure(const std::string& siret,
                                       v1::InclusionKind kind = v1::INCLUSION_KIND_ACI) {
  v1::Structure s = MinimalStructure(siret, "Chantier d'insertion du 93");
  s.set_inclusion_kind(kind);
  s.add_cpv_prefixes("4521");
  s.add_departments("93");
  s.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  s.set_max_contract_cents(30'000'000);
  return s;
}

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_TENDER_SAMPLE_TENDERS_H_
