#include "mesh/pem.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace passerelle::mesh {
namespace {

using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free>>;

BioPtr MemoryBio(absl::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

absl::Status NotPem(absl::string_view what, absl::string_view path, absl::string_view expected) {
  std::string reasons = TakeOpenSslErrors();
  return absl::InvalidArgumentError(absl::StrCat(what, " ", path, ": not a PEM ", expected,
                                                 reasons.empty() ? "" : " (", reasons,
                                                 reasons.empty() ? "" : ")"));
}

}  // namespace

absl::StatusOr<std::string> ReadPemFile(absl::string_view what, absl::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " is not set"));
  std::ifstream in{std::string(path), std::ios::binary};
  if (!in) return absl::ErrnoToStatus(errno, absl::StrCat(what, " ", path));
  std::ostringstream text;
  text << in.rdbuf();
  // A directory opens fine and reads as nothing.
  if (in.bad() || text.str().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, ": empty or unreadable"));
  }
  return text.str();
}

absl::StatusOr<std::vector<X509Ptr>> ParseCertificates(absl::string_view what,
                                                       absl::string_view path,
                                                       absl::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  std::vector<X509Ptr> certificates;
  while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certificates.emplace_back(certificate);
  }
  // Reading stops with "no start line" at the end of the text; that is not a failure once one was
  // read.
  if (certificates.empty()) return NotPem(what, path, "certificate");
  TakeOpenSslErrors();
  return certificates;
}

absl::StatusOr<EvpPkeyPtr> ParsePrivateKey(absl::string_view what, absl::string_view path,
                                           absl::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  // A null password callback with an empty password: an encrypted key fails instead of prompting on
  // a tty.
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")));
  if (key == nullptr) return NotPem(what, path, "private key");
  return key;
}

absl::StatusOr<EvpPkeyPtr> ParsePublicKey(absl::string_view what, absl::string_view path,
                                          absl::string_view pem) {
  BioPtr bio = MemoryBio(pem);
  EvpPkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) return NotPem(what, path, "public key");
  return key;
}

std::string TakeOpenSslErrors() {
  std::string reasons;
  while (unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof(text));
    absl::StrAppend(&reasons, reasons.empty() ? "" : "; ", text);
  }
  return reasons;
}

}  // namespace passerelle::mesh
