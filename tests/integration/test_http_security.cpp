// HTTP through the real server: no request target reads a file outside the
// static root, whatever its spelling.
#include "integration/helpers.hpp"

#include <filesystem>
#include <fstream>

#include <unistd.h>

using namespace parley;
using namespace parley::test;
namespace fs = std::filesystem;

namespace {
// A static root with a secret beside it and symlinks pointing out.
struct WebRoot {
  fs::path base = fs::temp_directory_path() / ("parley-http-" + std::to_string(::getpid()));
  fs::path root = base / "www";
  WebRoot() {
    fs::remove_all(base);
    fs::create_directories(root / "assets");
    std::ofstream(root / "index.html") << "<html>demo</html>";
    std::ofstream(root / "assets" / "widget.js") << "widget()";
    std::ofstream(root / "assets" / "widget.js.map") << "{\"sources\":[]}";
    std::ofstream(base / "secret.txt") << "outside-the-root";
    fs::create_symlink(base / "secret.txt", root / "out.txt");
    fs::create_directory_symlink(base, root / "up");
  }
  ~WebRoot() { fs::remove_all(base); }
};

std::string request(const std::string& method, const std::string& target) {
  return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}
}  // namespace

TEST_CASE("no request target reads a file outside the static root") {
  WebRoot web;
  const auto agents = fs::canonical(test_data("agents.json")).string();
  ServerProcess server(server_args({"--static-dir", web.root.string()}));

  // The root's own files are served.
  auto ok = raw_http(server.port(), request("GET", "/assets/widget.js"));
  CHECK(ok.status == 200);
  CHECK(ok.text.find("widget()") != std::string::npos);

  const std::vector<std::string> hostile{
      "//etc/passwd", "///etc/hostname", "////etc/passwd", "/" + agents, "//" + agents, "/%2f" + agents.substr(1),
      "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt", "/../secret.txt", "/assets/../../secret.txt",
      "/..%5csecret.txt", "/..\\secret.txt", "/%c0%ae%c0%ae/secret.txt", "/%e0%80%ae%e0%80%ae/secret.txt",
      "/index.html%00", "/out.txt", "/up/secret.txt", "/assets/widget.js.map",
      "//proc/self/environ", "//proc/self/cmdline"};
  for (const auto& target : hostile) {
    for (const char* method : {"GET", "HEAD"}) {
      INFO(method << " " << target);
      const auto res = raw_http(server.port(), request(method, target));
      CHECK((res.status == 404 || res.status == 400));
      CHECK(res.text.find("outside-the-root") == std::string::npos);
      CHECK(res.text.find("root:") == std::string::npos);
      CHECK(res.text.find("argon2") == std::string::npos);
      CHECK(res.text.find("--agents") == std::string::npos);
    }
  }
  // A raw NUL in the target.
  const auto nul = raw_http(server.port(), request("GET", std::string("/index.html\0/../../secret.txt", 29)));
  CHECK(nul.status != 200);
  CHECK(nul.text.find("outside-the-root") == std::string::npos);
  CHECK(server.running());
}
