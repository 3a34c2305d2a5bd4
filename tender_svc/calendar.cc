#include "tender_svc/calendar.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "common/errors.h"

namespace passerelle::tender {
namespace {

// Days from Monday: Monday 0 ... Sunday 6.
int DaysFromMonday(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

// The Monday of ISO week 1 of `year`: the week holding 4 January.
absl::CivilDay FirstMonday(int64_t year) {
  absl::CivilDay jan4(year, 1, 4);
  return jan4 - DaysFromMonday(jan4);
}

}  // namespace

std::string IsoWeekOf(absl::CivilDay day) {
  absl::CivilDay thursday = day - DaysFromMonday(day) + 3;  // its year is the week's year
  int64_t year = thursday.year();
  int64_t week = (thursday - FirstMonday(year)) / 7 + 1;
  return absl::StrFormat("%04d-W%02d", year, week);
}

absl::StatusOr<absl::CivilDay> IsoWeekStart(absl::string_view week, absl::string_view field) {
  int year = 0, number = 0;
  if (week.size() != 8 || week[4] != '-' || week[5] != 'W' ||
      !absl::SimpleAtoi(week.substr(0, 4), &year) ||
      !absl::SimpleAtoi(week.substr(6, 2), &number) || number < 1) {
    return common::InvalidField(
        std::string(field), absl::StrCat("must be an ISO week like 2024-W07, got '", week, "'"));
  }
  absl::CivilDay start = FirstMonday(year) + 7 * (number - 1);
  if (IsoWeekOf(start) != week) {
    return common::InvalidField(std::string(field), absl::StrCat(year, " has no week ", number));
  }
  return start;
}

absl::CivilDay ParisDay(absl::Time time) {
  static const absl::TimeZone* zone = [] {
    auto* z = new absl::TimeZone(absl::UTCTimeZone());
    absl::LoadTimeZone("Europe/Paris", z);
    return z;
  }();
  return absl::ToCivilDay(time, *zone);
}

}  // namespace passerelle::tender
