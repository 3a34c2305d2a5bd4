#ifndef PASSERELLE_BENCH_TENDERS_H_
#define PASSERELLE_BENCH_TENDERS_H_

// What the benchmarks that write notices share: a buyer to write them for, demo notices generated
// ahead of a timed load (so that generating them is not timed), and one CreateTender call.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"
#include "passerelle/v1/registry.grpc.pb.h"
#include "passerelle/v1/tender.grpc.pb.h"

namespace passerelle::bench {

absl::Status CreateBuyer(v1::RegistryService::Stub& stub, const std::string& id);

grpc::Status CreateTender(v1::TenderService::Stub& stub, const v1::Tender& tender);

std::vector<v1::Tender> GenerateTenders(int count, uint64_t seed, const std::string& buyer,
                                        const std::string& prefix);

// Notice `i` of `notices` for a create that must not repeat one: past their end, the same notices
// again under new ids (see FreshStructure). The copy is per thread.
const v1::Tender& FreshNotice(const std::vector<v1::Tender>& notices, int64_t i);

}  // namespace passerelle::bench

#endif  // PASSERELLE_BENCH_TENDERS_H_
