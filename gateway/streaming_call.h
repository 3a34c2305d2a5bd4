#ifndef PASSERELLE_GATEWAY_STREAMING_CALL_H_
#define PASSERELLE_GATEWAY_STREAMING_CALL_H_

// A client- or server-streaming call to the node through gRPC's generic stub, on bytes: the gateway
// needs no generated stub. Either shape runs as a bidi stream on the wire, which is all HTTP/2
// sees: every request is written, then the client half-closes, and responses are read one at a
// time, each only once the owner asks for the next — so a slow HTTP client slows the stream instead
// of filling memory.
//
// Handlers run on gRPC's threads; the owner hops to its own. The owner may call ReadNext() after
// each on_message, and must call Release() once on_end has run (or after Cancel()); the call then
// deletes itself and on_done, the last thing it runs, reports the status. After Release() the owner
// must not touch the call.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/client_callback.h"

namespace passerelle::gateway {

class StreamingCall final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  struct Handlers {
    std::function<void(grpc::ByteBuffer)> on_message;
    std::function<void()> on_end;  // no more messages
    std::function<void(grpc::Status)> on_done;
  };

  // Starts the call; the pointer stays valid until Release().
  static StreamingCall* Start(grpc::GenericStub* stub, const std::string& method,
                              std::shared_ptr<grpc::ClientContext> context,
                              std::vector<grpc::ByteBuffer> requests, Handlers handlers);

  void ReadNext() { StartRead(&response_); }
  // Ends the call early (the HTTP client went away); on_end follows.
  void Cancel() { context_->TryCancel(); }
  void Release() { RemoveHold(); }

  void OnWriteDone(bool ok) override;
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  StreamingCall(std::shared_ptr<grpc::ClientContext> context,
                std::vector<grpc::ByteBuffer> requests, Handlers handlers)
      : context_(std::move(context)),
        requests_(std::move(requests)),
        handlers_(std::move(handlers)) {}

  std::shared_ptr<grpc::ClientContext> context_;
  std::vector<grpc::ByteBuffer> requests_;
  size_t written_ = 0;
  grpc::ByteBuffer response_;
  Handlers handlers_;
};

}  // namespace passerelle::gateway

#endif  // PASSERELLE_GATEWAY_STREAMING_CALL_H_
