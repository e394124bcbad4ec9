#pragma once
// A throwaway certificate authority for TLS tests, made with the openssl
// command: its CA certificate, and certificates it issues (P-256 keys, valid
// for two days) for the names a test needs. Removed with its directory.

#include "support/temp_dir.hpp"

#include <string>

namespace parley::test {

class TestCa {
 public:
  explicit TestCa(const std::string& name = "Parley test CA");
  struct Issued {
    std::string cert;  // PEM file
    std::string key;   // PEM file
  };
  // subject_alt_names in openssl's syntax, e.g. "IP:127.0.0.1,DNS:localhost".
  Issued issue(const std::string& name, const std::string& subject_alt_names = "IP:127.0.0.1,DNS:localhost") const;
  const std::string& ca_file() const { return ca_cert_; }

 private:
  TempDir dir_;
  std::string ca_cert_, ca_key_;
};

}  // namespace parley::test
