#include "tender_svc/digest.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "tender_svc/lifecycle.h"
#include "tender_svc/matching.h"
#include "tender_svc/rules.h"

namespace passerelle::tender {
namespace {

using google::protobuf::util::TimeUtil;

// Deadline order; a notice without one yet (a forecast) goes last.
int64_t DeadlineKey(const v1::DigestEntry& e) {
  return e.has_answer_deadline() ? TimeUtil::TimestampToSeconds(e.answer_deadline()) : INT64_MAX;
}

std::string ThemeTitle(v1::Theme theme) {
  if (theme == v1::THEME_UNSPECIFIED) return "Other notices";
  std::string label = EnumLabel(theme);
  label[0] = absl::ascii_toupper(static_cast<unsigned char>(label[0]));
  return label;
}

}  // namespace

std::vector<v1::LotMatch> MatchLots(const v1::Structure& s, const v1::Tender& t) {
  std::vector<v1::LotMatch> out;
  for (const v1::Lot& lot : t.lots()) {
    if (lot.has_award()) continue;
    std::optional<LotFit> fit = FitLot(s, t, lot);
    if (!fit) continue;
    v1::LotMatch& m = out.emplace_back();
    m.set_tender(t.name());
    m.set_lot_number(lot.lot_number());
    m.set_tender_title(t.title());
    m.set_lot_title(lot.title());
    m.set_score(fit->score);
    for (v1::MatchReason& r : fit->reasons) *m.add_reasons() = std::move(r);
    if (t.has_answer_deadline()) *m.mutable_answer_deadline() = t.answer_deadline();
  }
  std::stable_sort(out.begin(), out.end(), [](const v1::LotMatch& a, const v1::LotMatch& b) {
    return a.score() > b.score();
  });
  return out;
}

v1::Digest BuildDigest(const v1::Structure& s, const std::string& week,
                       const std::vector<v1::Tender>& tenders) {
  std::map<int, std::vector<v1::DigestEntry>> by_theme;
  for (const v1::Tender& t : tenders) {
    if (t.status() != v1::TENDER_STATUS_FORECAST && t.status() != v1::TENDER_STATUS_PUBLISHED)
      continue;
    std::vector<v1::LotMatch> lots = MatchLots(s, t);
    if (lots.empty()) continue;
    v1::DigestEntry entry;
    entry.set_tender(t.name());
    entry.set_title(t.title());
    entry.set_buyer(t.buyer());
    entry.set_status(t.status());
    entry.set_forecast_publish_date(t.forecast_publish_date());
    if (t.has_answer_deadline()) *entry.mutable_answer_deadline() = t.answer_deadline();
    for (v1::LotMatch& m : lots) *entry.add_lots() = std::move(m);
    if (t.themes().empty()) {
      by_theme[v1::THEME_UNSPECIFIED].push_back(entry);
    }
    for (int theme : t.themes()) by_theme[theme].push_back(entry);
  }
  v1::Digest digest;
  digest.set_structure(s.name());
  digest.set_week(week);
  for (auto& [theme, entries] : by_theme) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const v1::DigestEntry& a, const v1::DigestEntry& b) {
                       return DeadlineKey(a) < DeadlineKey(b);
                     });
    v1::DigestSection* section = digest.add_sections();
    section->set_theme(static_cast<v1::Theme>(theme));
    for (v1::DigestEntry& e : entries) *section->add_entries() = std::move(e);
  }
  return digest;
}

std::string DigestMarkdown(const v1::Digest& digest, const std::string& structure_display_name) {
  std::string out =
      absl::StrCat("# ", structure_display_name, " — notices of week ", digest.week(), "\n\n");
  if (digest.sections().empty()) {
    absl::StrAppend(&out, "No notice this week matches your sectors, themes and departments.\n");
  }
  for (const v1::DigestSection& section : digest.sections()) {
    absl::StrAppend(&out, "## ", ThemeTitle(section.theme()), "\n\n");
    for (const v1::DigestEntry& e : section.entries()) {
      absl::StrAppend(&out, "### ", e.title(), " (", e.tender(), ")\n\n- Buyer: ", e.buyer(),
                      "\n- Status: ", StatusLabel(e.status()),
                      "\n- Forecast publication: ", e.forecast_publish_date(), "\n");
      absl::StrAppend(
          &out, "- Answer deadline: ",
          e.has_answer_deadline() ? TimeUtil::ToString(e.answer_deadline()) : "not yet set", "\n");
      for (const v1::LotMatch& lot : e.lots()) {
        absl::StrAppend(&out, "- Lot ", lot.lot_number(), " — ", lot.lot_title(), " (score ",
                        lot.score(), "): ");
        for (int i = 0; i < lot.reasons_size(); ++i) {
          absl::StrAppend(&out, i ? "; " : "", lot.reasons(i).detail());
        }
        absl::StrAppend(&out, "\n");
      }
      absl::StrAppend(&out, "\n");
    }
  }
  return out;
}

}  // namespace passerelle::tender
