#ifndef PASSERELLE_COMMON_VALIDATION_H_
#define PASSERELLE_COMMON_VALIDATION_H_

// The field checks every validator shares. Each adds a violation to `v` under `field` when the
// value is wrong, and nothing otherwise, so a validator reports every problem of a request at once.

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"

namespace passerelle::common {

// The most entries a repeated field of a record may have, so one record cannot bloat every replica.
inline constexpr int kMaxRepeated = 50;

void CheckText(absl::string_view value, std::string field, size_t max, bool required,
               FieldViolations* v);
void CheckNonNegative(int64_t value, std::string field, FieldViolations* v);
// `is_valid` is the generated <Enum>_IsValid: proto3 enums accept unknown numbers on the wire.
void CheckEnum(int value, bool (*is_valid)(int), bool required, std::string field,
               FieldViolations* v);
// An id of our own making: 3 to 63 lower-case letters, digits or '-'.
bool IsValidSlug(absl::string_view id);
void CheckSlug(absl::string_view id, std::string field, FieldViolations* v);
// A calendar date "YYYY-MM-DD" (years 2000-2099 are the only ones an event of ours plausibly uses).
bool IsValidDate(absl::string_view date);

// False (and a violation) when `values` has more than kMaxRepeated entries.
template <typename Container>
bool CheckCount(const Container& values, const std::string& field, FieldViolations* v) {
  if (values.size() > kMaxRepeated) {
    v->Add(field, absl::StrCat("has more than ", kMaxRepeated, " entries"));
    return false;
  }
  return true;
}

}  // namespace passerelle::common

#endif  // PASSERELLE_COMMON_VALIDATION_H_
