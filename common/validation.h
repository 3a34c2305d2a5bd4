#ifndef PASSERELLE_COMMON_VALIDATION_H_
#define PASSERELLE_COMMON_VALIDATION_H_

// The field checks every validator shares. Each adds a violation to `v` under `field` when the
// value is wrong, and nothing otherwise, so a validator reports every problem of a request at once.

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/errors.h"

namespace passerelle::common {

// The most entries a repeated field of a record may have, so one record cannot bloat every replica.
inline constexpr int kMaxRepeated = 50;

// A field's name, made only when its check fails: validators check every field of every request,
// and building each name (a repeated entry's above all, "workers[7].hundredths") cost more than
// the checks themselves.
using LazyField = absl::FunctionRef<std::string()>;

void CheckText(absl::string_view value, LazyField field, size_t max, bool required,
               FieldViolations* v);
void CheckNonNegative(int64_t value, LazyField field, FieldViolations* v);
// `is_valid` is the generated <Enum>_IsValid: proto3 enums accept unknown numbers on the wire.
void CheckEnum(int value, bool (*is_valid)(int), bool required, LazyField field,
               FieldViolations* v);

// The same with a name already made.
inline void CheckText(absl::string_view value, const std::string& field, size_t max, bool required,
                      FieldViolations* v) {
  CheckText(
      value, [&field] { return field; }, max, required, v);
}
inline void CheckNonNegative(int64_t value, const std::string& field, FieldViolations* v) {
  CheckNonNegative(
      value, [&field] { return field; }, v);
}
inline void CheckEnum(int value, bool (*is_valid)(int), bool required, const std::string& field,
                      FieldViolations* v) {
  CheckEnum(
      value, is_valid, required, [&field] { return field; }, v);
}
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
