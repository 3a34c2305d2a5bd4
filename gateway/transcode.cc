#include "gateway/transcode.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/errors.h"
#include "common/utf8.h"
#include "google/protobuf/util/json_util.h"

namespace passerelle::gateway {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::string JsonQuoted(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, "\\u00", absl::string_view("0123456789abcdef" + ((c >> 4) & 0xf), 1),
                      absl::string_view("0123456789abcdef" + (c & 0xf), 1));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

// protobuf's JSON parser reports "(a.b[0]) c: Cannot find field." or "(a.b): invalid value ...";
// the field a client would look for is "a.b[0].c" or "a.b". Messages without a location concern the
// body as a whole.
common::FieldViolations::Violation JsonViolation(absl::string_view prefix,
                                                 absl::string_view message) {
  absl::string_view rest = message;
  std::string field;
  if (absl::ConsumePrefix(&rest, "(")) {
    size_t close = rest.find(')');
    if (close != absl::string_view::npos) {
      field = std::string(rest.substr(0, close));
      rest = rest.substr(close + 1);
      if (absl::ConsumePrefix(&rest, " ")) {
        size_t colon = rest.find(':');
        if (colon != absl::string_view::npos) {
          absl::StrAppend(&field, field.empty() ? "" : ".", rest.substr(0, colon));
          rest = rest.substr(colon);
        }
      }
      absl::ConsumePrefix(&rest, ":");
      rest = absl::StripLeadingAsciiWhitespace(rest);
    }
  } else if (size_t colon = rest.find(": ");
             colon != absl::string_view::npos && colon > 0 &&
             std::all_of(rest.begin(), rest.begin() + colon,
                         [](char c) { return absl::ascii_isalnum(c) || c == '_'; })) {
    field = std::string(rest.substr(0, colon));
    rest = rest.substr(colon + 2);
  }
  // The parser's "here" marker spans lines; the first says what is wrong.
  rest = rest.substr(0, rest.find('\n'));
  std::string path = field.empty() || prefix.empty() ? absl::StrCat(prefix, field)
                                                     : absl::StrCat(prefix, ".", field);
  if (path.empty()) path = "body";
  return {path, field.empty() ? absl::StrCat("malformed JSON: ", rest) : std::string(rest)};
}

absl::Status ParseJsonInto(absl::string_view json, absl::string_view prefix, Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message, options);
  if (status.ok()) return absl::OkStatus();
  common::FieldViolations::Violation v = JsonViolation(prefix, status.message().as_string());
  return common::InvalidField(std::move(v.field), std::move(v.description));
}

const FieldDescriptor* FindField(const google::protobuf::Descriptor* type, absl::string_view name) {
  const FieldDescriptor* field = type->FindFieldByName(std::string(name));
  return field != nullptr ? field : type->FindFieldByCamelcaseName(std::string(name));
}

template <typename T>
using Setter = void (Reflection::*)(Message*, const FieldDescriptor*, T) const;

// Parses `value` as a T and sets or appends it; `what` names the expected form in the refusal.
template <typename T, typename Parse>
absl::Status Put(Message* message, const FieldDescriptor* field, absl::string_view value,
                 const std::string& path, Parse parse, Setter<T> set, Setter<T> add,
                 absl::string_view what) {
  T parsed;
  if (!parse(value, &parsed))
    return common::InvalidField(path, absl::StrCat("\"", value, "\" is not ", what));
  (message->GetReflection()->*(field->is_repeated() ? add : set))(message, field,
                                                                  std::move(parsed));
  return absl::OkStatus();
}

template <typename T>
bool ParseInteger(absl::string_view text, T* out) {
  return absl::SimpleAtoi(text, out);
}

bool ParseString(absl::string_view text, std::string* out) {
  *out = std::string(text);
  return true;
}

bool ParseFloat(absl::string_view text, float* out) { return absl::SimpleAtof(text, out); }
bool ParseDouble(absl::string_view text, double* out) { return absl::SimpleAtod(text, out); }
bool ParseBool(absl::string_view text, bool* out) { return absl::SimpleAtob(text, out); }

absl::Status SetScalar(Message* message, const FieldDescriptor* field, absl::string_view value,
                       const std::string& path) {
  using R = Reflection;
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      if (field->type() == FieldDescriptor::TYPE_STRING && !common::IsUtf8(value))
        return common::InvalidField(path, "is not UTF-8 text");
      return Put<std::string>(message, field, value, path, ParseString, &R::SetString,
                              &R::AddString, "text");
    case FieldDescriptor::CPPTYPE_INT32:
      return Put<int32_t>(message, field, value, path, ParseInteger<int32_t>, &R::SetInt32,
                          &R::AddInt32, "a 32-bit integer");
    case FieldDescriptor::CPPTYPE_INT64:
      return Put<int64_t>(message, field, value, path, ParseInteger<int64_t>, &R::SetInt64,
                          &R::AddInt64, "a 64-bit integer");
    case FieldDescriptor::CPPTYPE_UINT32:
      return Put<uint32_t>(message, field, value, path, ParseInteger<uint32_t>, &R::SetUInt32,
                           &R::AddUInt32, "an unsigned 32-bit integer");
    case FieldDescriptor::CPPTYPE_UINT64:
      return Put<uint64_t>(message, field, value, path, ParseInteger<uint64_t>, &R::SetUInt64,
                           &R::AddUInt64, "an unsigned 64-bit integer");
    case FieldDescriptor::CPPTYPE_FLOAT:
      return Put<float>(message, field, value, path, ParseFloat, &R::SetFloat, &R::AddFloat,
                        "a number");
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return Put<double>(message, field, value, path, ParseDouble, &R::SetDouble, &R::AddDouble,
                         "a number");
    case FieldDescriptor::CPPTYPE_BOOL:
      return Put<bool>(message, field, value, path, ParseBool, &R::SetBool, &R::AddBool,
                       "true or false");
    case FieldDescriptor::CPPTYPE_ENUM: {
      auto parse = [field](absl::string_view text,
                           const google::protobuf::EnumValueDescriptor** out) {
        *out = field->enum_type()->FindValueByName(std::string(text));
        int number;
        if (*out == nullptr && absl::SimpleAtoi(text, &number))
          *out = field->enum_type()->FindValueByNumber(number);
        return *out != nullptr;
      };
      return Put<const google::protobuf::EnumValueDescriptor*>(
          message, field, value, path, parse, &R::SetEnum, &R::AddEnum,
          absl::StrCat("a value of ", field->enum_type()->full_name()));
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      // Well-known types (FieldMask, Timestamp, wrappers) have a JSON string form; other messages
      // do not.
      const Reflection* r = message->GetReflection();
      Message* target =
          field->is_repeated() ? r->AddMessage(message, field) : r->MutableMessage(message, field);
      if (ParseJsonInto(JsonQuoted(value), path, target).ok()) return absl::OkStatus();
      return common::InvalidField(
          path, absl::StrCat("\"", value, "\" is not a ", field->message_type()->full_name(),
                             " in its JSON string form"));
    }
  }
  return common::InvalidField(path, "cannot be set from a query parameter");
}

}  // namespace

std::vector<std::pair<std::string, std::string>> ParseQuery(absl::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(part, absl::MaxSplits('=', 1));
    out.emplace_back(PercentDecode(absl::StrReplaceAll(kv.first, {{"+", " "}})),
                     PercentDecode(absl::StrReplaceAll(kv.second, {{"+", " "}})));
  }
  return out;
}

absl::Status SetFieldFromText(Message* message, absl::string_view field_path,
                              absl::string_view value) {
  std::vector<absl::string_view> names = absl::StrSplit(field_path, '.');
  std::string path;
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StrAppend(&path, i == 0 ? "" : ".", names[i]);
    const FieldDescriptor* field = FindField(message->GetDescriptor(), names[i]);
    if (field == nullptr) {
      return common::InvalidField(
          path, absl::StrCat("no such field in ", message->GetDescriptor()->full_name()));
    }
    if (i + 1 == names.size()) return SetScalar(message, field, value, path);
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_repeated()) {
      return common::InvalidField(path,
                                  "is not a singular message, so it has no sub-fields to set");
    }
    message = message->GetReflection()->MutableMessage(message, field);
  }
  return absl::OkStatus();
}

// A FieldMask path the JSON mapping carries both ways: dot-separated snake_case names, each "_"
// followed by a lower-case letter. Anything else cannot name a field, and would reach the node as
// another path than the client wrote once the mask goes through its lowerCamelCase JSON form.
bool IsFieldPath(absl::string_view path) {
  for (absl::string_view name : absl::StrSplit(path, '.')) {
    if (name.empty() || !absl::ascii_islower(name[0])) return false;
    for (size_t i = 1; i < name.size(); ++i) {
      const char c = name[i];
      if (c == '_') {
        if (i + 1 == name.size() || !absl::ascii_islower(name[i + 1])) return false;
      } else if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c)) {
        return false;
      }
    }
  }
  return true;
}

// INVALID_ARGUMENT naming the first FieldMask (anywhere in `message`) with a path that is not a
// field path.
absl::Status CheckFieldMasks(const Message& message, absl::string_view prefix) {
  const Reflection* r = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_map()) continue;
    const int count = field->is_repeated() ? r->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const Message& child = field->is_repeated() ? r->GetRepeatedMessage(message, field, i)
                                                  : r->GetMessage(message, field);
      std::string path = absl::StrCat(prefix, prefix.empty() ? "" : ".", field->name());
      if (field->is_repeated()) absl::StrAppend(&path, "[", i, "]");
      // By descriptor, not by C++ type: the gateway's messages may be dynamic ones.
      if (child.GetDescriptor()->full_name() == "google.protobuf.FieldMask") {
        const FieldDescriptor* paths = child.GetDescriptor()->FindFieldByName("paths");
        const Reflection* mask = child.GetReflection();
        for (int p = 0; p < mask->FieldSize(child, paths); ++p) {
          const std::string text = mask->GetRepeatedString(child, paths, p);
          if (!IsFieldPath(text))
            return common::InvalidField(path, absl::StrCat("\"", text, "\" is not a field path"));
        }
      } else if (absl::Status s = CheckFieldMasks(child, path); !s.ok()) {
        return s;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status BuildRequest(const Route& route, const std::vector<PathBinding>& bindings,
                          absl::string_view query, absl::string_view body, Message* request) {
  const bool body_blank = absl::StripAsciiWhitespace(body).empty();
  if (route.body.empty()) {
    if (!body_blank)
      return common::InvalidField("body",
                                  "this route takes no body; send fields as query parameters");
  } else if (body_blank) {
    return common::InvalidField("body", "a JSON body is required");
  } else if (route.body == "*") {
    if (absl::Status s = ParseJsonInto(body, "", request); !s.ok()) return s;
  } else {
    const FieldDescriptor* field = FindField(request->GetDescriptor(), route.body);
    // Route::Build checked the field exists; wrapping the body keeps field paths in errors
    // absolute.
    std::string wrapped = absl::StrCat("{", JsonQuoted(field->json_name()), ":", body, "}");
    if (absl::Status s = ParseJsonInto(wrapped, "", request); !s.ok()) return s;
  }
  for (const PathBinding& binding : bindings) {
    if (absl::Status s = SetFieldFromText(request, binding.field_path, binding.value); !s.ok())
      return s;
  }
  for (const auto& [name, value] : ParseQuery(query)) {
    if (route.body == "*")
      return common::InvalidField(name, "the body carries the whole request: no query parameters");
    std::vector<absl::string_view> names = absl::StrSplit(name, '.');
    if (!route.body.empty() && FindField(request->GetDescriptor(), names[0]) ==
                                   FindField(request->GetDescriptor(), route.body)) {
      return common::InvalidField(name, "is part of the body");
    }
    for (const PathBinding& binding : bindings) {
      if (binding.field_path == name) return common::InvalidField(name, "is bound by the path");
    }
    if (absl::Status s = SetFieldFromText(request, name, value); !s.ok()) return s;
  }
  return CheckFieldMasks(*request, "");
}

std::vector<NdjsonLine> SplitNdjson(absl::string_view body) {
  std::vector<NdjsonLine> lines;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(body, '\n')) {
    ++number;
    line = absl::StripAsciiWhitespace(line);
    if (!line.empty()) lines.push_back({number, line});
  }
  return lines;
}

}  // namespace passerelle::gateway
