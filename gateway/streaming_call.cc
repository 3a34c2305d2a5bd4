#include "gateway/streaming_call.h"

namespace passerelle::gateway {

StreamingCall* StreamingCall::Start(grpc::GenericStub* stub, const std::string& method,
                                    std::shared_ptr<grpc::ClientContext> context,
                                    std::vector<grpc::ByteBuffer> requests, Handlers handlers) {
  auto* call = new StreamingCall(std::move(context), std::move(requests), std::move(handlers));
  stub->PrepareBidiStreamingCall(call->context_.get(), method, grpc::StubOptions(), call);
  if (call->requests_.empty()) {
    call->StartWritesDone();
  } else {
    call->StartWrite(&call->requests_[0]);
  }
  call->StartRead(&call->response_);
  // Held until the owner is done with the pointer, so OnDone cannot delete the call under it.
  call->AddHold();
  call->StartCall();
  return call;
}

void StreamingCall::OnWriteDone(bool ok) {
  if (!ok) return;                                // the call is over; OnReadDone and OnDone say how
  grpc::ByteBuffer().Swap(&requests_[written_]);  // sent: free it now rather than with the call
  if (++written_ < requests_.size()) {
    StartWrite(&requests_[written_]);
  } else {
    StartWritesDone();
  }
}

void StreamingCall::OnReadDone(bool ok) {
  if (ok) {
    // Taken out of response_ before the owner can hear of it: its ReadNext() reuses response_ at
    // once.
    grpc::ByteBuffer message;
    message.Swap(&response_);
    handlers_.on_message(std::move(message));
  } else {
    handlers_.on_end();
  }
}

void StreamingCall::OnDone(const grpc::Status& status) {
  // The other handlers go first: on_done is the last thing the call does, so its owner may be gone
  // after it.
  std::function<void(grpc::Status)> on_done = std::move(handlers_.on_done);
  delete this;
  on_done(status);
}

}  // namespace passerelle::gateway
