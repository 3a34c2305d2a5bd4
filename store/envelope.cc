#include "store/envelope.h"

#include <cstdint>
#include <optional>

#include "absl/base/internal/endian.h"
#include "absl/strings/str_cat.h"

namespace passerelle::store {

std::string EncodeEnvelope(const v1::Version& version, absl::string_view record) {
  std::string header = version.SerializeAsString();
  std::string out(4, '\0');
  absl::big_endian::Store32(out.data(), static_cast<uint32_t>(header.size()));
  out.append(header);
  out.append(record.data(), record.size());
  return out;
}

namespace {

absl::Status Unreadable(absl::string_view kind, absl::string_view id) {
  return absl::DataLossError(absl::StrCat("store: unreadable record ", kind, "/", id));
}

// The version's length, or nullopt when `bytes` cannot hold the header it announces.
std::optional<uint32_t> HeaderLength(absl::string_view bytes) {
  if (bytes.size() < 4) return std::nullopt;
  const uint32_t header = absl::big_endian::Load32(bytes.data());
  if (bytes.size() - 4 < header) return std::nullopt;
  return header;
}

}  // namespace

absl::Status DecodeEnvelope(absl::string_view bytes, absl::string_view kind, absl::string_view id,
                            Envelope* out) {
  const std::optional<uint32_t> header = HeaderLength(bytes);
  if (!header || !out->version.ParseFromArray(bytes.data() + 4, static_cast<int>(*header))) {
    return Unreadable(kind, id);
  }
  out->record = bytes.substr(4 + *header);
  return absl::OkStatus();
}

absl::Status EnvelopeRecord(absl::string_view bytes, absl::string_view kind, absl::string_view id,
                            absl::string_view* record) {
  const std::optional<uint32_t> header = HeaderLength(bytes);
  if (!header) return Unreadable(kind, id);
  *record = bytes.substr(4 + *header);
  return absl::OkStatus();
}

bool NewerThan(const v1::Version& a, const v1::Version& b) {
  if (a.hlc_time() != b.hlc_time()) return a.hlc_time() > b.hlc_time();
  return a.origin_partner() > b.origin_partner();
}

}  // namespace passerelle::store
