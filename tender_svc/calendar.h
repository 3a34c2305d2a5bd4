#ifndef PASSERELLE_TENDER_SVC_CALENDAR_H_
#define PASSERELLE_TENDER_SVC_CALENDAR_H_

// ISO 8601 weeks, the unit of the weekly digest. Dates are civil days in Paris time as buyers write
// them.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace passerelle::tender {

// "2024-W07" for the ISO week holding `day` (weeks start on Monday; week 1 holds the year's first
// Thursday).
std::string IsoWeekOf(absl::CivilDay day);
// The Monday starting the ISO week `week` ("YYYY-Www"); INVALID_ARGUMENT on `field` when malformed
// or when the year has no such week.
absl::StatusOr<absl::CivilDay> IsoWeekStart(absl::string_view week, absl::string_view field);
// The civil day of `time` in Paris (Europe/Paris; UTC if the zone database is missing).
absl::CivilDay ParisDay(absl::Time time);

}  // namespace passerelle::tender

#endif  // PASSERELLE_TENDER_SVC_CALENDAR_H_
