#include "tests/gateway/http_client.h"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace passerelle::testing {

namespace http = boost::beast::http;
namespace net = boost::asio;

google::protobuf::Struct HttpReply::Json() const {
  google::protobuf::Struct out;
  if (!google::protobuf::util::JsonStringToMessage(body, &out).ok())
    ADD_FAILURE() << "not a JSON object: " << body;
  return out;
}

std::string HttpReply::ErrorStatus() const {
  google::protobuf::Struct json = Json();
  if (!json.fields().count("error")) return "";
  return json.fields().at("error").struct_value().fields().at("status").string_value();
}

std::vector<std::string> HttpReply::ViolationFields() const {
  std::vector<std::string> out;
  google::protobuf::Struct json = Json();
  if (!json.fields().count("error")) return out;
  for (const auto& detail :
       json.fields().at("error").struct_value().fields().at("details").list_value().values()) {
    const auto& fields = detail.struct_value().fields();
    if (!fields.count("fieldViolations")) continue;
    for (const auto& v : fields.at("fieldViolations").list_value().values()) {
      out.push_back(v.struct_value().fields().at("field").string_value());
    }
  }
  return out;
}

HttpClient::HttpClient(int port, const std::string& ca_file) {
  boost::system::error_code ec;
  socket_.connect(
      net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)), ec);
  if (!ec && !ca_file.empty()) {
    tls_context_ = std::make_unique<net::ssl::context>(net::ssl::context::tls_client);
    tls_context_->load_verify_file(ca_file, ec);
    if (!ec) {
      tls_context_->set_verify_mode(net::ssl::verify_peer);
      tls_context_->set_verify_callback(net::ssl::host_name_verification("127.0.0.1"));
      tls_.emplace(socket_, *tls_context_);
      tls_->handshake(net::ssl::stream_base::client, ec);
    }
  }
  if (ec) {
    std::fprintf(stderr, "cannot connect to the gateway on port %d: %s\n", port,
                 ec.message().c_str());
    std::abort();
  }
}

HttpReply HttpClient::Call(const std::string& method, const std::string& target,
                           const std::string& body, const Headers& headers) {
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, "localhost");
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  HttpReply reply;
  boost::system::error_code ec;
  WithStream([&](auto& stream) { http::write(stream, request, ec); });
  if (ec) return reply;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 30);
  WithStream([&](auto& stream) { http::read(stream, buffer_, parser, ec); });
  if (ec) return reply;
  const auto& response = parser.get();
  reply.status = response.result_int();
  reply.body = response.body();
  for (const auto& field : response) {
    reply.headers[absl::AsciiStrToLower(std::string(field.name_string()))] =
        std::string(field.value());
  }
  return reply;
}

HttpReply HttpClient::CallAs(const std::string& token, const std::string& method,
                             const std::string& target, const std::string& body,
                             const Headers& headers) {
  Headers all = headers;
  all.emplace_back("Authorization", "Bearer " + token);
  return Call(method, target, body, all);
}

void HttpClient::SendRaw(const std::string& bytes) {
  boost::system::error_code ec;
  WithStream([&](auto& stream) { net::write(stream, net::buffer(bytes), ec); });
}

std::string HttpClient::ReadUntil(const std::string& needle) {
  std::string out;
  while (needle.empty() || out.find(needle) == std::string::npos) {
    std::string more = ReadSome();
    if (more.empty()) break;
    out += more;
  }
  return out;
}

std::string HttpClient::ReadUntilClosed() { return ReadUntil(""); }

std::string HttpClient::ReadSome() {
  if (buffer_.size() > 0) {
    std::string out(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.clear();
    return out;
  }
  char chunk[16384];
  boost::system::error_code ec;
  const size_t n =
      WithStream([&](auto& stream) { return stream.read_some(net::buffer(chunk), ec); });
  return std::string(chunk, ec ? 0 : n);
}

void HttpClient::Shutdown() {
  // The system call, not the asio object's method: this may run while another thread reads.
  ::shutdown(socket_.native_handle(), SHUT_RDWR);
}

}  // namespace passerelle::testing
