#include "gateway/gateway.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/errors.h"
#include "gateway/access.h"
#include "gateway/http_error.h"
#include "gateway/openapi.h"
#include "gateway/route_table.h"
#include "gateway/sse.h"
#include "gateway/streaming_call.h"
#include "gateway/transcode.h"
#include "google/protobuf/dynamic_message.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "mesh/identity.h"

namespace passerelle::gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr int64_t kDefaultMaxBodyBytes = 1 << 20;
constexpr int kDefaultMaxHeaderBytes = 16 << 10;
constexpr int kDefaultReadTimeoutMs = 10'000;
constexpr auto kUnaryDeadline = std::chrono::seconds(30);

// What every connection shares; immutable once built, except the rate limiter (thread-safe).
struct Shared {
  RouteTable routes;
  std::string openapi;
  TokenBook tokens;
  std::unique_ptr<RateLimiter> rate;
  uint64_t max_body_bytes;
  uint32_t max_header_bytes;
  std::chrono::milliseconds read_timeout;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::GenericStub> stub;
  google::protobuf::DynamicMessageFactory factory{
      google::protobuf::DescriptorPool::generated_pool()};

  std::unique_ptr<google::protobuf::Message> NewMessage(const google::protobuf::Descriptor* type) {
    return std::unique_ptr<google::protobuf::Message>(factory.GetPrototype(type)->New());
  }

  // Calls in flight, so that shutdown can cancel them and wait until none can post into the
  // io_context.
  void CallStarted(grpc::ClientContext* context) {
    absl::MutexLock lock(&calls_mu);
    calls.insert(context);
  }
  void CallEnded(grpc::ClientContext* context) {
    absl::MutexLock lock(&calls_mu);
    calls.erase(context);
  }
  void CancelCallsAndWait() {
    absl::MutexLock lock(&calls_mu);
    for (grpc::ClientContext* context : calls) context->TryCancel();
    calls_mu.Await(absl::Condition(
        +[](absl::flat_hash_set<grpc::ClientContext*>* c) { return c->empty(); }, &calls));
  }
  absl::Mutex calls_mu;
  absl::flat_hash_set<grpc::ClientContext*> calls ABSL_GUARDED_BY(calls_mu);
};

grpc::ByteBuffer ToByteBuffer(const google::protobuf::Message& message) {
  grpc::ByteBuffer buffer;
  bool own;
  (void)grpc::SerializationTraits<google::protobuf::Message>::Serialize(message, &buffer, &own);
  return buffer;
}

bool FromByteBuffer(grpc::ByteBuffer* buffer, google::protobuf::Message* message) {
  return grpc::SerializationTraits<google::protobuf::Message>::Deserialize(buffer, message).ok();
}

// Prefixes each field violation of a line's refusal with where the line is, so a client can fix its
// file.
absl::Status OnLine(int line, absl::Status status) {
  common::FieldViolations violations;
  for (auto& v : common::ViolationsOf(status))
    violations.Add(v.field, absl::StrCat("line ", line, ": ", v.description));
  return violations.empty() ? status : violations.ToStatus();
}

// One HTTP/1.1 connection. Everything runs on the connection's strand; gRPC completions are posted
// to it.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared* shared)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), shared_(shared) {}

  void Start() {
    net::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  using Response = http::response<http::string_body>;

  void Read() {
    parser_.emplace();
    parser_->body_limit(shared_->max_body_bytes);
    parser_->header_limit(shared_->max_header_bytes);
    // One deadline for the whole request: a client trickling bytes (slow loris) cannot hold the
    // connection.
    timed_out_ = false;
    reading_ = true;
    timer_.expires_after(shared_->read_timeout);
    timer_.async_wait([self = shared_from_this(), read = ++reads_](beast::error_code ec) {
      // Cancelled, or expired just as the request arrived: only a read still waiting is timed out.
      if (ec || !self->reading_ || read != self->reads_) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->socket_.cancel(ignored);
    });
    http::async_read(socket_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
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
    absl::string_view target(request_.target().data(), request_.target().size());
    const size_t question = target.find('?');
    const absl::string_view path = target.substr(0, question);
    const absl::string_view query =
        question == absl::string_view::npos ? "" : target.substr(question + 1);
    const absl::string_view verb(request_.method_string().data(), request_.method_string().size());

    if (verb == "GET" && path == "/healthz") return SendJson(200, R"({"status":"SERVING"})");
    if (verb == "GET" && path == "/openapi.json") return SendJson(200, shared_->openapi);

    RouteLookup lookup = shared_->routes.Lookup(verb, path);
    if (lookup.outcome == RouteLookup::kNotFound) {
      std::string message = absl::StrCat("no route for ", verb, " ", path);
      if (!lookup.close_routes.empty())
        absl::StrAppend(&message, "; close routes: ", absl::StrJoin(lookup.close_routes, ", "));
      return SendError(ErrorWithHttpStatus(404, absl::StatusCode::kNotFound, message), keep_alive_);
    }
    if (lookup.outcome == RouteLookup::kMethodNotAllowed) {
      allow_ = absl::StrJoin(lookup.allowed, ", ");
      return SendError(ErrorWithHttpStatus(
                           405, absl::StatusCode::kUnimplemented,
                           absl::StrCat(verb, " is not allowed on ", path, "; allowed: ", allow_)),
                       keep_alive_);
    }
    const Route& route = *lookup.route;
    auto authorization = request_.find(http::field::authorization);
    absl::StatusOr<const v1::GatewayToken*> token = shared_->tokens.Authenticate(
        authorization == request_.end()
            ? ""
            : absl::string_view(authorization->value().data(), authorization->value().size()));
    if (!token.ok()) return SendError(ErrorFromStatus(token.status()), keep_alive_);
    const std::string method = route.FullMethodName();
    if (absl::Status may = MayCall(**token, method); !may.ok())
      return SendError(ErrorFromStatus(may), keep_alive_);
    if (absl::Status rate = shared_->rate->Take((*token)->sha256(), absl::Now()); !rate.ok()) {
      return SendError(ErrorFromStatus(rate), keep_alive_);
    }

    context_ = std::make_shared<grpc::ClientContext>();
    context_->AddMetadata(std::string(mesh::kForwardedPrincipalMetadata),
                          ForwardedPrincipalUri((*token)->principal()));
    std::vector<grpc::ByteBuffer> requests;
    const google::protobuf::MethodDescriptor* descriptor = route.method;
    if (descriptor->client_streaming()) {
      for (const NdjsonLine& line : SplitNdjson(request_.body())) {
        std::unique_ptr<google::protobuf::Message> message =
            shared_->NewMessage(descriptor->input_type());
        absl::Status built = BuildRequest(route, lookup.bindings, query, line.json, message.get());
        if (!built.ok()) return SendError(ErrorFromStatus(OnLine(line.number, built)), keep_alive_);
        requests.push_back(ToByteBuffer(*message));
      }
    } else {
      std::unique_ptr<google::protobuf::Message> message =
          shared_->NewMessage(descriptor->input_type());
      absl::Status built =
          BuildRequest(route, lookup.bindings, query, request_.body(), message.get());
      if (!built.ok()) return SendError(ErrorFromStatus(built), keep_alive_);
      requests.push_back(ToByteBuffer(*message));
    }
    response_message_ = shared_->NewMessage(descriptor->output_type());
    response_is_stream_ = descriptor->server_streaming();
    // The request body is transcoded; free it before a long stream.
    request_.body().clear();
    request_.body().shrink_to_fit();

    if (!descriptor->client_streaming() && !descriptor->server_streaming())
      return CallUnary(method, std::move(requests[0]));
    if (descriptor->server_streaming()) {
      auto last_event_id = request_.find("Last-Event-ID");
      if (last_event_id != request_.end()) {
        context_->AddMetadata(std::string(kLastEventIdMetadata),
                              std::string(last_event_id->value()));
      }
    } else {
      context_->set_deadline(std::chrono::system_clock::now() + kUnaryDeadline);
    }
    StartStream(method, std::move(requests));
  }

  void CallUnary(const std::string& method, grpc::ByteBuffer request) {
    context_->set_deadline(std::chrono::system_clock::now() + kUnaryDeadline);
    auto buffers = std::make_shared<std::pair<grpc::ByteBuffer, grpc::ByteBuffer>>(
        std::move(request), grpc::ByteBuffer());
    shared_->CallStarted(context_.get());
    // The completion hands every reference it holds to the posted handler before CallEnded: once
    // the last call has ended the gateway may be destroyed, and nothing of it may be released on a
    // gRPC thread after that.
    shared_->stub->UnaryCall(
        context_.get(), method, grpc::StubOptions(), &buffers->first, &buffers->second,
        [self = shared_from_this(), buffers, context = context_](grpc::Status status) mutable {
          Shared* shared = self->shared_;
          grpc::ClientContext* ended = context.get();
          auto executor = self->socket_.get_executor();
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
    auto self = shared_from_this();  // kept by on_done until the call has ended
    auto post = [executor = socket_.get_executor(), self](auto fn) {
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
      auto executor = self->socket_.get_executor();
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
    response_message_->Clear();
    if (!FromByteBuffer(message, response_message_.get())) {
      call_->Cancel();
      return;
    }
    event_ = SseEvent(*response_message_, ++streamed_);
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
          net::async_write(s.socket_, http::make_chunk_last(),
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
      net::async_write(s.socket_, http::make_chunk(net::buffer(s.event_)),
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
        socket_, *sse_serializer_,
        [self = shared_from_this(), write_chunk, final](beast::error_code ec, size_t) {
          if (ec) return self->StreamWriteFailed(final);
          write_chunk(*self);
        });
  }

  // A stream may stay silent for long (a watch with nothing new): notice a client hanging up
  // without waiting for the next event to fail to write, so the node's stream ends with it. An
  // HTTP/1.1 client sends nothing while it reads a response, so the socket becoming readable with
  // nothing to read is the hang-up.
  void WatchForHangUp() {
    socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this(),
                                                stream = ++streams_](beast::error_code ec) {
      beast::error_code ignored;
      if (ec || stream != self->streams_ || self->call_ == nullptr) return;
      if (self->socket_.available(ignored) == 0) {
        self->keep_alive_ = false;
        self->call_->Cancel();  // the pending read fails, which releases the call
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

  void Send(int status, std::string body, bool keep_alive) {
    keep_alive_ = keep_alive;
    response_.emplace(static_cast<http::status>(status),
                      request_.version() == 0 ? 11 : request_.version());
    response_->set(http::field::content_type, "application/json");
    if (status == 401) response_->set(http::field::www_authenticate, "Bearer");
    if (status == 405) response_->set(http::field::allow, allow_);
    response_->keep_alive(keep_alive);
    response_->body() = std::move(body);
    response_->prepare_payload();
    http::async_write(socket_, *response_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        self->AfterResponse(ec, keep_alive);
                      });
  }

  void AfterResponse(beast::error_code ec, bool keep_alive) {
    response_.reset();
    sse_serializer_.reset();
    sse_head_.reset();
    context_.reset();
    if (ec || !keep_alive) return Close();
    Read();
  }

  void Close() {
    beast::error_code ignored;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  tcp::socket socket_;
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

  std::shared_ptr<grpc::ClientContext> context_;
  std::unique_ptr<google::protobuf::Message> response_message_;
  StreamingCall* call_ = nullptr;  // valid until released
  bool response_is_stream_ = false;
  grpc::ByteBuffer final_response_;
  int64_t streamed_ = 0;
  uint64_t streams_ =
      0;  // numbers the server streams of this connection, so a stale hang-up watch is ignored
  bool sse_started_ = false;
  std::string event_;
  std::optional<http::response<http::empty_body>> sse_head_;
  std::optional<http::response_serializer<http::empty_body>> sse_serializer_;
};

}  // namespace

struct Gateway::Impl {
  Shared shared;
  net::io_context io{1};
  tcp::acceptor acceptor{io};
  std::vector<std::thread> threads;
  std::string address;
  int port = 0;

  void Accept() {
    acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted) return;
      if (!ec) {
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(std::move(socket), &shared)->Start();
      }
      Accept();
    });
  }
};

Gateway::Gateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Gateway::~Gateway() {
  impl_->io.stop();
  for (std::thread& t : impl_->threads) t.join();
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  // Completions of the calls still in flight post into the stopped io_context, whose destruction
  // frees them with their sessions; wait for the last, so none posts into a destroyed one.
  impl_->shared.CancelCallsAndWait();
  impl_->shared.stub.reset();
  impl_->shared.channel.reset();
}

const std::string& Gateway::address() const { return impl_->address; }
int Gateway::port() const { return impl_->port; }

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(const v1::GatewayConfig& config) {
  if (absl::Status valid = ValidateConfig(config); !valid.ok()) return valid;
  auto impl = std::make_unique<Impl>();
  Shared& shared = impl->shared;
  absl::StatusOr<RouteTable> routes = RouteTable::Build(LinkedServices());
  if (!routes.ok()) return routes.status();
  shared.routes = *std::move(routes);
  shared.openapi = OpenApiDocument(shared.routes, "Passerelle");
  absl::StatusOr<TokenBook> tokens = TokenBook::FromConfig(config);
  if (!tokens.ok()) return tokens.status();
  shared.tokens = *std::move(tokens);
  const v1::GatewayLimits& limits = config.limits();
  shared.rate = std::make_unique<RateLimiter>(limits.requests_per_second(), limits.burst());
  shared.max_body_bytes =
      limits.max_body_bytes() > 0 ? limits.max_body_bytes() : kDefaultMaxBodyBytes;
  shared.max_header_bytes =
      limits.max_header_bytes() > 0 ? limits.max_header_bytes() : kDefaultMaxHeaderBytes;
  shared.read_timeout = std::chrono::milliseconds(
      limits.read_timeout_ms() > 0 ? limits.read_timeout_ms() : kDefaultReadTimeoutMs);

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
  impl->Accept();
  const int threads =
      config.threads() > 0 ? config.threads() : std::max(1u, std::thread::hardware_concurrency());
  for (int i = 0; i < threads; ++i) impl->threads.emplace_back([io = &impl->io] { io->run(); });
  return std::unique_ptr<Gateway>(new Gateway(std::move(impl)));
}

}  // namespace passerelle::gateway
