#include "mesh/identity.h"

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/async_generic_service.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "mesh/pem.h"
#include "tests/mesh/test_pki.h"

namespace passerelle::mesh {

void PrintTo(const Principal& principal, std::ostream* out) { *out << PrincipalUri(principal); }

namespace {

using ::testing::HasSubstr;

std::string ReadPemFileForTest(const std::string& path) {
  absl::StatusOr<std::string> text = ReadPemFile("test file", path);
  EXPECT_TRUE(text.ok()) << text.status();
  return text.value_or("");
}

// --- ParsePrincipalUri ---

TEST(ParsePrincipalUriTest, AcceptsAPartnersNodeUriAsTheNodeRole) {
  absl::StatusOr<Principal> principal = ParsePrincipalUri("spiffe://passerelle/partner/les-canaux");

  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->partner_id, "les-canaux");
  EXPECT_EQ(principal->role, "node");
}

TEST(ParsePrincipalUriTest, AcceptsAPartnersRoleUri) {
  absl::StatusOr<Principal> principal =
      ParsePrincipalUri("spiffe://passerelle/partner/paris-2024/role/partner_admin");

  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->partner_id, "paris-2024");
  EXPECT_EQ(principal->role, "partner_admin");
}

TEST(ParsePrincipalUriTest, RejectsEveryMalformedUri) {
  for (const char* uri : {
           "",
           "spiffe://passerelle/partner/",
           "spiffe://passerelle/partner",
           "https://passerelle/partner/solideo",
           "spiffe://other-domain/partner/solideo",
           "spiffe://passerelle/partners/solideo",
           "SPIFFE://passerelle/partner/solideo",
           "spiffe://passerelle/partner/Solideo",
           "spiffe://passerelle/partner/solideo/",
           "spiffe://passerelle/partner/solideo//role/observer",
           "spiffe://passerelle/partner/-solideo",
           "spiffe://passerelle/partner/solideo-",
           "spiffe://passerelle/partner/sol--ideo",
           "spiffe://passerelle/partner/sol_ideo",
           "spiffe://passerelle/partner/sol.ideo",
           "spiffe://passerelle/partner/solideo?role=admin",
           "spiffe://passerelle/partner/solideo#x",
           "spiffe://passerelle/partner/solideo/role",
           "spiffe://passerelle/partner/solideo/role/",
           "spiffe://passerelle/partner/solideo/role/Admin",
           "spiffe://passerelle/partner/solideo/role/_admin",
           "spiffe://passerelle/partner/solideo/role/node",
           "spiffe://passerelle/partner/solideo/role/observer/extra",
           "spiffe://passerelle/partner/solideo/roles/observer",
           "spiffe://passerelle/partner/solideo/role/observer ",
           " spiffe://passerelle/partner/solideo",
           "spiffe://passerelle/partner/solideo/siret/12345678901234",
           "spiffe://passerelle/partner/solideo/role/contractor/siret/1234567890123",
           "spiffe://passerelle/partner/solideo/role/contractor/siret/1234567890123x",
           "spiffe://passerelle/partner/solideo/role/contractor/sirets/12345678901234",
           "spiffe://passerelle/partner/solideo/role/contractor/siret/12345678901234/x",
       }) {
    absl::StatusOr<Principal> principal = ParsePrincipalUri(uri);
    EXPECT_EQ(principal.status().code(), absl::StatusCode::kInvalidArgument) << '"' << uri << '"';
  }
  EXPECT_FALSE(
      ParsePrincipalUri(absl::StrCat("spiffe://passerelle/partner/", std::string(64, 'a'))).ok());
  EXPECT_FALSE(
      ParsePrincipalUri(absl::string_view("spiffe://passerelle/partner/sol\0ideo", 35)).ok());
}

TEST(ParsePrincipalUriTest, AcceptsAPrincipalBoundToOneBuyer) {
  absl::StatusOr<Principal> principal =
      ParsePrincipalUri("spiffe://passerelle/partner/solideo/role/facilitator/buyer/ville-de-paris");

  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->partner_id, "solideo");
  EXPECT_EQ(principal->role, "facilitator");
  EXPECT_EQ(principal->buyer_id, "ville-de-paris");
  EXPECT_EQ(principal->siret, "");
}

TEST(ParsePrincipalUriTest, RejectsEveryMalformedBuyerId) {
  for (const char* uri : {
           "spiffe://passerelle/partner/solideo/role/facilitator/buyer/",
           "spiffe://passerelle/partner/solideo/role/facilitator/buyer/ab",
           "spiffe://passerelle/partner/solideo/role/facilitator/buyer/Ville-de-paris",
           "spiffe://passerelle/partner/solideo/role/facilitator/buyer/ville_de_paris",
           "spiffe://passerelle/partner/solideo/role/facilitator/buyer/ville--paris",
           "spiffe://passerelle/partner/solideo/role/facilitator/buyer/-ville",
           "spiffe://passerelle/partner/solideo/role/facilitator/buyer/buyers/ville-de-paris",
           "spiffe://passerelle/partner/solideo/role/facilitator/buyer/ville-de-paris/",
           "spiffe://passerelle/partner/solideo/buyer/ville-de-paris",
           "spiffe://passerelle/partner/solideo/role/contractor/siret/12345678901234/buyer/ville",
       }) {
    absl::StatusOr<Principal> principal = ParsePrincipalUri(uri);
    EXPECT_EQ(principal.status().code(), absl::StatusCode::kInvalidArgument) << '"' << uri << '"';
  }
  EXPECT_FALSE(ParsePrincipalUri(absl::StrCat("spiffe://passerelle/partner/solideo/role/facilitator/buyer/",
                                              std::string(64, 'a')))
                   .ok());
}

TEST(ParsePrincipalUriTest, PrincipalUriIsItsInverse) {
  for (const Principal& principal :
       {Principal{"yunus-centre", "node", ""}, Principal{"solideo", "observer", ""},
        Principal{"les-canaux", "gateway", ""},
        Principal{"les-canaux", "contractor", "12345678901234"},
        Principal{"solideo", "facilitator", "", "ville-de-paris"}}) {
    absl::StatusOr<Principal> parsed = ParsePrincipalUri(PrincipalUri(principal));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, principal);
  }
}

// --- Mutual TLS with certificates from deploy/pki ---

// Answers every call with the caller's principal URI, or fails it with CallerOf's error.
class CallerEcho : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      explicit Reactor(grpc::GenericCallbackServerContext* context) : context_(context) {
        StartRead(&request_);
      }
      void OnReadDone(bool ok) override {
        absl::StatusOr<Principal> caller = CallerOf(*context_);
        if (!caller.ok()) {
          Finish(grpc::Status(static_cast<grpc::StatusCode>(caller.status().code()),
                              std::string(caller.status().message())));
          return;
        }
        grpc::Slice uri(PrincipalUri(*caller));
        response_ = grpc::ByteBuffer(&uri, 1);
        StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
      }
      void OnDone() override { delete this; }

     private:
      grpc::GenericCallbackServerContext* context_;
      grpc::ByteBuffer request_;
      grpc::ByteBuffer response_;
    };
    return new Reactor(context);
  }
};

struct CallResult {
  grpc::Status status;
  std::string caller_uri;                                            // as the server saw the caller
  absl::StatusOr<Principal> server = absl::UnknownError("no call");  // as the client saw the server
};

// `forwarded`, when not empty, goes in the principal metadata, as a gateway sends it.
CallResult WhoAmI(const std::shared_ptr<grpc::Channel>& channel, const std::string& forwarded = "") {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  if (!forwarded.empty()) context.AddMetadata(std::string(kForwardedPrincipalMetadata), forwarded);
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, "/passerelle.test.CallerEcho/WhoAmI", grpc::StubOptions(), &request,
                 &response, [&done](grpc::Status status) { done.set_value(std::move(status)); });
  CallResult result;
  result.status = done.get_future().get();
  if (result.status.ok()) {
    std::vector<grpc::Slice> slices;
    (void)response.Dump(&slices);
    for (const grpc::Slice& slice : slices) {
      result.caller_uri.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
    }
  }
  result.server = ServerOf(context);
  return result;
}

class MutualTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new testing::TestPki();
    pki_->Run("OUT paris-2024 solideo");
    // A stranger's CA, with a certificate that claims to be one of the mesh's partners.
    pki_->Run("--rogue OUT paris-2024");
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  static v1::TlsConfig Tls(const std::string& cert, const std::string& key) {
    v1::TlsConfig tls;
    tls.set_ca_file(pki_->Path("ca.pem"));
    tls.set_cert_file(pki_->Path(cert));
    tls.set_key_file(pki_->Path(key));
    return tls;
  }
  static v1::TlsConfig NodeTls(const std::string& partner) {
    return Tls(partner + "/node.pem", partner + "/node.key");
  }

  // Starts the echo server as `partner`'s node: with mutual TLS, or plaintext when `partner` is
  // empty.
  void StartServer(const std::string& partner) {
    std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
    if (!partner.empty()) {
      absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tls =
          ServerCredentials(NodeTls(partner));
      ASSERT_TRUE(tls.ok()) << tls.status();
      credentials = *tls;
    }
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", credentials, &port);
    builder.RegisterCallbackGenericService(&echo_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }

  std::shared_ptr<grpc::Channel> Channel(
      const std::shared_ptr<grpc::ChannelCredentials>& credentials) {
    // A fresh subchannel per test client, so that no connection is shared between credentials.
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(address_, credentials, arguments);
  }
  std::shared_ptr<grpc::Channel> MeshChannel(const v1::TlsConfig& tls) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials = ChannelCredentials(tls);
    EXPECT_TRUE(credentials.ok()) << credentials.status();
    return Channel(credentials.ok() ? *credentials : grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  static testing::TestPki* pki_;
  CallerEcho echo_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

testing::TestPki* MutualTlsTest::pki_ = nullptr;

TEST_F(MutualTlsTest, APartnersNodeIsSeenAsThatPartnerWithTheNodeRole) {
  StartServer("paris-2024");

  CallResult call = WhoAmI(MeshChannel(NodeTls("solideo")));

  ASSERT_TRUE(call.status.ok()) << call.status.error_message();
  EXPECT_EQ(call.caller_uri, "spiffe://passerelle/partner/solideo");
  EXPECT_EQ(ParsePrincipalUri(call.caller_uri).value(), (Principal{"solideo", "node", ""}));
}

TEST_F(MutualTlsTest, TheClientSeesWhichPartnerServedIt) {
  StartServer("paris-2024");

  CallResult call = WhoAmI(MeshChannel(NodeTls("solideo")));

  ASSERT_TRUE(call.server.ok()) << call.server.status();
  EXPECT_EQ(*call.server, (Principal{"paris-2024", "node", ""}));
}

TEST_F(MutualTlsTest, APartnerAdminCertificateCarriesThePartnerAdminRole) {
  StartServer("paris-2024");

  CallResult call = WhoAmI(MeshChannel(Tls("solideo/admin.pem", "solideo/admin.key")));

  ASSERT_TRUE(call.status.ok()) << call.status.error_message();
  EXPECT_EQ(call.caller_uri, "spiffe://passerelle/partner/solideo/role/partner_admin");
}

TEST_F(MutualTlsTest, APartnersGatewayCertificateCarriesThatPartnerAndTheGatewayRole) {
  StartServer("solideo");

  CallResult call = WhoAmI(MeshChannel(Tls("paris-2024/gateway.pem", "paris-2024/gateway.key")));

  ASSERT_TRUE(call.status.ok()) << call.status.error_message();
  EXPECT_EQ(call.caller_uri, "spiffe://passerelle/partner/paris-2024/role/gateway");
}

TEST_F(MutualTlsTest, AGatewayIsBelievedForItsOwnPartnersPrincipalsOnly) {
  StartServer("solideo");
  const v1::TlsConfig gateway = Tls("paris-2024/gateway.pem", "paris-2024/gateway.key");

  CallResult own = WhoAmI(MeshChannel(gateway),
                          "spiffe://passerelle/partner/paris-2024/role/facilitator/buyer/cojo");
  CallResult other =
      WhoAmI(MeshChannel(gateway), "spiffe://passerelle/partner/solideo/role/partner_admin");

  ASSERT_TRUE(own.status.ok()) << own.status.error_message();
  EXPECT_EQ(own.caller_uri, "spiffe://passerelle/partner/paris-2024/role/facilitator/buyer/cojo");
  EXPECT_EQ(other.status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << other.status.error_message();
}

TEST_F(MutualTlsTest, ACertificateFromAnotherCaIsRefusedAtTheHandshake) {
  StartServer("paris-2024");
  // The intruder trusts the mesh CA (so it would accept the server) and presents its own CA's
  // certificate for "paris-2024". ChannelCredentials would refuse this pairing up front, so build
  // the credentials by hand.
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadPemFileForTest(pki_->Path("ca.pem"));
  options.pem_cert_chain = ReadPemFileForTest(pki_->Path("rogue/paris-2024/node.pem"));
  options.pem_private_key = ReadPemFileForTest(pki_->Path("rogue/paris-2024/node.key"));

  CallResult call = WhoAmI(Channel(grpc::SslCredentials(options)));

  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE) << call.status.error_message();
  EXPECT_TRUE(call.caller_uri.empty());
}

TEST_F(MutualTlsTest, ATlsClientWithoutACertificateIsRefusedAtTheHandshake) {
  StartServer("paris-2024");
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ReadPemFileForTest(pki_->Path("ca.pem"));

  CallResult call = WhoAmI(Channel(grpc::SslCredentials(options)));

  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE) << call.status.error_message();
}

TEST_F(MutualTlsTest, APlaintextClientCannotCallATlsServer) {
  StartServer("paris-2024");

  CallResult call = WhoAmI(Channel(grpc::InsecureChannelCredentials()));

  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAVAILABLE) << call.status.error_message();
}

TEST_F(MutualTlsTest, APlaintextCallerIsUnauthenticated) {
  StartServer("");

  CallResult call = WhoAmI(Channel(grpc::InsecureChannelCredentials()));

  EXPECT_EQ(call.status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
      << call.status.error_message();
  EXPECT_EQ(call.server.status().code(), absl::StatusCode::kUnauthenticated);
}

// --- Credentials refuse a broken TLS block up front ---

TEST_F(MutualTlsTest, AMissingFileIsNamedWithItsConfigField) {
  v1::TlsConfig tls = NodeTls("paris-2024");
  tls.set_key_file(pki_->Path("paris-2024/missing.key"));

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> server = ServerCredentials(tls);
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> channel = ChannelCredentials(tls);

  EXPECT_EQ(server.status().code(), absl::StatusCode::kNotFound) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr("tls.key_file"));
  EXPECT_THAT(server.status().message(), HasSubstr(tls.key_file()));
  EXPECT_EQ(channel.status(), server.status());
}

TEST_F(MutualTlsTest, AnUnsetFileIsNamedWithItsConfigField) {
  v1::TlsConfig tls = NodeTls("paris-2024");
  tls.clear_ca_file();

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> server = ServerCredentials(tls);

  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr("tls.ca_file"));
}

TEST_F(MutualTlsTest, AFileThatIsNotPemIsNamed) {
  v1::TlsConfig tls = NodeTls("paris-2024");
  tls.set_cert_file(pki_->Path("paris-2024/signing.pub"));  // PEM, but a key, not a certificate

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> server = ServerCredentials(tls);

  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr("tls.cert_file"));
  EXPECT_THAT(server.status().message(), HasSubstr("not a PEM certificate"));
}

TEST_F(MutualTlsTest, AKeyThatIsNotTheCertificatesKeyIsRefused) {
  v1::TlsConfig tls = Tls("paris-2024/node.pem", "solideo/node.key");

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> server = ServerCredentials(tls);

  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument) << server.status();
  EXPECT_THAT(server.status().message(), HasSubstr("is not the key of tls.cert_file"));
}

TEST_F(MutualTlsTest, ACertificateTheCaDidNotIssueIsRefused) {
  v1::TlsConfig tls = Tls("rogue/paris-2024/node.pem", "rogue/paris-2024/node.key");

  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> channel = ChannelCredentials(tls);

  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument) << channel.status();
  EXPECT_THAT(channel.status().message(), HasSubstr("does not verify against tls.ca_file"));
}

}  // namespace
}  // namespace passerelle::mesh
