#ifndef PASSERELLE_TESTS_SUPPORT_PROTO_MATCHERS_H_
#define PASSERELLE_TESTS_SUPPORT_PROTO_MATCHERS_H_

// Comparing protocol buffer messages in tests, with a field-by-field difference on mismatch.

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"

namespace passerelle::testing {

// Matches a message equal to `expected` field by field (same type, same set fields, same values).
MATCHER_P(EqualsProto, expected, "equals " + expected.ShortDebugString()) {
  std::string difference;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&difference);
  if (differencer.Compare(expected, arg)) return true;
  *result_listener << "which differs: " << difference;
  return false;
}

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_SUPPORT_PROTO_MATCHERS_H_
