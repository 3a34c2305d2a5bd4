// raw-baseline-server --db_dir=DIR [--listen_address=127.0.0.1:0]: the floor passerelle-node is
// measured against. Each RawBaseline.Put call is exactly one RocksDB Put, served the way the node
// serves (synchronous gRPC service, common::ConfigureSyncServer's threads) and written the way the
// node writes (WAL on, no fsync, the store's memtable size and compression), so that what the node
// costs beyond it is the node's own work. PutStream is the same floor for a client stream.
//
// Logs "raw-baseline-server started address=HOST:PORT" to stderr once listening; stops on SIGTERM
// or SIGINT.

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "bench/raw_baseline_service.h"
#include "common/runtime.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "store/store.h"

ABSL_FLAG(std::string, db_dir, "", "RocksDB directory, created if missing");
ABSL_FLAG(std::string, listen_address, "127.0.0.1:0", "host:port; port 0 picks a free port");

namespace passerelle::bench {
namespace {

void Log(const std::string& line) {
  std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

int Serve(const std::string& db_dir, const std::string& listen_address) {
  absl::StatusOr<std::unique_ptr<rocksdb::DB>> db =
      OpenRawDb(db_dir, store::kDefaultWriteBufferBytes);
  if (!db.ok()) {
    Log(absl::StrCat("raw-baseline-server: cannot open ", db_dir, ": ", db.status().message()));
    return 1;
  }

  // As in passerelle-node: only sigwait below receives the stop signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  RawBaselineService service(db->get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  common::ConfigureSyncServer(&builder);
  builder.AddListeningPort(listen_address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    Log(absl::StrCat("raw-baseline-server: cannot listen on ", listen_address));
    return 1;
  }
  Log(absl::StrCat("raw-baseline-server started address=",
                   listen_address.substr(0, listen_address.rfind(':')), ":", port));

  int signal = 0;
  sigwait(&stop_signals, &signal);
  server->Shutdown();
  server->Wait();
  return (*db)->Close().ok() ? 0 : 1;
}

}  // namespace
}  // namespace passerelle::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string db_dir = absl::GetFlag(FLAGS_db_dir);
  if (db_dir.empty()) {
    std::fprintf(stderr, "raw-baseline-server: --db_dir=DIR is required\n");
    return 2;
  }
  return passerelle::bench::Serve(db_dir, absl::GetFlag(FLAGS_listen_address));
}
