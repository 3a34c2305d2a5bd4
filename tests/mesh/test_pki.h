#ifndef PASSERELLE_TESTS_MESH_TEST_PKI_H_
#define PASSERELLE_TESTS_MESH_TEST_PKI_H_

// Keys and certificates for tests, made by the real deploy/pki (PASSERELLE_PKI_SCRIPT, its absolute
// path, comes from tests/mesh/CMakeLists.txt) in a fresh temporary folder.

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace passerelle::testing {

// A fresh folder for deploy/pki to fill, removed with everything in it on destruction.
class TestPki {
 public:
  TestPki() {
    std::string pattern = absl::StrCat(::testing::TempDir(), "passerelle-pki-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << pattern;
    dir_ = pattern;
  }
  ~TestPki() { std::filesystem::remove_all(dir_); }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  // Runs deploy/pki with `arguments`, where "OUT" stands for this folder: Run("OUT solideo"),
  // Run("--rogue OUT").
  void Run(const std::string& arguments) {
    absl::Status made = TryRun(arguments);
    ASSERT_TRUE(made.ok()) << made;
  }
  // The same, for a caller outside a test (a benchmark): INTERNAL naming the command if it fails.
  absl::Status TryRun(const std::string& arguments) {
    std::string command = absl::StrCat("'", PASSERELLE_PKI_SCRIPT, "' ", arguments, " 2>/dev/null");
    for (size_t at = command.find("OUT"); at != std::string::npos; at = command.find("OUT", at)) {
      command.replace(at, 3, dir_);
      at += dir_.size();
    }
    if (std::system(command.c_str()) != 0)
      return absl::InternalError(absl::StrCat("failed: ", command));
    return absl::OkStatus();
  }

  // A path inside the folder, e.g. Path("paris-2024/node.pem").
  std::string Path(const std::string& relative) const { return absl::StrCat(dir_, "/", relative); }

 private:
  std::string dir_;
};

}  // namespace passerelle::testing

#endif  // PASSERELLE_TESTS_MESH_TEST_PKI_H_
