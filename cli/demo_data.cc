#include "cli/demo_data.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "cli/demo_draw.h"
#include "registry_svc/siret.h"

namespace passerelle::cli {
namespace {

using v1::InclusionKind;
using v1::LegalForm;
using v1::SseStatus;
using v1::Structure;
using v1::Theme;

// SIRENs come from a bijection of [0, kSirenSpan) onto the 8-digit numbers that do not start with
// 0, so structures of one generator never share a SIREN.
constexpr uint64_t kSirenSpan = 90'000'000;
constexpr uint64_t kSirenMultiplier =
    61'803'397;  // coprime with kSirenSpan (not divisible by 2, 3 or 5)
constexpr absl::string_view kLaPosteSiren8 = "35600000";

struct Place {
  absl::string_view department;
  absl::string_view name;
};

// Home departments: the programme's activity concentrated in Seine-Saint-Denis, Paris and the inner
// ring.
constexpr Weighted<absl::string_view> kDepartments[] = {
    {"93", 30}, {"75", 22}, {"92", 13}, {"94", 13}, {"95", 7}, {"91", 6}, {"78", 5}, {"77", 4},
};

constexpr Place kPlaces[] = {
    {"75", "Paris"},
    {"75", "Paris 10e"},
    {"75", "Paris 11e"},
    {"75", "Paris 13e"},
    {"75", "Paris 18e"},
    {"75", "Paris 19e"},
    {"75", "Paris 20e"},
    {"77", "Meaux"},
    {"77", "Melun"},
    {"77", "Chelles"},
    {"77", "Torcy"},
    {"77", "Pontault-Combault"},
    {"78", "Versailles"},
    {"78", "Mantes-la-Jolie"},
    {"78", "Les Mureaux"},
    {"78", "Trappes"},
    {"78", "Poissy"},
    {"91", "Évry-Courcouronnes"},
    {"91", "Corbeil-Essonnes"},
    {"91", "Massy"},
    {"91", "Grigny"},
    {"91", "Les Ulis"},
    {"92", "Nanterre"},
    {"92", "Gennevilliers"},
    {"92", "Colombes"},
    {"92", "Boulogne-Billancourt"},
    {"92", "Clichy"},
    {"92", "Bagneux"},
    {"93", "Saint-Denis"},
    {"93", "Montreuil"},
    {"93", "Aubervilliers"},
    {"93", "Bobigny"},
    {"93", "Pantin"},
    {"93", "Bondy"},
    {"93", "Sevran"},
    {"93", "Clichy-sous-Bois"},
    {"93", "Noisy-le-Sec"},
    {"93", "Aulnay-sous-Bois"},
    {"93", "La Courneuve"},
    {"93", "L'Île-Saint-Denis"},
    {"93", "Saint-Ouen-sur-Seine"},
    {"93", "Stains"},
    {"93", "Le Blanc-Mesnil"},
    {"93", "Épinay-sur-Seine"},
    {"94", "Vitry-sur-Seine"},
    {"94", "Ivry-sur-Seine"},
    {"94", "Créteil"},
    {"94", "Champigny-sur-Marne"},
    {"94", "Villejuif"},
    {"94", "Fontenay-sous-Bois"},
    {"94", "Orly"},
    {"95", "Argenteuil"},
    {"95", "Cergy"},
    {"95", "Sarcelles"},
    {"95", "Garges-lès-Gonesse"},
    {"95", "Gonesse"},
    {"95", "Villiers-le-Bel"},
};

constexpr Weighted<LegalForm> kLegalForms[] = {
    {v1::LEGAL_FORM_ASSOCIATION, 48},  {v1::LEGAL_FORM_SCOP, 9},
    {v1::LEGAL_FORM_SCIC, 6},          {v1::LEGAL_FORM_OTHER_COOPERATIVE, 3},
    {v1::LEGAL_FORM_MUTUAL, 2},        {v1::LEGAL_FORM_FOUNDATION, 2},
    {v1::LEGAL_FORM_ESUS_COMPANY, 12}, {v1::LEGAL_FORM_COMMERCIAL_COMPANY, 18},
};

// Inclusion kinds a legal form plausibly carries: ACI, AI and GEIQ are associations; EI and ETTI
// companies.
absl::Span<const Weighted<InclusionKind>> InclusionKindsFor(LegalForm form) {
  static constexpr Weighted<InclusionKind> kAssociation[] = {
      {v1::INCLUSION_KIND_NONE, 58}, {v1::INCLUSION_KIND_ACI, 16}, {v1::INCLUSION_KIND_AI, 8},
      {v1::INCLUSION_KIND_ESAT, 7},  {v1::INCLUSION_KIND_GEIQ, 5}, {v1::INCLUSION_KIND_EA, 4},
      {v1::INCLUSION_KIND_EI, 2},
  };
  static constexpr Weighted<InclusionKind> kCooperative[] = {
      {v1::INCLUSION_KIND_NONE, 82},
      {v1::INCLUSION_KIND_EI, 11},
      {v1::INCLUSION_KIND_EA, 4},
      {v1::INCLUSION_KIND_ETTI, 3},
  };
  static constexpr Weighted<InclusionKind> kMutualOrFoundation[] = {
      {v1::INCLUSION_KIND_NONE, 80},
      {v1::INCLUSION_KIND_ESAT, 12},
      {v1::INCLUSION_KIND_EA, 8},
  };
  static constexpr Weighted<InclusionKind> kEsusCompany[] = {
      {v1::INCLUSION_KIND_NONE, 40}, {v1::INCLUSION_KIND_EI, 30},  {v1::INCLUSION_KIND_ETTI, 12},
      {v1::INCLUSION_KIND_EA, 12},   {v1::INCLUSION_KIND_EITI, 6},
  };
  static constexpr Weighted<InclusionKind> kCommercial[] = {
      {v1::INCLUSION_KIND_NONE, 90},
      {v1::INCLUSION_KIND_EI, 4},
      {v1::INCLUSION_KIND_EA, 4},
      {v1::INCLUSION_KIND_ETTI, 2},
  };
  switch (form) {
    case v1::LEGAL_FORM_ASSOCIATION:
      return kAssociation;
    case v1::LEGAL_FORM_SCOP:
    case v1::LEGAL_FORM_SCIC:
    case v1::LEGAL_FORM_OTHER_COOPERATIVE:
      return kCooperative;
    case v1::LEGAL_FORM_MUTUAL:
    case v1::LEGAL_FORM_FOUNDATION:
      return kMutualOrFoundation;
    case v1::LEGAL_FORM_ESUS_COMPANY:
      return kEsusCompany;
    default:
      return kCommercial;
  }
}

struct HeadcountRange {
  int min;
  int max;
};

// Size-class weights (TPE, PME, large) for structures without an inclusion kind, by legal form.
struct SizeMix {
  int tpe;
  int pme;
  int large;
};

SizeMix SizeMixFor(LegalForm form) {
  switch (form) {
    case v1::LEGAL_FORM_ASSOCIATION:
      return {60, 39, 1};
    case v1::LEGAL_FORM_SCOP:
    case v1::LEGAL_FORM_SCIC:
      return {50, 49, 1};
    case v1::LEGAL_FORM_OTHER_COOPERATIVE:
      return {40, 55, 5};
    case v1::LEGAL_FORM_MUTUAL:
      return {10, 70, 20};
    case v1::LEGAL_FORM_FOUNDATION:
      return {20, 70, 10};
    case v1::LEGAL_FORM_ESUS_COMPANY:
      return {55, 45, 0};
    default:
      return {60, 38, 2};
  }
}

// Typical staff of an inclusion structure, insertion employees included.
HeadcountRange HeadcountFor(InclusionKind kind) {
  switch (kind) {
    case v1::INCLUSION_KIND_ACI:
      return {8, 60};
    case v1::INCLUSION_KIND_AI:
      return {3, 40};
    case v1::INCLUSION_KIND_EI:
      return {5, 80};
    case v1::INCLUSION_KIND_ETTI:
      return {3, 30};
    case v1::INCLUSION_KIND_EITI:
      return {2, 15};
    case v1::INCLUSION_KIND_EA:
      return {10, 150};
    case v1::INCLUSION_KIND_ESAT:
      return {30, 150};
    case v1::INCLUSION_KIND_GEIQ:
      return {2, 20};
    default:
      return {1, 9};
  }
}

// Annual turnover per head in euros: inclusion structures sell less per head than ordinary firms.
HeadcountRange TurnoverPerHeadFor(InclusionKind kind, LegalForm form) {
  switch (kind) {
    case v1::INCLUSION_KIND_ACI:
    case v1::INCLUSION_KIND_ESAT:
      return {20'000, 45'000};
    case v1::INCLUSION_KIND_AI:
    case v1::INCLUSION_KIND_GEIQ:
    case v1::INCLUSION_KIND_EA:
    case v1::INCLUSION_KIND_EI:
    case v1::INCLUSION_KIND_ETTI:
    case v1::INCLUSION_KIND_EITI:
      return {40'000, 80'000};
    default:
      return form == v1::LEGAL_FORM_COMMERCIAL_COMPANY ? HeadcountRange{70'000, 190'000}
                                                       : HeadcountRange{45'000, 120'000};
  }
}

absl::Span<const Weighted<Theme>> ThemesFor(InclusionKind kind) {
  static constexpr Weighted<Theme> kAci[] = {
      {v1::THEME_INSERTION_EMPLOYMENT, 40}, {v1::THEME_LOCAL_AGRICULTURE, 20},
      {v1::THEME_CONSTRUCTION_WASTE, 15},   {v1::THEME_SOLIDARITY_CATERING, 10},
      {v1::THEME_GREEN_MOBILITY, 5},        {v1::THEME_SOLIDARITY_TOURISM, 5},
      {v1::THEME_TEMPORARY_USE, 5},
  };
  static constexpr Weighted<Theme> kWorkProvision[] = {
      // AI, ETTI, GEIQ
      {v1::THEME_INSERTION_EMPLOYMENT, 75},
      {v1::THEME_EQUIPMENT_SECURITY, 10},
      {v1::THEME_CONSTRUCTION_WASTE, 8},
      {v1::THEME_ENERGY_EFFICIENCY, 7},
  };
  static constexpr Weighted<Theme> kEnterprise[] = {
      // EI, EITI
      {v1::THEME_INSERTION_EMPLOYMENT, 35}, {v1::THEME_CONSTRUCTION_WASTE, 20},
      {v1::THEME_ENERGY_EFFICIENCY, 10},    {v1::THEME_SOLIDARITY_CATERING, 10},
      {v1::THEME_GREEN_MOBILITY, 15},       {v1::THEME_EQUIPMENT_SECURITY, 10},
  };
  static constexpr Weighted<Theme> kDisability[] = {
      // EA, ESAT
      {v1::THEME_ACCESSIBILITY_DISABILITY, 50},
      {v1::THEME_LOCAL_AGRICULTURE, 12},
      {v1::THEME_SOLIDARITY_CATERING, 15},
      {v1::THEME_EQUIPMENT_SECURITY, 10},
      {v1::THEME_GREEN_MOBILITY, 5},
      {v1::THEME_SOLIDARITY_TOURISM, 8},
  };
  static constexpr Weighted<Theme> kAny[] = {
      {v1::THEME_INSERTION_EMPLOYMENT, 8}, {v1::THEME_CONSTRUCTION_WASTE, 12},
      {v1::THEME_GREEN_MOBILITY, 12},      {v1::THEME_TEMPORARY_USE, 10},
      {v1::THEME_ENERGY_EFFICIENCY, 14},   {v1::THEME_LOCAL_AGRICULTURE, 12},
      {v1::THEME_SOLIDARITY_CATERING, 12}, {v1::THEME_ACCESSIBILITY_DISABILITY, 6},
      {v1::THEME_SOLIDARITY_TOURISM, 8},   {v1::THEME_EQUIPMENT_SECURITY, 6},
  };
  switch (kind) {
    case v1::INCLUSION_KIND_ACI:
      return kAci;
    case v1::INCLUSION_KIND_AI:
    case v1::INCLUSION_KIND_ETTI:
    case v1::INCLUSION_KIND_GEIQ:
      return kWorkProvision;
    case v1::INCLUSION_KIND_EI:
    case v1::INCLUSION_KIND_EITI:
      return kEnterprise;
    case v1::INCLUSION_KIND_EA:
    case v1::INCLUSION_KIND_ESAT:
      return kDisability;
    default:
      return kAny;
  }
}

struct SolutionText {
  absl::string_view title;
  absl::string_view description;
};

// What a theme looks like in names, CPV sectors, certifications, descriptions and solutions. Name
// patterns hold "{de}" (the place with its preposition, "de Montreuil") or "{place}".
struct ThemeProfile {
  Theme theme;
  std::vector<absl::string_view> names;
  std::vector<absl::string_view> cpv_prefixes;
  std::vector<absl::string_view> certifications;
  absl::string_view activity;  // completes "spécialisée dans ..."
  std::vector<SolutionText> solutions;
};

const std::vector<ThemeProfile>& ThemeProfiles() {
  static const auto* const kProfiles = new std::vector<ThemeProfile>{
      {v1::THEME_INSERTION_EMPLOYMENT,
       {"Régie de quartier {de}", "Tremplin {place}", "Chantier école {de}",
        "Atelier d'insertion {de}", "Passerelles pour l'emploi {de}", "Coup de pouce {place}"},
       {"45", "4544", "9091", "7731", "79620", "98"},
       {"Qualibat", "Qualiopi"},
       "les travaux de second œuvre et l'entretien des espaces publics",
       {{"Chantiers d'insertion sur les sites",
         "Équipes encadrées de salariés en insertion pour le second œuvre et les espaces verts."},
        {"Parcours vers l'emploi durable",
         "Accompagnement et formation des salariés jusqu'à un emploi pérenne."}}},
      {v1::THEME_CONSTRUCTION_WASTE,
       {"Ressourcerie {de}", "Recyclerie {de}", "Matériaux solidaires {de}",
        "Bâti-Réemploi {place}", "La Fabrique du réemploi {de}"},
       {"90", "905", "9051", "45111", "9052"},
       {"MASE", "ISO 14001", "Qualirecycle BTP"},
       "la collecte, le tri et le réemploi des matériaux de chantier",
       {{"Réemploi des matériaux de chantier",
         "Dépose soignée, tri et revente des matériaux réutilisables issus des chantiers."},
        {"Tri des déchets de chantier",
         "Collecte séparée des déchets du BTP, tracée jusqu'aux filières de valorisation."}}},
      {v1::THEME_GREEN_MOBILITY,
       {"Atelier vélo {de}", "Coursiers solidaires {de}", "Vélo-école {de}", "Roue libre {place}",
        "Mobilités partagées {de}"},
       {"60", "601", "64120", "5011", "3443"},
       {"Label Vélo Qualité"},
       "la logistique urbaine à vélo et la réparation de cycles",
       {{"Livraisons du dernier kilomètre à vélo",
         "Tournées en vélos cargos pour livrer les sites sans émissions."},
        {"Flotte de vélos pour les équipes",
         "Mise à disposition et entretien de vélos de service pour le personnel."}}},
      {v1::THEME_TEMPORARY_USE,
       {"La Friche {de}", "Tiers-lieu {de}", "Les Ateliers éphémères {de}", "La Halle {de}",
        "Le Hangar {place}"},
       {"70", "7031", "92", "9231", "7995"},
       {},
       "l'occupation temporaire de friches et de bâtiments vacants",
       {{"Occupation transitoire de sites",
         "Animation de lieux vacants avant travaux, avec des activités ouvertes aux riverains."},
        {"Aménagement éphémère",
         "Conception et montage d'espaces temporaires en matériaux de réemploi."}}},
      {v1::THEME_ENERGY_EFFICIENCY,
       {"Énergies citoyennes {de}", "Rénov'Solidaire {place}", "Habitat solidaire {de}",
        "Les Compagnons de la rénovation {de}"},
       {"09", "0931", "4532", "45331", "71", "7131"},
       {"RGE Qualibat", "Qualibat", "Qualit'EnR"},
       "la rénovation énergétique des logements et des équipements publics",
       {{"Rénovation thermique accompagnée",
         "Isolation et remplacement des équipements par des équipes formées aux travaux RGE."},
        {"Audit énergétique des bâtiments",
         "Mesures et plan d'action pour réduire la consommation des équipements publics."}}},
      {v1::THEME_LOCAL_AGRICULTURE,
       {"Les Jardins {de}", "Ferme urbaine {de}", "Le Potager {de}", "Les Paniers {de}",
        "Cultures en ville {place}"},
       {"03", "031", "15", "1530", "7731", "7711"},
       {"Agriculture biologique (Ecocert)", "HVE"},
       "le maraîchage biologique et les circuits courts",
       {{"Paniers de légumes locaux",
         "Production maraîchère francilienne livrée en circuit court."},
        {"Végétalisation des sites",
         "Création et entretien de jardins et de toitures cultivées."}}},
      {v1::THEME_SOLIDARITY_CATERING,
       {"Traiteur solidaire {de}", "La Table {de}", "Cuisine partagée {de}", "Les Marmites {de}",
        "Le Comptoir solidaire {de}"},
       {"55", "553", "5552", "55520", "15"},
       {"Ecocert En Cuisine", "HACCP"},
       "la restauration collective et le traiteur événementiel",
       {{"Restauration des équipes",
         "Repas de saison préparés par une cuisine d'insertion pour les chantiers et les sites."},
        {"Traiteur événementiel solidaire",
         "Buffets et cocktails à base de produits locaux pour les événements."}}},
      {v1::THEME_ACCESSIBILITY_DISABILITY,
       {"Atelier adapté {de}", "Accès pour tous {place}", "Les Ateliers {de}",
        "Handi-Services {place}"},
       {"85", "853", "7953", "80", "805", "45"},
       {"ISO 9001", "Qualiopi"},
       "l'accessibilité des lieux et des services aux personnes en situation de handicap",
       {{"Diagnostic d'accessibilité",
         "Audit des parcours et des équipements pour les visiteurs en situation de handicap."},
        {"Accueil adapté",
         "Agents formés à l'accueil des publics en situation de handicap sur les sites."}}},
      {v1::THEME_SOLIDARITY_TOURISM,
       {"Balades urbaines {de}", "Auberge solidaire {de}", "Accueil et découverte {de}",
        "Les Greeters {de}"},
       {"63", "635", "6351", "55", "551", "92"},
       {"Qualité Tourisme"},
       "l'accueil des visiteurs et les balades urbaines solidaires",
       {{"Balades urbaines guidées",
         "Découverte des quartiers par des habitants formés à l'accueil des visiteurs."},
        {"Hébergement solidaire",
         "Chambres et accueil de groupes dans des lieux gérés par des structures de l'ESS."}}},
      {v1::THEME_EQUIPMENT_SECURITY,
       {"Sécurité solidaire {place}", "Vigie {place}", "Maintenance et services {de}",
        "Gardiens {de}"},
       {"79", "797", "7971", "35", "351", "50"},
       {"APSAD", "Autorisation CNAPS"},
       "la sécurité, le gardiennage et la maintenance des équipements",
       {{"Gardiennage de sites",
         "Agents de sécurité recrutés et formés localement pour la surveillance des chantiers."},
        {"Maintenance des équipements",
         "Entretien préventif et réparation des équipements de sécurité."}}},
  };
  return *kProfiles;
}

const ThemeProfile& ProfileOf(Theme theme) {
  for (const ThemeProfile& profile : ThemeProfiles()) {
    if (profile.theme == theme) return profile;
  }
  return ThemeProfiles().front();
}

bool StartsWithVowel(absl::string_view word) {
  for (absl::string_view vowel : {"A", "E", "I", "O", "U", "É", "Î", "È"}) {
    if (absl::StartsWith(word, vowel)) return true;
  }
  return false;
}

// "de Montreuil", "d'Aubervilliers", "du Blanc-Mesnil", "des Ulis", "de La Courneuve".
std::string DeForm(absl::string_view place) {
  if (absl::StartsWith(place, "Le ")) return absl::StrCat("du ", place.substr(3));
  if (absl::StartsWith(place, "Les ")) return absl::StrCat("des ", place.substr(4));
  if (StartsWithVowel(place)) return absl::StrCat("d'", place);
  return absl::StrCat("de ", place);
}

// "à Montreuil", "au Blanc-Mesnil", "aux Ulis".
std::string AForm(absl::string_view place) {
  if (absl::StartsWith(place, "Le ")) return absl::StrCat("au ", place.substr(3));
  if (absl::StartsWith(place, "Les ")) return absl::StrCat("aux ", place.substr(4));
  return absl::StrCat("à ", place);
}

// The name as a domain label: lower-case ASCII words joined by '-'.
std::string Slug(absl::string_view name) {
  std::string ascii = absl::StrReplaceAll(name, {{"é", "e"},
                                                 {"è", "e"},
                                                 {"ê", "e"},
                                                 {"ë", "e"},
                                                 {"É", "e"},
                                                 {"à", "a"},
                                                 {"â", "a"},
                                                 {"î", "i"},
                                                 {"ï", "i"},
                                                 {"Î", "i"},
                                                 {"ô", "o"},
                                                 {"ù", "u"},
                                                 {"û", "u"},
                                                 {"ç", "c"},
                                                 {"œ", "oe"}});
  std::string slug;
  for (char c : ascii) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      slug.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

absl::string_view LegalFormNoun(LegalForm form) {
  switch (form) {
    case v1::LEGAL_FORM_ASSOCIATION:
      return "Association";
    case v1::LEGAL_FORM_SCOP:
      return "Société coopérative et participative";
    case v1::LEGAL_FORM_SCIC:
      return "Société coopérative d'intérêt collectif";
    case v1::LEGAL_FORM_OTHER_COOPERATIVE:
      return "Coopérative";
    case v1::LEGAL_FORM_MUTUAL:
      return "Mutuelle";
    case v1::LEGAL_FORM_FOUNDATION:
      return "Fondation";
    case v1::LEGAL_FORM_ESUS_COMPANY:
      return "Entreprise solidaire d'utilité sociale";
    default:
      return "Entreprise";
  }
}

// Follows "<noun> basée à <place>" and precedes a theme's activity; every legal-form noun above is
// feminine.
absl::string_view InclusionPhrase(InclusionKind kind) {
  switch (kind) {
    case v1::INCLUSION_KIND_ACI:
      return " qui porte un atelier et chantier d'insertion dans";
    case v1::INCLUSION_KIND_AI:
      return " qui met à disposition des salariés en insertion pour";
    case v1::INCLUSION_KIND_EI:
      return ", conventionnée entreprise d'insertion, spécialisée dans";
    case v1::INCLUSION_KIND_ETTI:
      return " qui propose des missions d'intérim d'insertion dans";
    case v1::INCLUSION_KIND_EITI:
      return " qui accompagne des travailleurs indépendants en insertion dans";
    case v1::INCLUSION_KIND_EA:
      return ", reconnue entreprise adaptée, spécialisée dans";
    case v1::INCLUSION_KIND_ESAT:
      return " qui gère un ESAT actif dans";
    case v1::INCLUSION_KIND_GEIQ:
      return " qui qualifie en alternance des salariés en insertion pour";
    default:
      return ", spécialisée dans";
  }
}

template <typename Repeated, typename T>
bool Contains(const Repeated& items, const T& value) {
  return std::find(items.begin(), items.end(), value) != items.end();
}

std::string MakeSiret(uint64_t siren_index, Draw& draw) {
  std::string siren8 = absl::StrCat(10'000'000 + (siren_index * kSirenMultiplier) % kSirenSpan);
  // Real SIRENs are Luhn-valid too; leading zeros leave a Luhn sum unchanged, so the 13-digit
  // helper serves.
  std::string siren = siren8;
  siren.push_back(registry::LuhnCheckDigit(absl::StrCat("00000", siren8)));
  std::string first13 = absl::StrCat(siren, absl::StrFormat("%04d", draw.Between(1, 40)));
  first13.push_back(registry::LuhnCheckDigit(first13));
  return first13;
}

}  // namespace

StructureGenerator::StructureGenerator(uint64_t seed)
    : rng_(seed), siren_offset_(std::mt19937_64(~seed)() % kSirenSpan) {}

Structure StructureGenerator::Next() {
  Draw draw(rng_);
  Structure s;

  uint64_t siren_index = (siren_offset_ + index_++) % kSirenSpan;
  if (absl::StrCat(10'000'000 + (siren_index * kSirenMultiplier) % kSirenSpan) == kLaPosteSiren8) {
    siren_index = (siren_offset_ + index_++) % kSirenSpan;  // La Poste's SIREN follows another rule
  }
  s.set_siret(MakeSiret(siren_index, draw));

  const LegalForm form = draw.Pick<LegalForm>(kLegalForms);
  const InclusionKind inclusion = draw.Pick(InclusionKindsFor(form));
  s.set_legal_form(form);
  s.set_inclusion_kind(inclusion);
  const bool inclusion_structure = inclusion != v1::INCLUSION_KIND_NONE;
  if (form == v1::LEGAL_FORM_ESUS_COMPANY) {
    s.set_sse_status(v1::SSE_STATUS_ESUS_APPROVED);
  } else if (form == v1::LEGAL_FORM_COMMERCIAL_COMPANY) {
    // Inclusion and adapted enterprises hold the ESUS approval by right.
    s.set_sse_status(inclusion_structure ? v1::SSE_STATUS_ESUS_APPROVED : v1::SSE_STATUS_NOT_SSE);
  } else {
    s.set_sse_status(inclusion_structure && draw.Percent(50) ? v1::SSE_STATUS_ESUS_APPROVED
                                                             : v1::SSE_STATUS_SSE);
  }

  int headcount;
  if (inclusion_structure) {
    HeadcountRange range = HeadcountFor(inclusion);
    headcount = draw.SkewedBetween(range.min, range.max);
  } else {
    SizeMix mix = SizeMixFor(form);
    const Weighted<HeadcountRange> ranges[] = {
        {{1, 9}, mix.tpe}, {{10, 249}, mix.pme}, {{250, 1500}, mix.large}};
    HeadcountRange range = draw.Pick<HeadcountRange>(ranges);
    headcount = draw.SkewedBetween(range.min, range.max);
  }
  s.set_headcount(headcount);
  s.set_size_class(headcount < 10    ? v1::SIZE_CLASS_TPE
                   : headcount < 250 ? v1::SIZE_CLASS_PME
                                     : v1::SIZE_CLASS_LARGE);

  HeadcountRange per_head = TurnoverPerHeadFor(inclusion, form);
  int64_t turnover_euros = int64_t{headcount} * draw.Between(per_head.min, per_head.max);
  // Keep within the size class's turnover ceiling (décret 2008-1354), rounded to the thousand.
  if (s.size_class() == v1::SIZE_CLASS_TPE)
    turnover_euros = std::min<int64_t>(turnover_euros, 2'000'000);
  if (s.size_class() == v1::SIZE_CLASS_PME)
    turnover_euros = std::min<int64_t>(turnover_euros, 50'000'000);
  turnover_euros = std::max<int64_t>(turnover_euros / 1000 * 1000, 10'000);
  s.set_annual_turnover_cents(turnover_euros * 100);
  int64_t capacity_euros = turnover_euros * draw.Between(15, 50) / 100 / 1000 * 1000;
  s.set_max_contract_cents(std::max<int64_t>(capacity_euros, 5'000) * 100);

  const Theme primary = draw.Pick(ThemesFor(inclusion));
  s.add_themes(primary);
  const int theme_count = draw.Percent(50) ? 1 : draw.Percent(70) ? 2 : 3;
  while (s.themes_size() < theme_count) {
    Theme theme = draw.Pick(ThemesFor(v1::INCLUSION_KIND_NONE));
    if (!Contains(s.themes(), theme)) s.add_themes(theme);
  }

  const absl::string_view home = draw.Pick<absl::string_view>(kDepartments);
  s.add_departments(std::string(home));
  const int department_count = draw.Percent(50) ? 1 : draw.Percent(60) ? 2 : 3;
  while (s.departments_size() < department_count) {
    std::string department(draw.Pick<absl::string_view>(kDepartments));
    if (!Contains(s.departments(), department)) s.add_departments(std::move(department));
  }
  std::vector<absl::string_view> home_places;
  for (const Place& place : kPlaces) {
    if (place.department == home) home_places.push_back(place.name);
  }
  const absl::string_view place = draw.Pick(home_places);

  for (int theme : s.themes()) {
    const ThemeProfile& profile = ProfileOf(static_cast<Theme>(theme));
    const int wanted = draw.Between(1, 2);
    for (int i = 0; i < wanted && s.cpv_prefixes_size() < 4; ++i) {
      std::string cpv(draw.Pick(profile.cpv_prefixes));
      if (!Contains(s.cpv_prefixes(), cpv)) s.add_cpv_prefixes(std::move(cpv));
    }
  }

  const ThemeProfile& main_profile = ProfileOf(primary);
  std::string name = absl::StrReplaceAll(
      draw.Pick(main_profile.names), {{"{de}", DeForm(place)}, {"{place}", std::string(place)}});
  if (inclusion == v1::INCLUSION_KIND_ESAT && draw.Percent(50)) {
    name = absl::StrCat("ESAT ", name);
  } else if (form == v1::LEGAL_FORM_SCOP && draw.Percent(40)) {
    name = absl::StrCat("SCOP ", name);
  } else if (form == v1::LEGAL_FORM_SCIC && draw.Percent(40)) {
    name = absl::StrCat("SCIC ", name);
  } else if (form == v1::LEGAL_FORM_COMMERCIAL_COMPANY && draw.Percent(50)) {
    absl::StrAppend(&name, draw.Percent(50) ? " SAS" : " SARL");
  }
  s.set_display_name(name);

  if (!main_profile.certifications.empty() && draw.Percent(20)) {
    s.add_certifications(std::string(draw.Pick(main_profile.certifications)));
  }
  if (draw.Percent(5)) {
    std::string generic(
        draw.Pick(std::vector<absl::string_view>{"ISO 14001", "Label Lucie", "Qualiopi"}));
    if (!Contains(s.certifications(), generic)) s.add_certifications(std::move(generic));
  }

  const std::string slug = Slug(name);
  const absl::string_view tld = form == v1::LEGAL_FORM_ASSOCIATION ? ".org" : ".fr";
  v1::Contact* contact = s.mutable_contact();
  contact->set_email(absl::StrCat("contact@", slug, tld));
  contact->set_phone(absl::StrFormat("+33 1 %02d %02d %02d %02d", draw.Between(30, 79),
                                     draw.Between(0, 99), draw.Between(0, 99),
                                     draw.Between(0, 99)));
  if (draw.Percent(80)) contact->set_website(absl::StrCat("https://www.", slug, tld));

  s.set_description(absl::StrCat(LegalFormNoun(form), " basée ", AForm(place),
                                 InclusionPhrase(inclusion), " ", main_profile.activity, "."));

  const int solution_count = draw.Percent(50) ? 0 : draw.Percent(70) ? 1 : 2;
  for (int i = 0; i < solution_count; ++i) {
    const ThemeProfile& profile =
        ProfileOf(s.themes(static_cast<int>(draw.Below(s.themes_size()))));
    const SolutionText& text = draw.Pick(profile.solutions);
    bool duplicate = false;
    for (const v1::Solution& existing : s.solutions()) duplicate |= existing.title() == text.title;
    if (duplicate) continue;
    v1::Solution* solution = s.add_solutions();
    solution->set_theme(profile.theme);
    solution->set_title(std::string(text.title));
    solution->set_description(std::string(text.description));
  }
  return s;
}

std::vector<Structure> GenerateStructures(int count, uint64_t seed) {
  StructureGenerator generator(seed);
  std::vector<Structure> out;
  out.reserve(std::max(count, 0));
  for (int i = 0; i < count; ++i) out.push_back(generator.Next());
  return out;
}

}  // namespace passerelle::cli
