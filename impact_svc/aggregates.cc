#include "impact_svc/aggregates.h"

#include <array>
#include <cstdint>
#include <iterator>
#include <optional>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "passerelle/v1/tender.pb.h"
#include "store/records.h"

namespace passerelle::impact {
namespace {

constexpr absl::string_view kSeparator = "|";
constexpr absl::string_view kAllMonths = "*";

// Whether an award share's holder is an SSE structure: by status, approval, or as an insertion or
// disability structure.
bool IsSse(const v1::AwardShare& share) {
  return share.sse_status() == v1::SSE_STATUS_SSE ||
         share.sse_status() == v1::SSE_STATUS_ESUS_APPROVED ||
         (share.inclusion_kind() != v1::INCLUSION_KIND_UNSPECIFIED &&
          share.inclusion_kind() != v1::INCLUSION_KIND_NONE);
}

// Whether an award share counts towards the 25 % target: a TPE/PME, or an SSE structure.
bool IsSmeOrSse(const v1::AwardShare& share) {
  return share.size_class() == v1::SIZE_CLASS_TPE || share.size_class() == v1::SIZE_CLASS_PME ||
         IsSse(share);
}

template <typename Record>
void NoticeCoordinates(const Record& r, Coordinates* c) {
  for (int theme : r.themes()) c->themes.push_back(v1::Theme_Name(static_cast<v1::Theme>(theme)));
  c->departments.assign(r.departments().begin(), r.departments().end());
}

}  // namespace

std::vector<absl::string_view> ValuesOf(const Coordinates& c, v1::ReportDimension dimension) {
  switch (dimension) {
    case v1::REPORT_DIMENSION_BUYER:
      return {c.buyer};
    case v1::REPORT_DIMENSION_TENDER:
      return {c.tender};
    case v1::REPORT_DIMENSION_LOT:
      return {c.lot};
    case v1::REPORT_DIMENSION_CONTRACTOR:
      return {c.contractor};
    case v1::REPORT_DIMENSION_THEME:
      return {c.themes.begin(), c.themes.end()};
    case v1::REPORT_DIMENSION_DEPARTMENT:
      return {c.departments.begin(), c.departments.end()};
    default:
      return {absl::string_view()};
  }
}

std::string LotValue(absl::string_view tender, int lot_number) {
  return absl::StrCat(tender, "/lots/", lot_number);
}

std::string CounterKey(v1::ReportDimension scope, absl::string_view value,
                       v1::ReportDimension group) {
  return absl::StrCat("c", kSeparator, static_cast<int>(scope), kSeparator, value, kSeparator,
                      static_cast<int>(group));
}

std::string CounterCell(absl::string_view group_value, absl::string_view month) {
  return absl::StrCat(group_value, kSeparator, month);
}

bool SplitCounterCell(absl::string_view cell, absl::string_view* group_value,
                      absl::string_view* month) {
  size_t at = cell.rfind('|');
  if (at == absl::string_view::npos) return false;
  *group_value = cell.substr(0, at);
  *month = cell.substr(at + 1);
  return true;
}

std::string MemberKey(MemberSet set, v1::ReportDimension scope, absl::string_view value,
                      absl::string_view month) {
  return absl::StrCat(std::string(1, static_cast<char>(set)), kSeparator, static_cast<int>(scope),
                      kSeparator, value, kSeparator, month.empty() ? kAllMonths : month);
}

void AddFact(const Coordinates& c, absl::Span<const int64_t> values, int sign,
             store::TallyEdits* edits) {
  // A cell names the group value and month alone, so each grouping's cells serve every scope.
  std::vector<std::string> cells[std::size(kDimensions)];
  for (size_t g = 0; g < std::size(kDimensions); ++g) {
    for (absl::string_view group_value : ValuesOf(c, kDimensions[g])) {
      cells[g].push_back(CounterCell(group_value, c.month));
    }
  }
  for (v1::ReportDimension scope : kDimensions) {
    for (absl::string_view scope_value : ValuesOf(c, scope)) {
      for (size_t g = 0; g < std::size(kDimensions); ++g) {
        const std::string key = CounterKey(scope, scope_value, kDimensions[g]);
        for (const std::string& cell : cells[g]) edits->Add(key, cell, values, sign);
      }
    }
  }
}

void AddMembers(MemberSet set, const Coordinates& c, absl::Span<const std::string> members,
                int sign, store::TallyEdits* edits) {
  if (members.empty()) return;
  static constexpr int64_t kOne[] = {1};
  for (v1::ReportDimension scope : kDimensions) {
    for (absl::string_view scope_value : ValuesOf(c, scope)) {
      for (absl::string_view month : {absl::string_view(c.month), absl::string_view()}) {
        const std::string key = MemberKey(set, scope, scope_value, month);
        for (const std::string& member : members) edits->Add(key, member, kOne, sign);
      }
    }
  }
}

namespace {

// The status a serialized declaration carries, read without parsing the rest; nullopt when the
// bytes do not read as a message (the full parse then says what is wrong).
std::optional<int> DeclarationStatusOf(absl::string_view record) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(record.data()),
                                            static_cast<int>(record.size()));
  int status = 0;  // proto3: absent is the default
  for (uint32_t tag; (tag = in.ReadTag()) != 0;) {
    if (WireFormatLite::GetTagFieldNumber(tag) == v1::HourDeclaration::kStatusFieldNumber &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_VARINT) {
      uint32_t value = 0;
      if (!in.ReadVarint32(&value)) return std::nullopt;
      status = static_cast<int>(value);  // the last occurrence wins, as in a parse
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return std::nullopt;
    }
  }
  if (!in.ConsumedEntireMessage() || in.CurrentPosition() != static_cast<int>(record.size())) {
    return std::nullopt;
  }
  return status;
}

}  // namespace

absl::Status TallyDeclaration(absl::string_view record, int sign, store::TallyEdits* edits) {
  // Only validated declarations count, and most writes are of others (every submission): their
  // status is read without parsing their worker lines.
  if (std::optional<int> status = DeclarationStatusOf(record);
      status && *status != v1::DECLARATION_STATUS_VALIDATED) {
    return absl::OkStatus();
  }
  absl::StatusOr<v1::HourDeclaration> d = store::ParseRecord<v1::HourDeclaration>(record);
  if (!d.ok()) return d.status();
  if (d->status() != v1::DECLARATION_STATUS_VALIDATED) return absl::OkStatus();
  Coordinates c;
  c.buyer = d->buyer();
  c.tender = d->tender();
  c.lot = LotValue(d->tender(), d->lot_number());
  c.contractor = d->contractor_siret();
  NoticeCoordinates(*d, &c);
  c.month = d->period();
  std::array<int64_t, kCounterCount> values{};
  values[kTotalHundredths] = d->total_hundredths();
  values[kInsertionHundredths] = d->insertion_hundredths();
  for (const v1::ChannelHours& h : d->by_channel()) {
    if (h.channel() > 0 && h.channel() <= 4)
      values[kChannelFirst + h.channel() - 1] += h.hundredths();
  }
  for (const v1::CategoryHours& h : d->by_category()) {
    if (h.category() > 0 && h.category() <= 7) {
      values[kCategoryFirst + h.category() - 1] += h.hundredths();
    }
  }
  values[kDeclarations] = 1;
  AddFact(c, values, sign, edits);
  std::vector<std::string> workers;
  workers.reserve(static_cast<size_t>(d->workers_size()));
  for (const v1::WorkerLine& w : d->workers()) workers.push_back(w.worker_pseudonym());
  std::sort(workers.begin(), workers.end());
  workers.erase(std::unique(workers.begin(), workers.end()), workers.end());
  AddMembers(MemberSet::kInsertionWorkers, c, workers, sign, edits);
  return absl::OkStatus();
}

absl::Status TallyTender(absl::string_view record, int sign, store::TallyEdits* edits) {
  absl::StatusOr<v1::Tender> t = store::ParseRecord<v1::Tender>(record);
  if (!t.ok()) return t.status();
  for (const v1::Lot& lot : t->lots()) {
    if (!lot.has_award()) continue;
    const v1::Award& award = lot.award();
    Coordinates c;
    c.buyer = t->buyer();
    c.tender = t->name();
    c.lot = LotValue(t->name(), lot.lot_number());
    NoticeCoordinates(*t, &c);
    c.month = award.award_date().substr(0, 7);
    for (int i = 0; i < award.shares_size(); ++i) {
      const v1::AwardShare& share = award.shares(i);
      c.contractor = share.siret();
      std::array<int64_t, kCounterCount> values{};
      values[kAwardedCents] = share.amount_cents();
      values[kSmeSseCents] = IsSmeOrSse(share) ? share.amount_cents() : 0;
      values[kAwards] = i == 0 ? 1 : 0;
      AddFact(c, values, sign, edits);
      if (IsSse(share)) AddMembers(MemberSet::kSseStructures, c, {share.siret()}, sign, edits);
    }
  }
  return absl::OkStatus();
}

std::map<std::string, store::TallyFn, std::less<>> TallySources() {
  return {{std::string(kDeclarationKind), TallyDeclaration}, {"tender", TallyTender}};
}

}  // namespace passerelle::impact
