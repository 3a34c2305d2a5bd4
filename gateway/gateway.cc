#include "gateway/gateway.h"

#include <sys/socket.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <optional>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "common/log.h"
#include "gateway/http_error.h"
#include "gateway/json_print.h"
#include "gateway/request_plan.h"
#include "gateway/sse.h"
#include "gateway/streaming_call.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "mesh/identity.h"

namespace passerelle::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using TlsStream = net::ssl::stream<tcp::socket>;

constexpr int64_t kDefaultMaxBodyBytes = 1 << 20;
constexpr int kDefaultMaxHeaderBytes = 16 << 10;
constexpr int kDefaultReadTimeoutMs = 10'000;
constexpr auto kUnaryDeadline = std::chrono::seconds(30);
constexpr std::chrono::milliseconds kAcceptRetryFirst(10);
constexpr std::chrono::milliseconds kAcceptRetryMost(1000);

// What every connection shares; immutable once built, except the planner's rate limiter
// (thread-safe).
struct Shared {
  std::unique_ptr<RequestPlanner> planner;
  std::unique_ptr<net::ssl::context> https;  // null: plain HTTP
  uint64_t max_body_bytes;
  uint32_t max_header_bytes;
  std::chrono::milliseconds read_timeout;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
  SseRenderer sse;

  // Calls in flight, so that shutdown can cancel them and wait until none can post into the
  // io_context.
  void CallStarted(grpc::ClientContext* context) {
    absl::MutexLock lock(&calls_mu);
    calls.insert(context);
    if (stopping) context->TryCancel();
  }
  void CallEnded(grpc::ClientContext* context) {
    absl::MutexLock lock(&calls_mu);
    calls.erase(context);
  }
  // Streams end through the io_context (their owner releases them there), so it must still run
  // meanwhile.
  void CancelCallsAndWait() {
    absl::MutexLock lock(&calls_mu);
    stopping = true;
    for (grpc::ClientContext* context : calls) context->TryCancel();
    calls_mu.Await(absl::Condition(
        +[](absl::flat_hash_set<grpc::ClientContext*>* c) { return c->empty(); }, &calls));
  }
  absl::Mutex calls_mu;
  absl::flat_hash_set<grpc::ClientContext*> calls ABSL_GUARDED_BY(calls_mu);
  bool stopping ABSL_GUARDED_BY(calls_mu) = false;
};

// One HTTP/1.1 connection, over a plain TCP socket or over TLS (HTTPS). Everything runs on the
// connection's strand; gRPC completions are posted to it.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Shared* shared)
      : stream_(std::move(stream)), timer_(stream_.get_executor()), shared_(shared) {
    beast::error_code ec;
    const tcp::endpoint peer = beast::get_lowest_layer(stream_).remote_endpoint(ec);
    if (!ec) client_address_ = peer.address().to_string();
  }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->Handshake();
      } else {
        self->Read();
      }
    });
  }

 private:
  using Response = http::response<http::string_body>;

  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  // One deadline for the whole request, or for the TLS handshake: a client trickling bytes (slow
  // loris) cannot hold the connection.
  void ArmReadDeadline() {
    timed_out_ = false;
    reading_ = true;
    timer_.expires_after(shared_->read_timeout);
    timer_.async_wait([self = this->shared_from_this(), read = ++reads_](beast::error_code ec) {
      // Cancelled, or expired just as the request arrived: only a read still waiting is timed out.
      if (ec || !self->reading_ || read != self->reads_) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      beast::get_lowest_layer(self->stream_).cancel(ignored);
    });
  }

  // HTTPS: a client that fails or stalls the handshake is closed without a word (it could not read
  // one).
  void Handshake() {
    ArmReadDeadline();
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self = this->shared_from_this()](beast::error_code ec) {
                              self->reading_ = false;
                              self->timer_.cancel();
                              if (ec) return self->Close();
                              self->Read();
                            });
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(shared_->max_body_bytes);
    parser_->header_limit(shared_->max_header_bytes);
    ArmReadDeadline();
    http::async_read_header(
        stream_, buffer_, *parser_,
        beast::bind_front_handler(&Session::OnHeader, this->shared_from_this()));
  }

  // A client sending "Expect: 100-continue" (curl does for bodies over 1 KiB) waits for leave to
  // send its body; it gets it once the headers pass the limits, and the body is read under the same
  // deadline.
  void OnHeader(beast::error_code ec, size_t) {
    if (ec || parser_->is_done()) return OnRead(ec, 0);
    auto read_body = [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->OnRead(ec, 0);
      http::async_read(self->stream_, self->buffer_, *self->parser_,
                       beast::bind_front_handler(&Session::OnRead, self));
    };
    auto expect = parser_->get().find(http::field::expect);
    if (expect != parser_->get().end() && beast::iequals(expect->value(), "100-continue")) {
      static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
      return net::async_write(stream_, net::buffer(kContinue, sizeof kContinue - 1), read_body);
    }
    read_body({}, 0);
  }

  void OnRead(beast::error_code ec, size_t) {
    reading_ = false;
    timer_.cancel();
    if (timed_out_) {
      // Quietly close an idle keep-alive connection; tell a client caught mid-request why.
      if (parser_->got_some() || buffer_.size() > 0) {
        return SendError(ErrorWithHttpStatus(408, absl::StatusCode::kDeadlineExceeded,
                                             "request not received in time"),
                         false);
      }
      return Close();
    }
    if (ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == net::error::connection_reset)
      return Close();
    if (ec == http::error::body_limit) {
      return SendError(
          ErrorWithHttpStatus(413, absl::StatusCode::kResourceExhausted,
                              absl::StrCat("body over ", shared_->max_body_bytes, " bytes")),
          false);
    }
    if (ec == http::error::header_limit) {
      return SendError(
          ErrorWithHttpStatus(431, absl::StatusCode::kResourceExhausted,
                              absl::StrCat("headers over ", shared_->max_header_bytes, " bytes")),
          false);
    }
    if (ec) {
      if (ec.category() ==
          http::make_error_code(http::error::bad_method).category()) {  // any HTTP parse error
        return SendError(ErrorWithHttpStatus(400, absl::StatusCode::kInvalidArgument, ec.message()),
                         false);
      }
      return Close();
    }
    request_ = parser_->release();
    keep_alive_ = request_.keep_alive();
    Handle();
  }

  void Handle() {
    auto authorization = request_.find(http::field::authorization);
    HttpRequestView view{
        absl::string_view(request_.method_string().data(), request_.method_string().size()),
        absl::string_view(request_.target().data(), request_.target().size()),
        authorization == request_.end()
            ? absl::string_view()
            : absl::string_view(authorization->value().data(), authorization->value().size()),
        request_.body(),
        client_address_};
    std::variant<OwnReply, NodeCall> plan = shared_->planner->Plan(view, absl::Now());
    if (auto* reply = std::get_if<OwnReply>(&plan)) {
      if (!reply->log.empty()) common::LogLine(reply->log);
      allow_ = std::move(reply->allow);
      retry_after_seconds_ = reply->retry_after_seconds;
      return Send(reply->http_status, std::move(reply->body), keep_alive_, reply->content_type);
    }
    NodeCall& call = std::get<NodeCall>(plan);
    const google::protobuf::MethodDescriptor* descriptor = call.route->method;
    response_message_ = shared_->planner->NewMessage(descriptor->output_type());
    response_is_stream_ = descriptor->server_streaming();
    context_ = std::make_shared<grpc::ClientContext>();
    context_->AddMetadata(std::string(mesh::kForwardedPrincipalMetadata), call.principal_uri);
    if (response_is_stream_) {
      auto last_event_id = request_.find("Last-Event-ID");
      if (last_event_id != request_.end()) {
        context_->AddMetadata(std::string(kLastEventIdMetadata),
                              std::string(last_event_id->value()));
      }
    } else {
      context_->set_deadline(std::chrono::system_clock::now() + kUnaryDeadline);
    }
    // The request body is transcoded; free it before a long stream.
    request_.body().clear();
    request_.body().shrink_to_fit();
    if (!descriptor->client_streaming() && !descriptor->server_streaming()) {
      return CallUnary(call.method, std::move(call.requests[0]));
    }
    StartStream(call.method, std::move(call.requests));
  }

  void CallUnary(const std::string& method, grpc::ByteBuffer request) {
    auto buffers = std::make_shared<std::pair<grpc::ByteBuffer, grpc::ByteBuffer>>(
        std::move(request), grpc::ByteBuffer());
    shared_->CallStarted(context_.get());
    // The completion hands every reference it holds to the posted handler before CallEnded: once
    // the last call has ended the gateway may be destroyed, and nothing of it may be released on a
    // gRPC thread after that.
    shared_->stub->UnaryCall(
        context_.get(), method, grpc::StubOptions(), &buffers->first, &buffers->second,
        [self = this->shared_from_this(), buffers,
         context = context_](grpc::Status status) mutable {
          Shared* shared = self->shared_;
          grpc::ClientContext* ended = context.get();
          auto executor = self->stream_.get_executor();
          net::post(executor, [self = std::move(self), buffers = std::move(buffers),
                               context = std::move(context),
                               status] { self->Finish(status, &buffers->second); });
          shared->CallEnded(ended);
        });
  }

  // A unary or client-streaming call's outcome: its one response as JSON, or the error.
  void Finish(const grpc::Status& status, grpc::ByteBuffer* response) {
    if (!status.ok()) return SendError(ErrorFromGrpc(status), keep_alive_);
    if (!FromByteBuffer(response, response_message_.get())) {
      return SendError(ErrorFromGrpc(grpc::Status(grpc::StatusCode::INTERNAL,
                                                  "the node's response does not parse")),
                       keep_alive_);
    }
    SendJson(200, ToJson(*response_message_));
  }

  void StartStream(const std::string& method, std::vector<grpc::ByteBuffer> requests) {
    auto self = this->shared_from_this();  // kept by on_done until the call has ended
    auto post = [executor = stream_.get_executor(), self](auto fn) {
      net::post(executor, [self, fn] { fn(*self); });
    };
    StreamingCall::Handlers handlers;
    handlers.on_message = [post](grpc::ByteBuffer message) {
      auto shared_message = std::make_shared<grpc::ByteBuffer>(std::move(message));
      post([shared_message](Session& s) { s.OnStreamMessage(shared_message.get()); });
    };
    handlers.on_end = [post] { post([](Session& s) { s.call_->Release(); }); };
    // As in CallUnary: every reference moves to the posted handler before CallEnded.
    handlers.on_done = [self, context = context_](grpc::Status status) mutable {
      Shared* shared = self->shared_;
      grpc::ClientContext* ended = context.get();
      auto executor = self->stream_.get_executor();
      net::post(executor, [self = std::move(self), context = std::move(context), status] {
        self->OnStreamDone(status);
      });
      shared->CallEnded(ended);
    };
    streamed_ = 0;
    sse_started_ = false;
    shared_->CallStarted(context_.get());
    if (response_is_stream_) WatchForHangUp();
    call_ = StreamingCall::Start(shared_->stub.get(), method, context_, std::move(requests),
                                 std::move(handlers));
  }

  void OnStreamMessage(grpc::ByteBuffer* message) {
    if (!route_server_streaming()) {
      // Client streaming: the one response, kept until the status says whether it counts.
      final_response_ = std::move(*message);
      call_->ReadNext();
      return;
    }
    grpc::Slice bytes;
    std::optional<std::string> event;
    if (message->DumpToSingleSlice(&bytes).ok()) {
      event = shared_->sse.Render(
          *response_message_,
          absl::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()),
          ++streamed_);
    }
    if (!event.has_value()) {
      call_->Cancel();
      return;
    }
    event_ = std::move(*event);
    WriteEvent([](Session& s) { s.call_->ReadNext(); });
  }

  void OnStreamDone(const grpc::Status& status) {
    call_ = nullptr;
    if (!route_server_streaming()) return Finish(status, &final_response_);
    if (!sse_started_) {
      if (!status.ok()) return SendError(ErrorFromGrpc(status), keep_alive_);
      event_.clear();
    } else {
      event_ = status.ok() ? "" : SseErrorEvent(ErrorFromGrpc(status).json);
    }
    WriteEvent(
        [](Session& s) {
          net::async_write(s.stream_, http::make_chunk_last(),
                           [self = s.shared_from_this()](beast::error_code ec, size_t) {
                             self->AfterResponse(ec, self->keep_alive_);
                           });
        },
        /*final=*/true);
  }

  bool route_server_streaming() const { return response_is_stream_; }

  // Writes the SSE headers first if not yet sent, then event_ (if any) as a chunk, then runs
  // `next`.
  template <typename Next>
  void WriteEvent(Next next, bool final = false) {
    auto write_chunk = [next, final](Session& s) {
      if (s.event_.empty()) return next(s);
      net::async_write(s.stream_, http::make_chunk(net::buffer(s.event_)),
                       [self = s.shared_from_this(), next, final](beast::error_code ec, size_t) {
                         if (ec) return self->StreamWriteFailed(final);
                         next(*self);
                       });
    };
    if (sse_started_) return write_chunk(*this);
    sse_started_ = true;
    sse_head_.emplace(http::status::ok, request_.version());
    sse_head_->set(http::field::content_type, "text/event-stream");
    sse_head_->set(http::field::cache_control, "no-cache");
    sse_head_->keep_alive(keep_alive_);
    sse_head_->chunked(true);
    sse_serializer_.emplace(*sse_head_);
    http::async_write_header(
        stream_, *sse_serializer_,
        [self = this->shared_from_this(), write_chunk, final](beast::error_code ec, size_t) {
          if (ec) return self->StreamWriteFailed(final);
          write_chunk(*self);
        });
  }

  // A stream may stay silent for long (a watch with nothing new): notice a client hanging up
  // without waiting for the next event to fail to write, so the node's stream ends with it. An
  // HTTP/1.1 client sends nothing while it reads a response, so a read completing during the stream
  // is the hang-up — or, from a pipelining client, the first byte of its next request, kept for the
  // next read.
  void WatchForHangUp() {
    watching_ = true;
    stream_.async_read_some(
        net::buffer(&watched_byte_, 1),
        [self = this->shared_from_this(), stream = ++streams_](beast::error_code ec, size_t read) {
          self->watching_ = false;
          if (read == 1) {
            net::buffer_copy(self->buffer_.prepare(1), net::buffer(&self->watched_byte_, 1));
            self->buffer_.commit(1);
          } else if (ec != net::error::operation_aborted) {
            self->keep_alive_ = false;
            if (stream == self->streams_ && self->call_ != nullptr) self->call_->Cancel();
          }
          if (self->read_after_watch_) {
            self->read_after_watch_ = false;
            self->keep_alive_ ? self->Read() : self->Close();
          }
        });
  }

  // The HTTP client went away mid-stream: end the call, and the connection once the call has ended.
  void StreamWriteFailed(bool final) {
    keep_alive_ = false;
    if (call_ != nullptr) {
      call_->Cancel();
      call_->ReadNext();  // fails at once, which ends reading and releases the call
    } else if (final) {
      Close();
    }
  }

  void SendJson(int status, std::string body) { Send(status, std::move(body), keep_alive_); }

  void SendError(HttpError error, bool keep_alive) {
    Send(error.http_status, std::move(error.json), keep_alive);
  }

  void Send(int status, std::string body, bool keep_alive,
            absl::string_view content_type = "application/json") {
    keep_alive_ = keep_alive;
    response_.emplace(static_cast<http::status>(status),
                      request_.version() == 0 ? 11 : request_.version());
    response_->set(http::field::content_type,
                   beast::string_view(content_type.data(), content_type.size()));
    if (status == 401) response_->set(http::field::www_authenticate, "Bearer");
    if (status == 405) response_->set(http::field::allow, allow_);
    if (status == 429 && retry_after_seconds_ > 0)
      response_->set(http::field::retry_after, std::to_string(retry_after_seconds_));
    retry_after_seconds_ = 0;
    response_->keep_alive(keep_alive);
    response_->body() = std::move(body);
    response_->prepare_payload();
    http::async_write(stream_, *response_,
                      [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        self->AfterResponse(ec, keep_alive);
                      });
  }

  void AfterResponse(beast::error_code ec, bool keep_alive) {
    response_.reset();
    sse_serializer_.reset();
    sse_head_.reset();
    context_.reset();
    if (ec || !keep_alive) return Close();
    if (watching_) {
      // One read at a time on a socket: end the hang-up watch, and read the next request once it
      // has ended.
      read_after_watch_ = true;
      beast::error_code ignored;
      beast::get_lowest_layer(stream_).cancel(ignored);
      return;
    }
    Read();
  }

  // Over TLS too the TCP connection just closes, without a close_notify: every response is framed
  // (Content-Length, or chunked to its last chunk), so a cut cannot pass for a complete answer, and
  // waiting for the peer's close_notify would let it hold the connection.
  void Close() {
    beast::error_code ignored;
    timer_.cancel();
    tcp::socket& socket = beast::get_lowest_layer(stream_);
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
  }

  Stream stream_;
  net::steady_timer timer_;
  Shared* shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  std::optional<Response> response_;
  bool keep_alive_ = false;
  bool timed_out_ = false;
  bool reading_ = false;
  uint64_t reads_ = 0;
  std::string allow_;
  int retry_after_seconds_ = 0;
  std::string client_address_;  // the peer's IP address, for the failed-authentication limit

  std::shared_ptr<grpc::ClientContext> context_;
  std::unique_ptr<google::protobuf::Message> response_message_;
  StreamingCall* call_ = nullptr;  // valid until released
  bool response_is_stream_ = false;
  grpc::ByteBuffer final_response_;
  int64_t streamed_ = 0;
  // Numbers the server streams of this connection, so that a watch outliving its stream is ignored.
  uint64_t streams_ = 0;
  bool watching_ = false;          // a hang-up watch is reading
  bool read_after_watch_ = false;  // the next request is to be read once the watch ends
  char watched_byte_ = 0;
  bool sse_started_ = false;
  std::string event_;
  std::optional<http::response<http::empty_body>> sse_head_;
  std::optional<http::response_serializer<http::empty_body>> sse_serializer_;
};

}  // namespace

struct Gateway::Impl {
  Shared shared;
  net::io_context io{1};
  // Keeps the io threads running while nothing is pending (the acceptor closed, calls not yet
  // ended).
  net::executor_work_guard<net::io_context::executor_type> work = net::make_work_guard(io);
  // The acceptor and its retry timer share one strand, so that accepting, retrying and closing at
  // shutdown never run at once on two io threads.
  net::strand<net::io_context::executor_type> accept_strand = net::make_strand(io);
  tcp::acceptor acceptor{accept_strand};
  net::steady_timer accept_retry{accept_strand};
  // Zero while accepting works; else the wait before the next attempt (kAcceptRetryFirst doubling up
  // to kAcceptRetryMost), and how many attempts have failed in this episode.
  std::chrono::milliseconds accept_backoff{0};
  int64_t accept_failures = 0;
  bool closing = false;
  std::vector<std::thread> threads;
  std::string address;
  int port = 0;

  void Accept() {
    acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || closing) return;
      if (ec) return AcceptFailed(ec);
      if (accept_failures > 0) {
        common::LogLine(absl::StrCat("gateway accepting again after ", accept_failures,
                                     " failed attempts"));
      }
      accept_backoff = std::chrono::milliseconds(0);
      accept_failures = 0;
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (shared.https != nullptr) {
        std::make_shared<Session<TlsStream>>(TlsStream(std::move(socket), *shared.https), &shared)
            ->Start();
      } else {
        std::make_shared<Session<tcp::socket>>(std::move(socket), &shared)->Start();
      }
      Accept();
    });
  }

  // Out of descriptors (EMFILE, ENFILE) or memory, accept fails at once for as long as the
  // connection waits in the backlog: retrying at once would spin an io thread at 100 % CPU, and
  // logging each attempt would flood the log. So wait, longer each time, and log the episode once.
  void AcceptFailed(const beast::error_code& ec) {
    if (accept_failures++ == 0) {
      common::LogLine(absl::StrCat("gateway cannot accept connections: ", ec.message(),
                                   "; retrying every ", kAcceptRetryFirst.count(), " ms to ",
                                   kAcceptRetryMost.count(), " ms"));
    }
    accept_backoff = accept_backoff.count() == 0
                         ? kAcceptRetryFirst
                         : std::min(kAcceptRetryMost, accept_backoff * 2);
    accept_retry.expires_after(accept_backoff);
    accept_retry.async_wait([this](beast::error_code ec) {
      if (ec || closing) return;
      Accept();
    });
  }

  // On the accept strand: no accept or retry starts after this.
  void StopAccepting() {
    closing = true;
    beast::error_code ignored;
    accept_retry.cancel();
    acceptor.close(ignored);
  }
};

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() {
  net::post(impl_->accept_strand, [impl = impl_.get()] { impl->StopAccepting(); });
  // Calls first, while the io_context runs: a stream ends only once its session has released it
  // there.
  impl_->shared.CancelCallsAndWait();
  // Completions posted since then are destroyed, with their sessions, along with the io_context.
  impl_->work.reset();
  impl_->io.stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->shared.stub.reset();
  impl_->shared.channel.reset();
}

const std::string& Gateway::address() const { return impl_->address; }
int Gateway::port() const { return impl_->port; }

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(const v1::GatewayConfig& config) {
  if (absl::Status valid = ValidateConfig(config); !valid.ok()) return valid;
  auto impl = std::make_unique<Impl>();
  Shared& shared = impl->shared;
  absl::StatusOr<std::unique_ptr<RequestPlanner>> planner = RequestPlanner::Create(config);
  if (!planner.ok()) return planner.status();
  shared.planner = *std::move(planner);
  const v1::GatewayLimits& limits = config.limits();
  shared.max_body_bytes =
      limits.max_body_bytes() > 0 ? limits.max_body_bytes() : kDefaultMaxBodyBytes;
  shared.max_header_bytes =
      limits.max_header_bytes() > 0 ? limits.max_header_bytes() : kDefaultMaxHeaderBytes;
  shared.read_timeout = std::chrono::milliseconds(
      limits.read_timeout_ms() > 0 ? limits.read_timeout_ms() : kDefaultReadTimeoutMs);

  if (config.has_https()) {
    auto https = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    https->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                       net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                       net::ssl::context::no_tlsv1_1);
    beast::error_code ec;
    https->use_certificate_chain_file(config.https().cert_file(), ec);
    if (ec) return common::InvalidField("https.cert_file", ec.message());
    https->use_private_key_file(config.https().key_file(), net::ssl::context::pem, ec);
    if (ec) return common::InvalidField("https.key_file", ec.message());
    shared.https = std::move(https);
  }

  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (config.has_tls()) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> tls =
        mesh::ChannelCredentials(config.tls());
    if (!tls.ok()) return tls.status();
    credentials = *std::move(tls);
  }
  shared.channel = grpc::CreateChannel(config.node_address(), credentials);
  shared.stub = std::make_unique<grpc::GenericStub>(shared.channel);

  const std::string& listen = config.listen_address();
  const size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  uint32_t port = 0;
  (void)absl::SimpleAtoi(listen.substr(colon + 1), &port);
  beast::error_code ec;
  tcp::endpoint endpoint(net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec),
                         static_cast<uint16_t>(port));
  if (ec) return absl::InvalidArgumentError(absl::StrCat("listen_address: ", ec.message()));
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return absl::UnavailableError(absl::StrCat("cannot listen on ", listen, ": ", ec.message()));
  impl->port = impl->acceptor.local_endpoint().port();
  impl->address = absl::StrCat(host, ":", impl->port);
  net::post(impl->accept_strand, [impl = impl.get()] { impl->Accept(); });
  const int threads =
      config.threads() > 0 ? config.threads() : std::max(1u, std::thread::hardware_concurrency());
  for (int i = 0; i < threads; ++i) impl->threads.emplace_back([io = &impl->io] { io->run(); });
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

}  // namespace passerelle::gateway
