#ifndef PASSERELLE_STORE_ENVELOPE_H_
#define PASSERELLE_STORE_ENVELOPE_H_

// How a record sits in its column family: the version of its last write, then its bytes. Keeping
// the version beside (not inside) the record lets the store order concurrent writes of any kind
// without parsing it. Internal to store/.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "passerelle/v1/common.pb.h"

namespace passerelle::store {

std::string EncodeEnvelope(const v1::Version& version, absl::string_view record);

// The record's bytes within `bytes` (an envelope), its version left unparsed: what a read that
// does not need the version pays. DATA_LOSS naming the record (kind/id) when `bytes` is not an
// envelope.
absl::Status EnvelopeRecord(absl::string_view bytes, absl::string_view kind, absl::string_view id,
                            absl::string_view* record);

struct Envelope {
  v1::Version version;
  absl::string_view record;  // points into the decoded bytes
};
// DATA_LOSS naming the record (kind/id) when `bytes` is not an envelope.
absl::Status DecodeEnvelope(absl::string_view bytes, absl::string_view kind, absl::string_view id,
                            Envelope* out);

// True when `a` wins over `b` under last-writer-wins: later hybrid-logical time, then the greater
// origin.
bool NewerThan(const v1::Version& a, const v1::Version& b);

}  // namespace passerelle::store

#endif  // PASSERELLE_STORE_ENVELOPE_H_
