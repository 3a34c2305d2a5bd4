#include "common/validation.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/time/civil_time.h"

namespace passerelle::common {

void CheckText(absl::string_view value, LazyField field, size_t max, bool required,
               FieldViolations* v) {
  if (required && value.empty()) {
    v->Add(field(), "is required");
  } else if (value.size() > max) {
    v->Add(field(), absl::StrCat("is longer than ", max, " bytes"));
  }
}

void CheckNonNegative(int64_t value, LazyField field, FieldViolations* v) {
  if (value < 0) v->Add(field(), "must not be negative");
}

void CheckEnum(int value, bool (*is_valid)(int), bool required, LazyField field,
               FieldViolations* v) {
  if (!is_valid(value)) {
    v->Add(field(), absl::StrCat("unknown value ", value));
  } else if (required && value == 0) {
    v->Add(field(), "is required");
  }
}

bool IsValidSlug(absl::string_view id) {
  return id.size() >= 3 && id.size() <= 63 && std::all_of(id.begin(), id.end(), [](char c) {
           return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
         });
}

void CheckSlug(absl::string_view id, std::string field, FieldViolations* v) {
  if (!IsValidSlug(id))
    v->Add(std::move(field), "must be 3 to 63 lower-case letters, digits or '-'");
}

bool IsValidDate(absl::string_view date) {
  absl::CivilDay day;
  return date.size() == 10 && absl::ParseCivilTime(date, &day) && day.year() >= 2000 &&
         day.year() <= 2099 && absl::FormatCivilTime(day) == date;
}

}  // namespace passerelle::common
