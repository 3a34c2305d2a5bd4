#ifndef PASSERELLE_MESH_PEM_H_
#define PASSERELLE_MESH_PEM_H_

// Reading the PEM files deploy/pki makes, for identity.cc and signing.cc: owning pointers for the
// OpenSSL objects involved, and errors that name the file and what it was for. Internal to mesh/.

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace passerelle::mesh {

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* object) const {
    Free(object);
  }
};

using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;

// The text of the file at `path`. `what` says what the file is for ("tls.cert_file", "signing key
// of solideo"); errors read "<what> <path>: <reason>", with the errno's code (NOT_FOUND,
// PERMISSION_DENIED, ...), and INVALID_ARGUMENT for an empty path.
absl::StatusOr<std::string> ReadPemFile(absl::string_view what, absl::string_view path);

// Every certificate in `pem`, in order; INVALID_ARGUMENT (same wording) when it holds none.
absl::StatusOr<std::vector<X509Ptr>> ParseCertificates(absl::string_view what,
                                                       absl::string_view path,
                                                       absl::string_view pem);

// The private or public key in `pem`; INVALID_ARGUMENT (same wording) when it holds none.
absl::StatusOr<EvpPkeyPtr> ParsePrivateKey(absl::string_view what, absl::string_view path,
                                           absl::string_view pem);
absl::StatusOr<EvpPkeyPtr> ParsePublicKey(absl::string_view what, absl::string_view path,
                                          absl::string_view pem);

// The reasons OpenSSL queued on this thread, oldest first, joined by "; " ("" if none). Clears the
// queue, so a failure here does not linger for the next OpenSSL caller on the thread (gRPC's TLS
// among them).
std::string TakeOpenSslErrors();

}  // namespace passerelle::mesh

#endif  // PASSERELLE_MESH_PEM_H_
