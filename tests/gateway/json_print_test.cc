// The gateway's JSON printer against protobuf's own, which it replaces for speed: the same bytes
// for every message the API carries, and protobuf's output wherever the direct path steps aside.

#include "gateway/json_print.h"

#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/demo_data.h"
#include "gateway/route_table.h"
#include "gmock/gmock.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/empty.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"
#include "passerelle/v1/impact.pb.h"
#include "passerelle/v1/mesh.pb.h"
#include "passerelle/v1/registry.pb.h"
#include "passerelle/v1/tender.pb.h"

namespace passerelle::gateway {
namespace {

// What protobuf prints, even where it refuses the message (a timestamp past year 9999).
std::string Protobuf(const google::protobuf::Message& message) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out);
  return out;
}

// The direct path prints `message`, and exactly as protobuf does.
void ExpectDirectAndSame(const google::protobuf::Message& message) {
  std::string direct;
  ASSERT_TRUE(PrintJsonDirect(message, &direct)) << message.DebugString();
  EXPECT_EQ(direct, Protobuf(message)) << message.DebugString();
  EXPECT_EQ(ToJson(message), direct);
}

// The direct path steps aside, and ToJson gives protobuf's output.
void ExpectHandedToProtobuf(const google::protobuf::Message& message) {
  std::string direct;
  EXPECT_FALSE(PrintJsonDirect(message, &direct)) << message.DebugString();
  EXPECT_EQ(ToJson(message), Protobuf(message));
}

// UTF-8 of one code point.
std::string Utf8(uint32_t code_point) {
  std::string out;
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | code_point >> 6));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | code_point >> 12));
    out.push_back(static_cast<char>(0x80 | (code_point >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | code_point >> 18));
    out.push_back(static_cast<char>(0x80 | (code_point >> 12 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point >> 6 & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
  return out;
}

v1::Structure Named(const std::string& name) {
  v1::Structure structure;
  structure.set_display_name(name);
  return structure;
}

// Sets about two fields in three of `message` (and of its messages, `depth` levels down) to values
// drawn from `rng`: text mixing plain, escaped and accented characters, numbers at their limits,
// enum values known and unknown, timestamps and update masks as the API carries them.
void Fill(google::protobuf::Message* message, std::mt19937_64& rng, int depth) {
  using google::protobuf::Descriptor;
  using google::protobuf::FieldDescriptor;
  const Descriptor* type = message->GetDescriptor();
  const google::protobuf::Reflection* reflection = message->GetReflection();
  if (type->well_known_type() == Descriptor::WELLKNOWNTYPE_TIMESTAMP) {
    reflection->SetInt64(message, type->FindFieldByNumber(1), rng() % 4'000'000'000);
    reflection->SetInt32(message, type->FindFieldByNumber(2),
                         rng() % 4 == 0 ? rng() % 1'000'000'000 : 0);
    return;
  }
  if (type->well_known_type() == Descriptor::WELLKNOWNTYPE_FIELDMASK) {
    for (const char* path : {"display_name", "contact.email"})
      if (rng() % 2) reflection->AddString(message, type->FindFieldByNumber(1), path);
    return;
  }
  static const char* const kPieces[] = {"a", "Zz", " ",  "é",  "«",  "»",  "’", "–",  "€",
                                        "<", ">",  "\"", "\\", "\n", "\t", "/", "93", "Œ"};
  static const double kNumbers[] = {0, 0.1, -2.5, 1.0 / 3, 1e21, -1e-7, 123456789.0};
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    if (rng() % 3 == 0) continue;
    const int count = field->is_repeated() ? static_cast<int>(rng() % 3) : 1;
    for (int k = 0; k < count; ++k) {
      const bool add = field->is_repeated();
      const int64_t wide =
          rng() % 2 ? static_cast<int64_t>(rng()) : static_cast<int64_t>(rng() % 100);
      switch (field->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          add ? reflection->AddInt32(message, field, static_cast<int32_t>(wide))
              : reflection->SetInt32(message, field, static_cast<int32_t>(wide));
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          add ? reflection->AddUInt32(message, field, static_cast<uint32_t>(wide))
              : reflection->SetUInt32(message, field, static_cast<uint32_t>(wide));
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          add ? reflection->AddInt64(message, field, wide)
              : reflection->SetInt64(message, field, wide);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          add ? reflection->AddUInt64(message, field, static_cast<uint64_t>(wide))
              : reflection->SetUInt64(message, field, static_cast<uint64_t>(wide));
          break;
        case FieldDescriptor::CPPTYPE_DOUBLE:
        case FieldDescriptor::CPPTYPE_FLOAT: {
          const double number = kNumbers[rng() % std::size(kNumbers)];
          if (field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
            add ? reflection->AddFloat(message, field, static_cast<float>(number))
                : reflection->SetFloat(message, field, static_cast<float>(number));
          } else {
            add ? reflection->AddDouble(message, field, number)
                : reflection->SetDouble(message, field, number);
          }
          break;
        }
        case FieldDescriptor::CPPTYPE_BOOL:
          add ? reflection->AddBool(message, field, rng() % 2)
              : reflection->SetBool(message, field, rng() % 2);
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* values = field->enum_type();
          const int number =
              rng() % 5 == 0 ? 977 : values->value(rng() % values->value_count())->number();
          add ? reflection->AddEnumValue(message, field, number)
              : reflection->SetEnumValue(message, field, number);
          break;
        }
        case FieldDescriptor::CPPTYPE_STRING: {
          std::string text;
          for (int n = static_cast<int>(rng() % 6); n > 0; --n) {
            if (field->type() == FieldDescriptor::TYPE_BYTES) {
              text.push_back(static_cast<char>(rng()));
            } else {
              text += kPieces[rng() % std::size(kPieces)];
            }
          }
          add ? reflection->AddString(message, field, text)
              : reflection->SetString(message, field, text);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth > 0) {
            Fill(add ? reflection->AddMessage(message, field)
                     : reflection->MutableMessage(message, field),
                 rng, depth - 1);
          }
          break;
      }
    }
  }
}

// Every message type a gateway route carries, and the message types they hold.
std::vector<const google::protobuf::Descriptor*> GatewayMessageTypes() {
  std::set<const google::protobuf::Descriptor*> seen;
  std::vector<const google::protobuf::Descriptor*> pending;
  for (const google::protobuf::ServiceDescriptor* service : LinkedServices()) {
    for (int m = 0; m < service->method_count(); ++m) {
      pending.push_back(service->method(m)->input_type());
      pending.push_back(service->method(m)->output_type());
    }
  }
  while (!pending.empty()) {
    const google::protobuf::Descriptor* type = pending.back();
    pending.pop_back();
    // A map's entries print only within their map, never as messages of their own.
    if (type->options().map_entry() || !seen.insert(type).second) continue;
    for (int f = 0; f < type->field_count(); ++f) {
      if (type->field(f)->message_type() != nullptr)
        pending.push_back(type->field(f)->message_type());
    }
  }
  return {seen.begin(), seen.end()};
}

TEST(JsonPrint, EveryMessageTypeOfTheApiFilledAtRandomPrintsAsProtobufDoes) {
  const std::vector<const google::protobuf::Descriptor*> types = GatewayMessageTypes();
  ASSERT_GT(types.size(), 60u);
  std::mt19937_64 rng(2024);
  int direct = 0, total = 0;
  for (const google::protobuf::Descriptor* type : types) {
    for (int sample = 0; sample < 20; ++sample) {
      std::unique_ptr<google::protobuf::Message> message(
          google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
      Fill(message.get(), rng, 3);
      ASSERT_EQ(ToJson(*message), Protobuf(*message)) << type->full_name() << "\n"
                                                      << message->DebugString();
      std::string out;
      direct += PrintJsonDirect(*message, &out);
      ++total;
    }
  }
  // Strings with the odd character protobuf escapes itself go to it; nearly all the rest is direct.
  EXPECT_GT(direct, total * 9 / 10);
}

TEST(JsonPrint, GeneratedStructuresPrintAsProtobufDoes) {
  for (const v1::Structure& structure : cli::GenerateStructures(300, 7)) {
    ExpectDirectAndSame(structure);
  }
}

TEST(JsonPrint, TenderWithLotsEnumsAndTimesPrintsAsProtobufDoes) {
  v1::Tender tender;
  tender.set_name("tenders/t-1");
  tender.set_title("Entretien des espaces verts « Village » – lot n°2 : 12 000 €");
  tender.set_status(v1::TENDER_STATUS_PUBLISHED);
  tender.add_themes(v1::THEME_CONSTRUCTION_WASTE);
  tender.add_themes(static_cast<v1::Theme>(977));  // a value this build does not know
  tender.add_departments("93");
  tender.set_estimated_amount_cents(-1);
  tender.mutable_publish_time()->set_seconds(1'700'000'000);
  for (int nanos : {0, 120'000'000, 123'456'000, 123'456'789}) {
    tender.mutable_answer_deadline()->set_seconds(1'720'000'000);
    tender.mutable_answer_deadline()->set_nanos(nanos);
    v1::Lot* lot = tender.add_lots();
    lot->set_lot_number(nanos % 7 + 1);
    lot->set_reservation(v1::RESERVATION_SIAE);
    lot->add_cpv_codes("45112710-5");
    lot->set_insertion_hours_required(nanos);
    ExpectDirectAndSame(tender);
  }
}

TEST(JsonPrint, ScalarsAtTheirLimits) {
  v1::Structure structure;
  structure.set_annual_turnover_cents(std::numeric_limits<int64_t>::min());
  structure.set_max_contract_cents(std::numeric_limits<int64_t>::max());
  structure.set_headcount(std::numeric_limits<int32_t>::min());
  ExpectDirectAndSame(structure);

  v1::HourDeclaration declaration;
  declaration.add_workers()->set_worker_pseudonym(std::string("\x00\x01\xfe\xff\x7f", 5));
  ExpectDirectAndSame(declaration);

  ExpectDirectAndSame(google::protobuf::UInt64Value());
  google::protobuf::UInt64Value big;
  big.set_value(std::numeric_limits<uint64_t>::max());
  ExpectDirectAndSame(big);
  google::protobuf::BoolValue yes;
  yes.set_value(true);
  ExpectDirectAndSame(yes);
  ExpectDirectAndSame(google::protobuf::Empty());
}

TEST(JsonPrint, FloatingPointAsProtobufRoundsIt) {
  const double doubles[] = {0.1,
                            1.0 / 3,
                            1e21,
                            123456789012.0,
                            5e-324,
                            -0.0,
                            2.5,
                            1e-7,
                            -1e300,
                            std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity()};
  for (double value : doubles) {
    v1::PeerStatus status;
    status.set_lag_seconds(value);
    ExpectDirectAndSame(status);
    google::protobuf::DoubleValue wrapped;
    wrapped.set_value(value);
    ExpectDirectAndSame(wrapped);
    google::protobuf::FloatValue narrow;
    narrow.set_value(static_cast<float>(value));
    ExpectDirectAndSame(narrow);
  }
}

TEST(JsonPrint, EveryAsciiCharacterEscapedAsProtobufDoes) {
  std::string all;
  for (int c = 1; c < 0x80; ++c) {
    ExpectDirectAndSame(Named(std::string(1, static_cast<char>(c))));
    all.push_back(static_cast<char>(c));
  }
  ExpectDirectAndSame(Named(all + all));
  ExpectDirectAndSame(Named(std::string("a\0b", 3)));
}

TEST(JsonPrint, EveryCodePointPrintedAsItIsMatchesProtobuf) {
  int direct = 0;
  for (uint32_t code_point = 0x80; code_point < 0x10000; ++code_point) {
    if (code_point >= 0xD800 && code_point <= 0xDFFF) continue;
    const v1::Structure structure = Named(absl::StrCat("x", Utf8(code_point), "y"));
    std::string out;
    if (!PrintJsonDirect(structure, &out)) continue;
    ++direct;
    ASSERT_EQ(out, Protobuf(structure)) << "U+" << std::hex << code_point;
  }
  EXPECT_GT(direct, 1300);  // Latin-1, Latin Extended, Greek, Cyrillic, Hebrew, punctuation
  ExpectDirectAndSame(Named("Régie de quartier Œuvre – « l’ESS » à 100 €"));
}

TEST(JsonPrint, CodePointsProtobufEscapesAreHandedToIt) {
  for (uint32_t code_point : {0xADu, 0x600u, 0x200Bu, 0x2028u, 0x202Fu, 0xFEFFu, 0x1F600u}) {
    ExpectHandedToProtobuf(Named(absl::StrCat("x", Utf8(code_point))));
  }
}

TEST(JsonPrint, TypesTheDirectPathDoesNotRenderAreHandedToProtobuf) {
  google::protobuf::Duration duration;
  duration.set_seconds(3);
  duration.set_nanos(500'000'000);
  ExpectHandedToProtobuf(duration);
  google::protobuf::Struct fields;
  (*fields.mutable_fields())["a"].set_string_value("b");
  ExpectHandedToProtobuf(fields);
  v1::Tender far;
  far.mutable_publish_time()->set_seconds(253'402'300'800);  // year 10000
  ExpectHandedToProtobuf(far);
}

TEST(JsonPrint, UpdateMasksPrintInLowerCamelCase) {
  v1::UpdateStructureRequest request;
  request.mutable_structure()->set_display_name("x");
  request.mutable_update_mask()->add_paths("display_name");
  request.mutable_update_mask()->add_paths("contact.email");
  ExpectDirectAndSame(request);
  std::string out;
  ASSERT_TRUE(PrintJsonDirect(request, &out));
  EXPECT_THAT(out, ::testing::HasSubstr(R"("updateMask":"displayName,contact.email")"));
}

}  // namespace
}  // namespace passerelle::gateway
