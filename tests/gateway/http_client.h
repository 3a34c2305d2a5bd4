#ifndef PASSERELLE_TESTS_GATEWAY_HTTP_CLIENT_H_
#define PASSERELLE_TESTS_GATEWAY_HTTP_CLIENT_H_

// A blocking HTTP/1.1 client on one keep-alive connection (Boost.Beast), plain or over TLS, for
// calling a gateway as partners' systems would, plus raw bytes for what a well-behaved client never
// sends.

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/struct.pb.h"

namespace passerelle::testing {

struct HttpReply {
  int status = 0;  // 0: the connection failed or closed before a reply
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case

  // The body parsed as a JSON object (ADD_FAILURE if it is not one).
  google::protobuf::Struct Json() const;
  // error.details[0].fieldViolations[*].field of an error body.
  std::vector<std::string> ViolationFields() const;
  std::string ErrorStatus() const;  // error.status, e.g. "NOT_FOUND"
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  // Connects to 127.0.0.1:port; aborts the test binary if it cannot. With `ca_file`, speaks HTTPS
  // and requires the server's certificate to be issued by that CA for 127.0.0.1.
  explicit HttpClient(int port, const std::string& ca_file = "");

  // Sends one request on the connection and reads the whole reply (a chunked SSE body included).
  HttpReply Call(const std::string& method, const std::string& target, const std::string& body = "",
                 const Headers& headers = {});
  // With "Authorization: Bearer <token>" added.
  HttpReply CallAs(const std::string& token, const std::string& method, const std::string& target,
                   const std::string& body = "", const Headers& headers = {});

  // Writes bytes as they are, for malformed or partial requests.
  void SendRaw(const std::string& bytes);
  // Reads until what has been read contains `needle` or the connection closes; returns everything
  // read.
  std::string ReadUntil(const std::string& needle);
  // Reads until the server closes the connection; returns everything read.
  std::string ReadUntilClosed();
  // Waits for bytes and returns those that have arrived (buffered ones first); empty once the
  // connection is closed.
  std::string ReadSome();
  // Ends the connection both ways, from any thread: a read blocked on it returns.
  void Shutdown();

 private:
  // Runs `use` with the stream requests go through: the TLS stream, or the socket itself.
  template <typename Use>
  auto WithStream(Use use) {
    return tls_.has_value() ? use(*tls_) : use(socket_);
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_{io_};
  std::unique_ptr<boost::asio::ssl::context> tls_context_;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_GATEWAY_HTTP_CLIENT_H_
