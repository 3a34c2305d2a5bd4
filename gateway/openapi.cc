#include "gateway/openapi.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gateway/json_value.h"

namespace passerelle::gateway {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Value;

constexpr int kMaxQueryDepth = 3;

// Well-known types have a JSON form of their own rather than an object of their fields.
bool SchemaOfWellKnown(const Descriptor* type, Value* schema) {
  const std::string& name = type->full_name();
  if (name == "google.protobuf.Timestamp") {
    *schema = Object({{"type", String("string")}, {"format", String("date-time")}});
  } else if (name == "google.protobuf.Duration" || name == "google.protobuf.FieldMask") {
    *schema = Object({{"type", String("string")}});
  } else if (name == "google.protobuf.Empty" || name == "google.protobuf.Struct" ||
             name == "google.protobuf.Any") {
    *schema = Object({{"type", String("object")}});
  } else if (name == "google.protobuf.Value") {
    *schema = Object({});
  } else {
    return false;
  }
  return true;
}

class SchemaBuilder {
 public:
  // A reference to `type`'s schema, adding it (and what it reaches) to the components.
  Value Ref(const Descriptor* type) {
    Value schema;
    if (SchemaOfWellKnown(type, &schema)) return schema;
    if (seen_.insert(type->full_name()).second) {
      Value properties = Object({});
      for (int i = 0; i < type->field_count(); ++i) {
        Put(&properties, type->field(i)->json_name(), FieldSchema(type->field(i)));
      }
      Put(&schemas_, type->full_name(),
          Object({{"type", String("object")}, {"properties", std::move(properties)}}));
    }
    return Object({{"$ref", String(absl::StrCat("#/components/schemas/", type->full_name()))}});
  }

  Value FieldSchema(const FieldDescriptor* field) {
    if (field->is_map()) {
      return Object({{"type", String("object")},
                     {"additionalProperties", SingleSchema(field->message_type()->map_value())}});
    }
    Value single = SingleSchema(field);
    if (!field->is_repeated()) return single;
    return Object({{"type", String("array")}, {"items", std::move(single)}});
  }

  // The schema of one value of `field`, ignoring repetition.
  Value SingleSchema(const FieldDescriptor* field) {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Ref(field->message_type());
      case FieldDescriptor::CPPTYPE_ENUM: {
        std::vector<Value> names;
        for (int i = 0; i < field->enum_type()->value_count(); ++i)
          names.push_back(String(field->enum_type()->value(i)->name()));
        return Object({{"type", String("string")}, {"enum", List(std::move(names))}});
      }
      case FieldDescriptor::CPPTYPE_BOOL:
        return Object({{"type", String("boolean")}});
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_UINT32:
        return Object({{"type", String("integer")}, {"format", String("int32")}});
      // proto3 JSON writes 64-bit integers as strings, so that JavaScript clients lose no digits.
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT64:
        return Object({{"type", String("string")}, {"format", String("int64")}});
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return Object({{"type", String("number")}});
      default:
        return Object(
            {{"type", String("string")},
             {"format", String(field->type() == FieldDescriptor::TYPE_BYTES ? "byte" : "")}});
    }
  }

  Value TakeSchemas() { return std::move(schemas_); }

 private:
  std::set<std::string> seen_;
  Value schemas_ = Object({});
};

// Query parameters: every leaf field reachable through singular messages, minus those the path or
// body binds.
void AddQueryParameters(const Descriptor* type, const std::string& prefix,
                        const std::set<std::string>& bound, int depth, SchemaBuilder* schemas,
                        std::vector<Value>* parameters) {
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    const std::string path =
        prefix.empty() ? field->name() : absl::StrCat(prefix, ".", field->name());
    if (bound.count(path) > 0) continue;
    Value well_known;
    const bool nested = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
                        !SchemaOfWellKnown(field->message_type(), &well_known);
    if (nested) {
      if (!field->is_repeated() && !field->is_map() && depth < kMaxQueryDepth) {
        AddQueryParameters(field->message_type(), path, bound, depth + 1, schemas, parameters);
      }
      continue;
    }
    parameters->push_back(Object({{"name", String(path)},
                                  {"in", String("query")},
                                  {"schema", schemas->FieldSchema(field)}}));
  }
}

Value Operation(const Route& route, SchemaBuilder* schemas) {
  const google::protobuf::MethodDescriptor* method = route.method;
  std::vector<Value> parameters;
  std::set<std::string> bound;
  for (const std::string& path : route.path.FieldPaths()) bound.insert(path);
  std::vector<std::string> path_parameters;
  route.path.OpenApiPath(&path_parameters);
  for (const std::string& name : path_parameters) {
    parameters.push_back(Object({{"name", String(name)},
                                 {"in", String("path")},
                                 {"required", Bool(true)},
                                 {"schema", Object({{"type", String("string")}})}}));
  }
  Value operation =
      Object({{"operationId", String(absl::StrCat(method->service()->name(), "_", method->name()))},
              {"tags", List({String(method->service()->full_name())})}});
  if (route.body != "*") {
    if (!route.body.empty()) bound.insert(route.body);
    AddQueryParameters(method->input_type(), "", bound, 0, schemas, &parameters);
  }
  Put(&operation, "parameters", List(std::move(parameters)));
  if (!route.body.empty()) {
    Value body_schema =
        route.body == "*" ? schemas->Ref(method->input_type())
                          : schemas->FieldSchema(method->input_type()->FindFieldByName(route.body));
    const char* media = method->client_streaming() ? "application/x-ndjson" : "application/json";
    Put(&operation, "requestBody",
        Object({{"required", Bool(true)},
                {"content", Object({{media, Object({{"schema", std::move(body_schema)}})}})}}));
  }
  const char* media = method->server_streaming() ? "text/event-stream" : "application/json";
  Value ok = Object(
      {{"description",
        String(method->server_streaming() ? "a stream of events, each with an id" : "OK")},
       {"content", Object({{media, Object({{"schema", schemas->Ref(method->output_type())}})}})}});
  Value error =
      Object({{"description", String("an error: {\"error\":{code,status,message,details}}")}});
  Put(&operation, "responses", Object({{"200", std::move(ok)}, {"default", std::move(error)}}));
  return operation;
}

}  // namespace

std::string OpenApiDocument(const RouteTable& routes, const std::string& title) {
  SchemaBuilder schemas;
  Value paths = Object({});
  for (const Route& route : routes.routes()) {
    const std::string path = route.path.OpenApiPath();
    auto* fields = paths.mutable_struct_value()->mutable_fields();
    if (fields->find(path) == fields->end()) Put(&paths, path, Object({}));
    Put(&(*fields)[path], absl::AsciiStrToLower(route.http_method), Operation(route, &schemas));
  }
  Value document = Object(
      {{"openapi", String("3.0.3")},
       {"info", Object({{"title", String(title)}, {"version", String("v1")}})},
       {"paths", std::move(paths)},
       {"components", Object({{"schemas", schemas.TakeSchemas()},
                              {"securitySchemes",
                               Object({{"bearer", Object({{"type", String("http")},
                                                          {"scheme", String("bearer")}})}})}})},
       {"security", List({Object({{"bearer", List({})}})})}});
  return ToJsonText(document);
}

}  // namespace passerelle::gateway
