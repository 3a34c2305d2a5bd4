#include "cli/ocds.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "cli/decimal.h"
#include "google/protobuf/util/time_util.h"
#include "passerelle/v1/registry.pb.h"

namespace passerelle::cli {
namespace {

using google::protobuf::util::TimeUtil;

// A JSON value that keeps object members in the order they are set (readers expect "ocid" and "id"
// first, and the output must be stable) and numbers as the decimal text to write:
// google::protobuf::Value holds numbers as doubles, which cannot carry every amount exactly.
class Json {
 public:
  static Json Object() { return Json(Kind::kObject, ""); }
  static Json Array() { return Json(Kind::kArray, ""); }
  static Json String(absl::string_view text) { return Json(Kind::kString, text); }
  // `decimal` is written as it is: a valid JSON number.
  static Json Number(absl::string_view decimal) { return Json(Kind::kLiteral, decimal); }
  static Json Bool(bool value) { return Json(Kind::kLiteral, value ? "true" : "false"); }

  // Adds an object member (keys are not checked for repeats).
  Json& Set(absl::string_view key, Json value) & {
    keys_.emplace_back(key);
    values_.push_back(std::move(value));
    return *this;
  }
  // Adds an array element.
  Json& Add(Json value) & {
    values_.push_back(std::move(value));
    return *this;
  }
  // On a temporary (Json::Object().Set(...).Set(...)), the chain moves instead of copying.
  Json&& Set(absl::string_view key, Json value) && { return std::move(Set(key, std::move(value))); }
  Json&& Add(Json value) && { return std::move(Add(std::move(value))); }
  bool empty() const { return values_.empty(); }

  void Write(int depth, std::string* out) const;

 private:
  enum class Kind { kObject, kArray, kString, kLiteral };
  Json(Kind kind, absl::string_view scalar) : kind_(kind), scalar_(scalar) {}

  Kind kind_;
  std::string scalar_;
  std::vector<std::string> keys_;  // objects only, one per value
  std::vector<Json> values_;
};

// Proto3 strings are valid UTF-8, so only quotes, backslashes and control characters need escaping.
void AppendQuoted(absl::string_view text, std::string* out) {
  out->push_back('"');
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(out, "\\u%04x", static_cast<unsigned char>(c));
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void Json::Write(int depth, std::string* out) const {
  if (kind_ == Kind::kString) {
    AppendQuoted(scalar_, out);
    return;
  }
  if (kind_ == Kind::kLiteral) {
    out->append(scalar_);
    return;
  }
  const bool object = kind_ == Kind::kObject;
  if (values_.empty()) {
    out->append(object ? "{}" : "[]");
    return;
  }
  out->push_back(object ? '{' : '[');
  const std::string indent(2 * (depth + 1), ' ');
  for (size_t i = 0; i < values_.size(); ++i) {
    absl::StrAppend(out, i == 0 ? "\n" : ",\n", indent);
    if (object) {
      AppendQuoted(keys_[i], out);
      out->append(": ");
    }
    values_[i].Write(depth + 1, out);
  }
  absl::StrAppend(out, "\n", std::string(2 * depth, ' '), object ? "}" : "]");
}

Json Strings(std::initializer_list<absl::string_view> items) {
  Json list = Json::Array();
  for (absl::string_view item : items) list.Add(Json::String(item));
  return list;
}

// The extensions whose fields the releases use, so that OCDS tools validate them.
constexpr absl::string_view kExtensions[] = {
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/"
    "extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_otherRequirements_extension/"
    "master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_suitability_extension/"
    "master/"
    "extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_sustainability_extension/"
    "master/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/"
    "ocds_partyDetails_scale_extension/"
    "master/extension.json",
};

// org-id.guide's list for France's trade and companies register, whose identifiers are SIREN and
// SIRET numbers; France's own procurement open data (DECP) publishes suppliers' SIRETs under it.
constexpr absl::string_view kSiretScheme = "FR-RCS";

Json Value(int64_t cents) {
  return Json::Object()
      .Set("amount", Json::Number(HundredthsDecimal(cents, Decimals::kShortest)))
      .Set("currency", Json::String("EUR"));
}

// OCDS dates are date-times; a calendar date (YYYY-MM-DD) becomes the start of that day in UTC.
std::string DayStart(absl::string_view date) { return absl::StrCat(date, "T00:00:00Z"); }

// tenderStatus codelist (OCDS 1.1). A forecast notice has a scheduled publication date ("planned");
// a closed one is still being judged, so its process is still "active" (the tender period's end
// date says answers are closed).
absl::string_view TenderStatus(v1::TenderStatus status) {
  switch (status) {
    case v1::TENDER_STATUS_FORECAST:
      return "planned";
    case v1::TENDER_STATUS_PUBLISHED:
    case v1::TENDER_STATUS_CLOSED:
      return "active";
    case v1::TENDER_STATUS_AWARDED:
      return "complete";
    case v1::TENDER_STATUS_CANCELLED:
      return "cancelled";
    default:
      return "";
  }
}

// releaseTag codelist: what the release describes, the current state of the notice.
Json Tags(const v1::Tender& tender, bool has_award) {
  Json tags = Json::Array();
  switch (tender.status()) {
    case v1::TENDER_STATUS_FORECAST:
      tags.Add(Json::String("planning"));
      break;
    case v1::TENDER_STATUS_CANCELLED:
      tags.Add(Json::String("tenderCancellation"));
      break;
    default:
      tags.Add(Json::String("tender"));
  }
  if (has_award) tags.Add(Json::String("award"));
  return tags;
}

// method codelist; the French procedure's own name goes in procurementMethodDetails. A procédure
// adaptée may be run open or not, so it gets no method.
std::pair<absl::string_view, absl::string_view> ProcurementMethod(v1::Procedure procedure) {
  switch (procedure) {
    case v1::PROCEDURE_OPEN:
      return {"open", "Appel d'offres ouvert"};
    case v1::PROCEDURE_RESTRICTED:
      return {"selective", "Appel d'offres restreint"};
    case v1::PROCEDURE_ADAPTED:
      return {"", "Procédure adaptée"};
    case v1::PROCEDURE_NEGOTIATED:
      return {"selective", "Procédure avec négociation"};
    case v1::PROCEDURE_COMPETITIVE_DIALOGUE:
      return {"selective", "Dialogue compétitif"};
    default:
      return {"", ""};
  }
}

// procurementCategory codelist, from the CPV division: 45 is works; 03-44 and 48 are supplies.
absl::string_view ProcurementCategory(absl::string_view cpv) {
  if (cpv.size() < 2) return "";
  const int division = (cpv[0] - '0') * 10 + (cpv[1] - '0');
  if (division == 45) return "works";
  if (division <= 44 || division == 48) return "goods";
  return "services";
}

// OCDS publishers (and the Lots extension's examples) give a CPV code's eight digits without its
// check digit.
absl::string_view CpvId(absl::string_view code) { return code.substr(0, 8); }

// partyScale codelist (Party Details Scale extension), from the size classes of décret 2008-1354.
absl::string_view Scale(v1::SizeClass size) {
  switch (size) {
    case v1::SIZE_CLASS_TPE:
      return "micro";
    case v1::SIZE_CLASS_PME:
      return "sme";
    case v1::SIZE_CLASS_LARGE:
      return "large";
    default:
      return "";
  }
}

// reservedParticipation codelist (Other Requirements extension), as OCDS for eForms maps BT-71:
// L2113-12 (EA/ESAT) and L2113-13 (SIAE) transpose article 20 of directive 2014/24/EU, sheltered
// workshops and operators integrating disabled or disadvantaged persons (eForms res-ws); L2113-15
// (SSE enterprises, for health, social and cultural services) transposes article 77, organisations
// pursuing a public service mission (res-pub-ser).
absl::string_view ReservedParticipation(v1::Reservation reservation) {
  switch (reservation) {
    case v1::RESERVATION_SIAE:
    case v1::RESERVATION_EA_ESAT:
      return "shelteredWorkshop";
    case v1::RESERVATION_SSE:
      return "publicServiceMissionOrganization";
    default:
      return "";
  }
}

// sustainabilityGoal codelist (Sustainability extension) for the programme's themes; a theme with
// no matching goal adds none.
absl::string_view ThemeGoal(int theme) {
  switch (theme) {
    case v1::THEME_INSERTION_EMPLOYMENT:
      return "social.disadvantagedEmploymentOpportunities";
    case v1::THEME_CONSTRUCTION_WASTE:
      return "environmental.wasteReduction";
    case v1::THEME_GREEN_MOBILITY:
      return "environmental.carbonEmissionsReduction";
    case v1::THEME_TEMPORARY_USE:
      return "environmental.resourceReuse";
    case v1::THEME_ENERGY_EFFICIENCY:
      return "environmental.energyEfficiency";
    case v1::THEME_LOCAL_AGRICULTURE:
      return "economic.localEconomyPromotion";
    case v1::THEME_ACCESSIBILITY_DISABILITY:
      return "social.accessibility";
    case v1::THEME_SOLIDARITY_CATERING:
    case v1::THEME_SOLIDARITY_TOURISM:
      return "social";
    default:
      return "";
  }
}

Json Goal(absl::string_view goal, std::initializer_list<absl::string_view> strategies) {
  Json entry = Json::Object().Set("goal", Json::String(goal));
  if (strategies.size() > 0) entry.Set("strategies", Strings(strategies));
  return entry;
}

// A lot's social clause is a contract performance condition; its social and environmental award
// criteria are award-criteria strategies.
Json LotSustainability(const v1::Lot& lot) {
  Json goals = Json::Array();
  if (lot.insertion_hours_required() > 0) {
    goals.Add(
        Goal("social.disadvantagedEmploymentOpportunities", {"contractPerformanceConditions"}));
  }
  if (lot.award_criteria().social() > 0) goals.Add(Goal("social", {"awardCriteria"}));
  if (lot.award_criteria().environmental() > 0) goals.Add(Goal("environmental", {"awardCriteria"}));
  return goals;
}

Json TenderSustainability(const v1::Tender& tender) {
  Json goals = Json::Array();
  absl::flat_hash_set<absl::string_view> seen;
  for (int theme : tender.themes()) {
    absl::string_view goal = ThemeGoal(theme);
    if (!goal.empty() && seen.insert(goal).second) goals.Add(Goal(goal, {}));
  }
  return goals;
}

// Sets "hasSustainability" and "sustainability" when there is any goal (the array may not be
// empty).
void SetSustainability(Json goals, Json* object) {
  if (goals.empty()) return;
  object->Set("hasSustainability", Json::Bool(true));
  object->Set("sustainability", std::move(goals));
}

std::string LotId(const v1::Lot& lot) { return absl::StrCat(lot.lot_number()); }

std::vector<const v1::Lot*> LotsInOrder(const v1::Tender& tender) {
  std::vector<const v1::Lot*> lots;
  for (const v1::Lot& lot : tender.lots()) lots.push_back(&lot);
  std::stable_sort(lots.begin(), lots.end(), [](const v1::Lot* a, const v1::Lot* b) {
    return a->lot_number() < b->lot_number();
  });
  return lots;
}

Json Classification(absl::string_view cpv) {
  return Json::Object().Set("scheme", Json::String("CPV")).Set("id", Json::String(CpvId(cpv)));
}

// One item per CPV code: a lot's under that lot, then the notice's own codes that no lot names.
Json Items(const v1::Tender& tender, const std::vector<const v1::Lot*>& lots) {
  Json items = Json::Array();
  absl::flat_hash_set<absl::string_view> in_lots;
  for (const v1::Lot* lot : lots) {
    for (int i = 0; i < lot->cpv_codes_size(); ++i) {
      in_lots.insert(lot->cpv_codes(i));
      items.Add(Json::Object()
                    .Set("id", Json::String(absl::StrCat(LotId(*lot), "-", i + 1)))
                    .Set("classification", Classification(lot->cpv_codes(i)))
                    .Set("relatedLot", Json::String(LotId(*lot))));
    }
  }
  int n = 0;
  for (const std::string& cpv : tender.cpv_codes()) {
    if (in_lots.contains(cpv)) continue;
    items.Add(Json::Object()
                  .Set("id", Json::String(absl::StrCat("tender-", ++n)))
                  .Set("classification", Classification(cpv)));
  }
  return items;
}

Json LotJson(const v1::Lot& lot, absl::string_view tender_status) {
  Json json = Json::Object().Set("id", Json::String(LotId(lot)));
  if (!lot.title().empty()) json.Set("title", Json::String(lot.title()));
  absl::string_view status = lot.has_award() ? "complete" : tender_status;
  if (!status.empty()) json.Set("status", Json::String(status));
  json.Set("value", Value(lot.estimated_amount_cents()));
  if (lot.cpv_codes_size() > 0) {
    json.Set("mainProcurementCategory", Json::String(ProcurementCategory(lot.cpv_codes(0))));
  }
  // A lot reserved to SIAE, EA/ESAT or SSE structures is meant for small structures.
  absl::string_view reserved = ReservedParticipation(lot.reservation());
  if (!reserved.empty()) {
    json.Set("suitability", Json::Object().Set("sme", Json::Bool(true)));
    json.Set("otherRequirements", Json::Object().Set("reservedParticipation", Strings({reserved})));
  }
  SetSustainability(LotSustainability(lot), &json);
  return json;
}

Json TenderJson(const v1::Tender& tender, const std::vector<const v1::Lot*>& lots) {
  Json json = Json::Object().Set("id", Json::String(tender.tender_id()));
  if (!tender.title().empty()) json.Set("title", Json::String(tender.title()));
  if (!tender.description().empty()) json.Set("description", Json::String(tender.description()));
  absl::string_view status = TenderStatus(tender.status());
  if (!status.empty()) json.Set("status", Json::String(status));
  json.Set("value", Value(tender.estimated_amount_cents()));
  auto [method, method_details] = ProcurementMethod(tender.procedure());
  if (!method.empty()) json.Set("procurementMethod", Json::String(method));
  if (!method_details.empty()) {
    json.Set("procurementMethodDetails", Json::String(method_details));
  }
  // The notice's first CPV code says what it buys; failing that, its first lot's.
  absl::string_view main_cpv;
  if (!tender.cpv_codes().empty()) {
    main_cpv = tender.cpv_codes(0);
  } else if (!lots.empty() && !lots[0]->cpv_codes().empty()) {
    main_cpv = lots[0]->cpv_codes(0);
  }
  if (!main_cpv.empty()) {
    json.Set("mainProcurementCategory", Json::String(ProcurementCategory(main_cpv)));
  }
  Json items = Items(tender, lots);
  if (!items.empty()) json.Set("items", std::move(items));
  Json period = Json::Object();
  if (tender.has_publish_time()) {
    period.Set("startDate", Json::String(TimeUtil::ToString(tender.publish_time())));
  } else if (!tender.forecast_publish_date().empty()) {
    period.Set("startDate", Json::String(DayStart(tender.forecast_publish_date())));
  }
  if (tender.has_answer_deadline()) {
    period.Set("endDate", Json::String(TimeUtil::ToString(tender.answer_deadline())));
  }
  if (!period.empty()) json.Set("tenderPeriod", std::move(period));
  SetSustainability(TenderSustainability(tender), &json);
  Json lot_list = Json::Array();
  for (const v1::Lot* lot : lots) lot_list.Add(LotJson(*lot, status));
  if (!lot_list.empty()) json.Set("lots", std::move(lot_list));
  return json;
}

std::string NameOf(const OcdsPublication& publication, const std::string& resource,
                   absl::string_view fallback) {
  auto it = publication.names.find(resource);
  return it != publication.names.end() ? it->second : std::string(fallback);
}

// Who holds an award: the shares captured when it was made (lead first, as recorded), or the named
// structure for an award recorded without them.
struct Holder {
  std::string siret;
  v1::SizeClass size = v1::SIZE_CLASS_UNSPECIFIED;
};

std::vector<Holder> Holders(const v1::Award& award) {
  std::vector<Holder> holders;
  for (const v1::AwardShare& share : award.shares())
    holders.push_back({share.siret(), share.size_class()});
  if (holders.empty() && absl::StartsWith(award.structure(), "structures/")) {
    holders.push_back({std::string(absl::StripPrefix(award.structure(), "structures/")), {}});
  }
  return holders;
}

std::string SupplierPartyId(absl::string_view siret) {
  return absl::StrCat(kSiretScheme, "-", siret);
}

std::string SupplierName(const OcdsPublication& publication, const std::string& siret) {
  return NameOf(publication, absl::StrCat("structures/", siret), siret);
}

Json SupplierParty(const OcdsPublication& publication, const Holder& holder) {
  const std::string name = SupplierName(publication, holder.siret);
  Json identifier = Json::Object()
                        .Set("scheme", Json::String(kSiretScheme))
                        .Set("id", Json::String(holder.siret));
  // The registered name is known only from the registry, not from a SIRET standing in for it.
  if (name != holder.siret) identifier.Set("legalName", Json::String(name));
  Json party = Json::Object()
                   .Set("id", Json::String(SupplierPartyId(holder.siret)))
                   .Set("name", Json::String(name))
                   .Set("identifier", std::move(identifier))
                   .Set("roles", Strings({"supplier"}));
  absl::string_view scale = Scale(holder.size);
  if (!scale.empty()) party.Set("details", Json::Object().Set("scale", Json::String(scale)));
  return party;
}

Json AwardJson(const v1::Tender& tender, const v1::Lot& lot, const OcdsPublication& publication) {
  const v1::Award& award = lot.award();
  Json json = Json::Object()
                  .Set("id", Json::String(absl::StrCat(tender.tender_id(), "-lot-", LotId(lot))))
                  .Set("status", Json::String("active"));
  if (!award.award_date().empty()) json.Set("date", Json::String(DayStart(award.award_date())));
  json.Set("value", Value(award.amount_cents()));
  Json suppliers = Json::Array();
  for (const Holder& holder : Holders(award)) {
    suppliers.Add(Json::Object()
                      .Set("id", Json::String(SupplierPartyId(holder.siret)))
                      .Set("name", Json::String(SupplierName(publication, holder.siret))));
  }
  json.Set("suppliers", std::move(suppliers));
  json.Set("relatedLots", Strings({LotId(lot)}));
  return json;
}

std::string ReleaseId(const v1::Tender& tender) {
  const std::string etag = !tender.etag().empty()
                               ? tender.etag()
                               : absl::StrCat(tender.version().origin_partner(), "-",
                                              tender.version().origin_sequence());
  return absl::StrCat(tender.tender_id(), "-", etag);
}

Json ReleaseJson(const v1::Tender& tender, const OcdsPublication& publication) {
  const std::vector<const v1::Lot*> lots = LotsInOrder(tender);
  const std::string buyer_id(absl::StripPrefix(tender.buyer(), "buyers/"));
  const std::string buyer_name = NameOf(publication, tender.buyer(), buyer_id);

  // The buyer, then each supplier once, in lot order, as it stood at its first award.
  Json parties = Json::Array();
  parties.Add(Json::Object()
                  .Set("id", Json::String(buyer_id))
                  .Set("name", Json::String(buyer_name))
                  .Set("roles", Strings({"buyer"})));
  Json awards = Json::Array();
  absl::flat_hash_set<std::string> suppliers;
  for (const v1::Lot* lot : lots) {
    if (!lot->has_award()) continue;
    for (const Holder& holder : Holders(lot->award())) {
      if (suppliers.insert(holder.siret).second) parties.Add(SupplierParty(publication, holder));
    }
    awards.Add(AwardJson(tender, *lot, publication));
  }

  Json release =
      Json::Object()
          .Set("ocid", Json::String(absl::StrCat(publication.ocid_prefix, tender.tender_id())))
          .Set("id", Json::String(ReleaseId(tender)))
          .Set("date",
               Json::String(tender.has_update_time() ? TimeUtil::ToString(tender.update_time())
                                                     : publication.published_date))
          .Set("tag", Tags(tender, !awards.empty()))
          .Set("initiationType", Json::String("tender"))
          .Set("parties", std::move(parties))
          .Set("buyer", Json::Object()
                            .Set("id", Json::String(buyer_id))
                            .Set("name", Json::String(buyer_name)))
          .Set("tender", TenderJson(tender, lots));
  if (!awards.empty()) release.Set("awards", std::move(awards));
  return release;
}

}  // namespace

std::string OcdsReleasePackage(const std::vector<v1::Tender>& tenders,
                               const OcdsPublication& publication) {
  std::vector<const v1::Tender*> ordered;
  for (const v1::Tender& tender : tenders) ordered.push_back(&tender);
  std::stable_sort(ordered.begin(), ordered.end(), [](const v1::Tender* a, const v1::Tender* b) {
    return a->tender_id() < b->tender_id();
  });
  Json releases = Json::Array();
  for (const v1::Tender* tender : ordered) releases.Add(ReleaseJson(*tender, publication));

  Json extensions = Json::Array();
  for (absl::string_view url : kExtensions) extensions.Add(Json::String(url));
  Json package =
      Json::Object()
          .Set("uri", Json::String(publication.uri))
          .Set("version", Json::String("1.1"))
          .Set("publishedDate", Json::String(publication.published_date))
          .Set("publisher", Json::Object().Set("name", Json::String(publication.publisher_name)))
          .Set("extensions", std::move(extensions))
          .Set("releases", std::move(releases));
  std::string text;
  package.Write(0, &text);
  text.push_back('\n');
  return text;
}

}  // namespace passerelle::cli
