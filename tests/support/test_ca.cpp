#include "support/test_ca.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace parley::test {
namespace {

void run(const std::string& command) {
  if (std::system((command + " 2>/dev/null").c_str()) != 0) throw std::runtime_error("failed: " + command);
}

const char* const key_options = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";

}  // namespace

TestCa::TestCa(const std::string& name) : dir_("ca") {
  ca_cert_ = (dir_.path() / "ca.pem").string();
  ca_key_ = (dir_.path() / "ca.key").string();
  run(std::string("openssl req -x509 ") + key_options + " -days 2 -subj '/CN=" + name + "' -keyout " + ca_key_ +
      " -out " + ca_cert_ + " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
}

TestCa::Issued TestCa::issue(const std::string& name, const std::string& subject_alt_names) const {
  const auto base = dir_.path() / name;
  Issued issued{base.string() + ".pem", base.string() + ".key"};
  const std::string request = base.string() + ".csr", extensions = base.string() + ".ext";
  std::ofstream(extensions) << "subjectAltName=" << subject_alt_names << "\nbasicConstraints=CA:FALSE\n"
                            << "extendedKeyUsage=serverAuth,clientAuth\n";
  run(std::string("openssl req -new ") + key_options + " -subj '/CN=" + name + "' -keyout " + issued.key + " -out " + request);
  run("openssl x509 -req -in " + request + " -CA " + ca_cert_ + " -CAkey " + ca_key_ + " -CAcreateserial -days 2 -extfile " +
      extensions + " -out " + issued.cert);
  return issued;
}

}  // namespace parley::test
