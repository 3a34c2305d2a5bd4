#include "gateway/json_print.h"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/field_mask_util.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"

namespace passerelle::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Protobuf escapes a list of invisible and format code points (U+00AD, U+0600…, U+200B…, U+2028…,
// U+FEFF…) as \uXXXX and prints the others as they are. Only these ranges are printed here, and the
// test checks each of their code points against protobuf: Latin, Greek, Cyrillic, Armenian, Hebrew
// letters and accents, typographic dashes and quotes, and the euro sign — what French text uses.
bool PrintedAsIs(uint32_t code_point) {
  return (code_point >= 0xA0 && code_point < 0x600 && code_point != 0xAD) ||
         (code_point >= 0x2010 && code_point <= 0x2027) || code_point == 0x20AC;
}

// The code point of the UTF-8 sequence starting `text`, and its length; false if it is not a
// well-formed two- or three-byte sequence (longer ones are never printed as they are here).
bool DecodeUtf8(absl::string_view text, uint32_t* code_point, size_t* length) {
  auto continuation = [&](size_t i) {
    return i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80;
  };
  const unsigned char lead = text[0];
  if (lead >= 0xC2 && lead <= 0xDF && continuation(1)) {
    *code_point = (lead & 0x1F) << 6 | (text[1] & 0x3F);
    *length = 2;
    return true;
  }
  if (lead >= 0xE0 && lead <= 0xEF && continuation(1) && continuation(2)) {
    *code_point = (lead & 0x0F) << 12 | (text[1] & 0x3F) << 6 | (text[2] & 0x3F);
    *length = 3;
    return *code_point >= 0x800 && (*code_point < 0xD800 || *code_point > 0xDFFF);
  }
  return false;
}

bool AppendString(absl::string_view text, std::string* out) {
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied, all printed as they are
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = text[i];
    if (c >= 0x80) {
      uint32_t code_point;
      size_t length;
      if (!DecodeUtf8(text.substr(i), &code_point, &length) || !PrintedAsIs(code_point))
        return false;
      i += length;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != 0x7F) {
      ++i;
      continue;
    }
    out->append(text.data() + run, i - run);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        absl::StrAppendFormat(out, "\\u%04x", c);
    }
    run = ++i;
  }
  out->append(text.data() + run, text.size() - run);
  out->push_back('"');
  return true;
}

// As protobuf: the type's guaranteed digits if they read back to the same value, else enough for
// any value; non-finite values as the quoted names the proto3 JSON mapping gives them.
template <typename T>
void AppendFloating(T value, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
    return;
  }
  if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  constexpr bool kDouble = std::is_same_v<T, double>;
  constexpr int kDigits = kDouble ? DBL_DIG : FLT_DIG;
  char buffer[32];
  snprintf(buffer, sizeof buffer, "%.*g", kDigits, static_cast<double>(value));
  const T back = kDouble ? std::strtod(buffer, nullptr) : std::strtof(buffer, nullptr);
  if (back != value)
    snprintf(buffer, sizeof buffer, "%.*g", kDouble ? DBL_DIG + 2 : FLT_DIG + 3,
             static_cast<double>(value));
  out->append(buffer);
}

// Field `field` of `message`: the singular value when `index` is negative, else that element.
template <typename T>
T Read(const Message& message, const FieldDescriptor* field, int index,
       T (Reflection::*singular)(const Message&, const FieldDescriptor*) const,
       T (Reflection::*repeated)(const Message&, const FieldDescriptor*, int) const) {
  const Reflection* reflection = message.GetReflection();
  return index < 0 ? (reflection->*singular)(message, field)
                   : (reflection->*repeated)(message, field, index);
}

bool AppendMessage(const Message& message, std::string* out);

bool AppendValue(const Message& message, const FieldDescriptor* field, int index,
                 std::string* out) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(
          out, Read(message, field, index, &Reflection::GetInt32, &Reflection::GetRepeatedInt32));
      return true;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(
          out, Read(message, field, index, &Reflection::GetUInt32, &Reflection::GetRepeatedUInt32));
      return true;
    case FieldDescriptor::CPPTYPE_INT64:  // quoted: JavaScript numbers hold 53 bits
      absl::StrAppend(
          out, "\"",
          Read(message, field, index, &Reflection::GetInt64, &Reflection::GetRepeatedInt64), "\"");
      return true;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(
          out, "\"",
          Read(message, field, index, &Reflection::GetUInt64, &Reflection::GetRepeatedUInt64),
          "\"");
      return true;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendFloating(
          Read(message, field, index, &Reflection::GetDouble, &Reflection::GetRepeatedDouble), out);
      return true;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendFloating(
          Read(message, field, index, &Reflection::GetFloat, &Reflection::GetRepeatedFloat), out);
      return true;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append(Read(message, field, index, &Reflection::GetBool, &Reflection::GetRepeatedBool)
                      ? "true"
                      : "false");
      return true;
    case FieldDescriptor::CPPTYPE_ENUM: {
      if (field->enum_type()->full_name() == "google.protobuf.NullValue") return false;
      const int number =
          Read(message, field, index, &Reflection::GetEnumValue, &Reflection::GetRepeatedEnumValue);
      // A number this build does not know (proto3 keeps it) goes out as the number.
      if (const auto* value = field->enum_type()->FindValueByNumber(number)) {
        absl::StrAppend(out, "\"", value->name(), "\"");
      } else {
        absl::StrAppend(out, number);
      }
      return true;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const Reflection* reflection = message.GetReflection();
      const std::string& text =
          index < 0 ? reflection->GetStringReference(message, field, &scratch)
                    : reflection->GetRepeatedStringReference(message, field, index, &scratch);
      if (field->type() != FieldDescriptor::TYPE_BYTES) return AppendString(text, out);
      absl::StrAppend(out, "\"", absl::Base64Escape(text), "\"");
      return true;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Reflection* reflection = message.GetReflection();
      return AppendMessage(index < 0 ? reflection->GetMessage(message, field)
                                     : reflection->GetRepeatedMessage(message, field, index),
                           out);
    }
  }
  return false;
}

bool AppendTimestamp(const Message& message, std::string* out) {
  const Reflection* reflection = message.GetReflection();
  const Descriptor* type = message.GetDescriptor();
  google::protobuf::Timestamp timestamp;
  timestamp.set_seconds(reflection->GetInt64(message, type->FindFieldByNumber(1)));
  timestamp.set_nanos(reflection->GetInt32(message, type->FindFieldByNumber(2)));
  // 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, as RFC 3339 allows; protobuf refuses the rest.
  if (timestamp.seconds() < -62'135'596'800 || timestamp.seconds() > 253'402'300'799 ||
      timestamp.nanos() < 0 || timestamp.nanos() > 999'999'999)
    return false;
  absl::StrAppend(out, "\"", google::protobuf::util::TimeUtil::ToString(timestamp), "\"");
  return true;
}

bool AppendFieldMask(const Message& message, std::string* out) {
  const Reflection* reflection = message.GetReflection();
  const FieldDescriptor* paths = message.GetDescriptor()->FindFieldByNumber(1);
  google::protobuf::FieldMask mask;
  for (int i = 0; i < reflection->FieldSize(message, paths); ++i)
    mask.add_paths(reflection->GetRepeatedString(message, paths, i));
  std::string json;
  if (!google::protobuf::util::FieldMaskUtil::ToJsonString(mask, &json)) return false;
  return AppendString(json, out);
}

bool AppendObject(const Message& message, std::string* out) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);  // the fields set, by number, as protobuf prints them
  out->push_back('{');
  for (size_t i = 0; i < fields.size(); ++i) {
    const FieldDescriptor* field = fields[i];
    if (field->is_extension() || field->is_map()) return false;
    if (i > 0) out->push_back(',');
    absl::StrAppend(out, "\"", field->json_name(), "\":");
    if (!field->is_repeated()) {
      if (!AppendValue(message, field, -1, out)) return false;
      continue;
    }
    out->push_back('[');
    for (int j = 0; j < reflection->FieldSize(message, field); ++j) {
      if (j > 0) out->push_back(',');
      if (!AppendValue(message, field, j, out)) return false;
    }
    out->push_back(']');
  }
  out->push_back('}');
  return true;
}

bool AppendMessage(const Message& message, std::string* out) {
  const Descriptor* type = message.GetDescriptor();
  switch (type->well_known_type()) {
    case Descriptor::WELLKNOWNTYPE_UNSPECIFIED:
      return AppendObject(message, out);
    case Descriptor::WELLKNOWNTYPE_TIMESTAMP:
      return AppendTimestamp(message, out);
    case Descriptor::WELLKNOWNTYPE_FIELDMASK:
      return AppendFieldMask(message, out);
    case Descriptor::WELLKNOWNTYPE_DOUBLEVALUE:
    case Descriptor::WELLKNOWNTYPE_FLOATVALUE:
    case Descriptor::WELLKNOWNTYPE_INT64VALUE:
    case Descriptor::WELLKNOWNTYPE_UINT64VALUE:
    case Descriptor::WELLKNOWNTYPE_INT32VALUE:
    case Descriptor::WELLKNOWNTYPE_UINT32VALUE:
    case Descriptor::WELLKNOWNTYPE_STRINGVALUE:
    case Descriptor::WELLKNOWNTYPE_BYTESVALUE:
    case Descriptor::WELLKNOWNTYPE_BOOLVALUE:  // the wrapped value alone, default included
      return AppendValue(message, type->FindFieldByNumber(1), -1, out);
    default:  // Any, Duration, Struct, Value, ListValue
      return false;
  }
}

}  // namespace

bool PrintJsonDirect(const Message& message, std::string* out) {
  return AppendMessage(message, out);
}

std::string ToJson(const Message& message) {
  std::string out;
  if (PrintJsonDirect(message, &out)) return out;
  out.clear();
  (void)google::protobuf::util::MessageToJsonString(message, &out,
                                                    google::protobuf::util::JsonPrintOptions());
  return out;
}

}  // namespace passerelle::gateway
