#include "bench/raw_baseline_service.h"

#include "absl/status/status.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace passerelle::bench {
namespace {

grpc::Status FromRocks(const rocksdb::Status& s) {
  return s.ok() ? grpc::Status::OK : grpc::Status(grpc::StatusCode::INTERNAL, s.ToString());
}

}  // namespace

absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenRawDb(const std::string& path,
                                                       size_t write_buffer_bytes) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  options.max_background_jobs = 2;
  options.write_buffer_size = write_buffer_bytes;
  options.compression = rocksdb::kLZ4Compression;
  rocksdb::DB* db = nullptr;
  rocksdb::Status opened = rocksdb::DB::Open(options, path, &db);
  if (!opened.ok()) return absl::InternalError(opened.ToString());
  return std::unique_ptr<rocksdb::DB>(db);
}

grpc::Status RawBaselineService::Put(grpc::ServerContext*, const PutRequest* request,
                                     PutResponse*) {
  return FromRocks(db_->Put(rocksdb::WriteOptions(), request->key(), request->value()));
}

grpc::Status RawBaselineService::PutStream(grpc::ServerContext*,
                                           grpc::ServerReader<PutRequest>* reader,
                                           PutResponse* response) {
  rocksdb::WriteBatch batch;
  PutRequest request;
  while (reader->Read(&request)) {
    batch.Put(request.key(), request.value());
    if (batch.Count() == kStreamBatch) {
      if (grpc::Status s = FromRocks(db_->Write(rocksdb::WriteOptions(), &batch)); !s.ok())
        return s;
      response->set_written(response->written() + kStreamBatch);
      batch.Clear();
    }
  }
  if (batch.Count() > 0) {
    if (grpc::Status s = FromRocks(db_->Write(rocksdb::WriteOptions(), &batch)); !s.ok()) return s;
    response->set_written(response->written() + batch.Count());
  }
  return grpc::Status::OK;
}

}  // namespace passerelle::bench
