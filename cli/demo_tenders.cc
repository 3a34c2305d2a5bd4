#include "cli/demo_tenders.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/util/time_util.h"
#include "tender_svc/rules.h"

namespace passerelle::cli {
namespace {

// Per theme: the sectors its notices are in (first digits of CPV codes, padded with zeros to 8) and
// what the lots are about. The sectors are those the demo structures of the theme work in.
struct ThemeNotices {
  v1::Theme theme;
  std::vector<const char*> sectors;
  const char* subject;
  std::vector<const char*> lots;
};

const std::vector<ThemeNotices>& Notices() {
  static const auto* const kNotices = new std::vector<ThemeNotices>{
      {v1::THEME_INSERTION_EMPLOYMENT,
       {"4544", "9091", "7731", "45"},
       "Entretien et second œuvre du site",
       {"Peinture et revêtements", "Nettoyage des locaux", "Espaces verts"}},
      {v1::THEME_CONSTRUCTION_WASTE,
       {"905", "9051", "45111"},
       "Déconstruction et réemploi",
       {"Curage", "Tri des déchets de chantier", "Réemploi des matériaux"}},
      {v1::THEME_GREEN_MOBILITY,
       {"601", "64120", "5011"},
       "Mobilité décarbonée",
       {"Navettes électriques", "Logistique à vélo", "Maintenance de la flotte"}},
      {v1::THEME_TEMPORARY_USE,
       {"7031", "9231", "7995"},
       "Occupation temporaire des sites",
       {"Animation culturelle", "Aménagement éphémère", "Gestion des espaces"}},
      {v1::THEME_ENERGY_EFFICIENCY,
       {"0931", "4532", "45331", "7131"},
       "Performance énergétique",
       {"Isolation", "Chauffage et ventilation", "Études thermiques"}},
      {v1::THEME_LOCAL_AGRICULTURE,
       {"031", "1530", "7711"},
       "Approvisionnement local",
       {"Fruits et légumes", "Produits laitiers", "Végétalisation"}},
      {v1::THEME_SOLIDARITY_CATERING,
       {"553", "5552", "55520"},
       "Restauration des sites",
       {"Restauration des équipes", "Traiteur des événements", "Buvettes"}},
      {v1::THEME_ACCESSIBILITY_DISABILITY,
       {"853", "7953", "805"},
       "Accessibilité et accueil",
       {"Accueil des publics", "Interprétariat LSF", "Formation des équipes"}},
      {v1::THEME_SOLIDARITY_TOURISM,
       {"635", "6351", "551"},
       "Accueil des visiteurs",
       {"Hébergement", "Visites guidées", "Information touristique"}},
      {v1::THEME_EQUIPMENT_SECURITY,
       {"797", "7971", "351"},
       "Sécurité et équipements",
       {"Gardiennage", "Contrôle d'accès", "Matériel de sécurité"}},
  };
  return *kNotices;
}

constexpr const char* kDepartments[] = {"93", "93", "93", "75", "75", "92",
                                        "94", "95", "91", "78", "77"};

std::string CpvCode(const std::string& sector) {
  std::string digits = sector;
  digits.resize(8, '0');
  return absl::StrCat(digits, "-", tender::CpvCheckDigit(digits));
}

}  // namespace

TenderGenerator::TenderGenerator(uint64_t seed, std::vector<std::string> buyers,
                                 std::string id_prefix)
    : rng_(seed), buyers_(std::move(buyers)), id_prefix_(std::move(id_prefix)) {}

v1::Tender TenderGenerator::Next() {
  auto pick = [this](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); };
  const ThemeNotices& notices = Notices()[pick(Notices().size())];
  ++index_;
  v1::Tender t;
  t.set_tender_id(absl::StrFormat("%s-%05d", id_prefix_, index_));
  t.set_buyer(absl::StrCat("buyers/", buyers_[index_ % buyers_.size()]));
  const std::string department = kDepartments[pick(std::size(kDepartments))];
  t.set_title(absl::StrCat(notices.subject, " (", department, ")"));
  t.set_description(absl::StrCat(notices.subject,
                                 " : marché de l'événement ouvert aux structures de l'ESS, "
                                 "allotissement en trois lots."));
  t.add_themes(notices.theme);
  if (pick(3) == 0) t.add_themes(v1::THEME_INSERTION_EMPLOYMENT);
  if (t.themes_size() == 2 && t.themes(0) == t.themes(1)) t.mutable_themes()->RemoveLast();
  t.add_departments(department);
  t.set_procedure(pick(2) == 0 ? v1::PROCEDURE_OPEN : v1::PROCEDURE_ADAPTED);
  // Forecast in 2029, one notice per day or so; answers within 30 to 90 days of it.
  const int64_t day = 1861920000 + static_cast<int64_t>(index_ % 365) * 86400;  // from 2029-01-01
  t.set_forecast_publish_date(
      absl::FormatTime("%Y-%m-%d", absl::FromUnixSeconds(day), absl::UTCTimeZone()));
  *t.mutable_answer_deadline() = google::protobuf::util::TimeUtil::SecondsToTimestamp(
      day + (30 + static_cast<int64_t>(pick(61))) * 86400);
  const std::string main_code = CpvCode(notices.sectors[pick(notices.sectors.size())]);
  t.add_cpv_codes(main_code);
  for (int n = 1; n <= 3; ++n) {
    v1::Lot* lot = t.add_lots();
    lot->set_lot_number(n);
    lot->set_title(notices.lots[n - 1]);
    lot->set_estimated_amount_cents(static_cast<int64_t>(2 + pick(150)) *
                                    1'000'000);  // 20 k€ to 1.5 M€
    lot->add_cpv_codes(n == 1 ? main_code : CpvCode(notices.sectors[pick(notices.sectors.size())]));
    const size_t r = pick(10);
    lot->set_reservation(n != 3 || r >= 4 ? v1::RESERVATION_NONE
                         : r < 2          ? v1::RESERVATION_SIAE
                         : r < 3          ? v1::RESERVATION_EA_ESAT
                                          : v1::RESERVATION_SSE);
    lot->set_insertion_hours_required(static_cast<int64_t>(pick(20)) * 100);
    v1::AwardCriteria* c = lot->mutable_award_criteria();
    c->set_price(40);
    c->set_quality(30);
    c->set_social(static_cast<int32_t>(10 + pick(11)));
    c->set_environmental(30 - c->social());
  }
  return t;
}

}  // namespace passerelle::cli
