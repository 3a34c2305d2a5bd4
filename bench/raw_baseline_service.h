#ifndef PASSERELLE_BENCH_RAW_BASELINE_SERVICE_H_
#define PASSERELLE_BENCH_RAW_BASELINE_SERVICE_H_

// RawBaseline (raw_baseline.proto) over one RocksDB: what a gRPC service costs when its whole work
// is writing what it receives. Served by raw-baseline-server (a process, against passerelle-node)
// and in-process by the benchmarks whose node runs in-process.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "raw_baseline.grpc.pb.h"
#include "rocksdb/db.h"

namespace passerelle::bench {

// A fresh RocksDB at `path` set up as the store sets up its families where they bear on a stream
// of writes: WAL on without fsync, LZ4, two background jobs, `write_buffer_bytes` memtables.
absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenRawDb(const std::string& path,
                                                       size_t write_buffer_bytes);

class RawBaselineService final : public RawBaseline::Service {
 public:
  // Rows a PutStream commits at once: the node's stream chunk.
  static constexpr int kStreamBatch = 256;

  explicit RawBaselineService(rocksdb::DB* db) : db_(db) {}

  grpc::Status Put(grpc::ServerContext*, const PutRequest* request, PutResponse*) override;
  grpc::Status PutStream(grpc::ServerContext*, grpc::ServerReader<PutRequest>* reader,
                         PutResponse* response) override;

 private:
  rocksdb::DB* db_;
};

}  // namespace passerelle::bench

#endif  // PASSERELLE_BENCH_RAW_BASELINE_SERVICE_H_
