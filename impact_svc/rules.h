#ifndef PASSERELLE_IMPACT_SVC_RULES_H_
#define PASSERELLE_IMPACT_SVC_RULES_H_

// The pure rules of insertion-hour declarations: what a valid declaration is, the integer
// arithmetic of the two targets, and the pseudonymisation of workers. No storage, no RPC.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "common/errors.h"
#include "passerelle/v1/impact.pb.h"

struct evp_md_ctx_st;

namespace passerelle::impact {

inline constexpr int64_t kBasisPoints = 10000;
inline constexpr size_t kMaxWorkerReferenceLength = 128;

// `text` as a calendar month, when it is exactly one written YYYY-MM.
std::optional<absl::CivilMonth> ParseMonth(absl::string_view text);

// Adds every problem of `d`'s client-settable fields under `prefix`: SIRET, names, a period that is
// a calendar month not after `this_month`, insertion hours within total hours, channel, category
// and worker breakdowns that add up to the insertion hours. Which lot was awarded to whom needs the
// store, so it is the caller's to check.
void ValidateDeclaration(const v1::HourDeclaration& d, absl::string_view prefix,
                         absl::CivilMonth this_month, common::FieldViolations* v);

// numerator / denominator in basis points, rounded down; 0 when the denominator is 0. Integers
// throughout: hours are hundredths and amounts cents, so no figure depends on floating-point
// rounding.
int64_t RatioBasisPoints(int64_t numerator, int64_t denominator);

// Where `basis_points` stands against `target`.
v1::TargetStatus StatusAgainst(int64_t basis_points, const v1::Target& target);

// The keyed hash standing for a worker: HMAC-SHA256 under the event's secret, so the same person
// counts once across contractors and months, and nobody without the secret can link it back to the
// reference. The keyed inner and outer SHA-256 states are computed once, so a pseudonym costs two
// hash finalisations — OpenSSL's one-shot HMAC() set the key up again for each, about fifteen times
// slower, which bounded ingest at ten worker lines a declaration. Thread-safe.
class Pseudonymiser {
 public:
  explicit Pseudonymiser(absl::string_view secret);
  ~Pseudonymiser();
  Pseudonymiser(const Pseudonymiser&) = delete;
  Pseudonymiser& operator=(const Pseudonymiser&) = delete;

  // 32 bytes.
  std::string Of(absl::string_view worker_reference) const;

 private:
  evp_md_ctx_st* inner_;  // SHA-256 after the key XOR ipad block
  evp_md_ctx_st* outer_;  // SHA-256 after the key XOR opad block
};

// One pseudonym (builds the keyed states for the call).
std::string WorkerPseudonym(absl::string_view secret, absl::string_view worker_reference);

// Replaces every worker reference of `d` by its pseudonym (the reference is cleared, not kept
// anywhere).
void PseudonymiseWorkers(const Pseudonymiser& pseudonymiser, v1::HourDeclaration* d);

// `d` as a peer under a REDACTED sharing rule sees it: the worker lines removed, the totals kept.
void RedactWorkers(v1::HourDeclaration* d);

}  // namespace passerelle::impact

#endif  // PASSERELLE_IMPACT_SVC_RULES_H_
