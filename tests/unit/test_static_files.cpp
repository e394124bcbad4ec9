// Static files: a table of hostile request targets, none of which may name a
// file outside the static root, and the same-origin rule for WebSockets.
#include "net/static_files.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <unistd.h>

using namespace parley;
namespace fs = std::filesystem;

namespace {
struct TempRoot {
  fs::path base = fs::temp_directory_path() / ("parley-static-" + std::to_string(::getpid()));
  fs::path root = base / "www";
  TempRoot() {
    fs::remove_all(base);
    fs::create_directories(root / "assets");
    std::ofstream(root / "index.html") << "<html>";
    std::ofstream(root / "console.html") << "<html>";
    std::ofstream(root / "assets" / "widget.js") << "1";
    std::ofstream(root / "assets" / "widget.js.map") << "{}";
    std::ofstream(root / "assets" / "caf\xc3\xa9 menu.txt") << "ok";
    std::ofstream(root / ".env") << "SECRET=1";
    std::ofstream(base / "secret.txt") << "outside";
    fs::create_directories(base / "private");
    std::ofstream(base / "private" / "key.pem") << "-----BEGIN PRIVATE KEY-----";
    fs::create_symlink(base / "secret.txt", root / "link-out.txt");
    fs::create_directory_symlink(base / "private", root / "dir-out");
    fs::create_symlink(root / "assets" / "widget.js", root / "link-in.js");
    fs::create_symlink("/etc/passwd", root / "passwd");
  }
  ~TempRoot() { fs::remove_all(base); }
};
}  // namespace

TEST_CASE("static files: ordinary pages are found") {
  TempRoot t;
  const auto root = fs::canonical(t.root);
  CHECK(*net::resolve_static(t.root, "/") == root / "index.html");
  CHECK(*net::resolve_static(t.root, "/console") == root / "console.html");
  CHECK(*net::resolve_static(t.root, "/assets/widget.js?v=2") == root / "assets" / "widget.js");
  CHECK(*net::resolve_static(t.root, "/assets/widget.js#x") == root / "assets" / "widget.js");
  CHECK(*net::resolve_static(t.root, "/assets/caf%C3%A9%20menu.txt") == root / "assets" / "caf\xc3\xa9 menu.txt");
  // A symlink that stays inside the root is followed.
  CHECK(*net::resolve_static(t.root, "/link-in.js") == root / "assets" / "widget.js");
  CHECK_FALSE(net::resolve_static(t.root, "/missing.js"));
  CHECK_FALSE(net::resolve_static("", "/"));
}

TEST_CASE("static files: no hostile target leaves the root") {
  TempRoot t;
  const char* hostile[] = {
      // The reported hole: an absolute path after the leading slash.
      "//etc/passwd", "///etc/hostname", "////etc/passwd", "//etc/passwd?x=1", "/%2fetc/passwd", "/%2Fetc%2Fpasswd",
      "//" "proc/self/environ",
      // Parent directories, plain and encoded, and dot segments.
      "/../etc/passwd", "/assets/../../x", "/..", "/.", "/./index.html", "/assets/./widget.js", "/%2e%2e/etc/passwd",
      "/%2E%2E/%2E%2E/etc/passwd", "/.%2e/etc/passwd", "/%2e./etc/passwd", "/assets/%2e%2e/%2e%2e/secret.txt",
      "/assets%2f..%2f..%2fsecret.txt", "/assets/..%2f..%2fsecret.txt", "/%252e%252e/secret.txt",
      // Double slashes inside the path.
      "/assets//widget.js", "/assets///widget.js",
      // Backslashes, plain and encoded.
      "/..\\..\\etc\\passwd", "/assets\\..\\..\\secret.txt", "/%5c..%5c..%5csecret.txt", "/%5Cetc%5Cpasswd",
      // NUL and control characters.
      "/index.html%00.js", "/%00", "/assets/%0a", "/a%7f",
      // Overlong UTF-8 dots and slashes, lone continuation bytes, surrogates, bad escapes.
      "/%c0%ae%c0%ae/secret.txt", "/%c0%af..%c0%afsecret.txt", "/%e0%80%ae%e0%80%ae/secret.txt",
      "/%f0%80%80%ae%f0%80%80%ae/x", "/%c1%9c..", "/%80", "/%ed%a0%80", "/%f4%90%80%80", "/%", "/%2", "/%zz",
      "/%2g",
      // Hidden files, source maps and symlinks out of the root.
      "/.env", "/assets/.hidden", "/assets/widget.js.map", "/link-out.txt", "/dir-out/key.pem", "/passwd",
      // Not a path at all.
      "", "relative", "index.html", "*", "http://evil.example/etc/passwd", "C:/Windows/win.ini",
  };
  for (std::string_view target : hostile) {
    INFO("target: " << std::string(target));
    CHECK_FALSE(net::resolve_static(t.root, target));
  }
  // A raw NUL inside the target (a C string would have ended there).
  CHECK_FALSE(net::resolve_static(t.root, std::string_view("/index.html\0", 12)));
  CHECK_FALSE(net::resolve_static(t.root, std::string_view("/index.html\0.js", 15)));
  // The same table with the root spelled with a trailing slash and as a relative path.
  const auto cwd = fs::current_path();
  fs::current_path(t.base);
  for (std::string_view target : hostile) {
    INFO("target: " << std::string(target));
    CHECK_FALSE(net::resolve_static("www/", target));
  }
  fs::current_path(cwd);
}

TEST_CASE("static files: URL paths decode strictly") {
  CHECK(*net::decode_url_path("a%20b") == "a b");
  CHECK(*net::decode_url_path("%E4%B8%AD") == "\xe4\xb8\xad");
  CHECK_FALSE(net::decode_url_path("%c0%ae"));
  CHECK_FALSE(net::decode_url_path("%00"));
  CHECK_FALSE(net::decode_url_path("a\\b"));
  CHECK_FALSE(net::decode_url_path("%4"));
  CHECK_FALSE(net::decode_url_path("%e4%b8"));  // truncated sequence
}

TEST_CASE("static files: content types and WebSocket origins") {
  CHECK(net::mime_type("a.js") == "text/javascript; charset=utf-8");
  CHECK(net::origin_allowed("", "x:1", {}));
  CHECK(net::origin_allowed("http://chat.example:8080", "chat.example:8080", {}));
  CHECK_FALSE(net::origin_allowed("http://evil.example", "chat.example:8080", {}));
  CHECK(net::origin_allowed("https://shop.example", "chat.example", {"https://shop.example"}));
  CHECK_FALSE(net::origin_allowed("https://shop.example.evil", "chat.example", {"https://shop.example"}));
  CHECK(net::origin_allowed("https://any.example", "chat.example", {"*"}));
}

TEST_CASE("static files: security headers by kind of file") {
  auto find = [](const net::HeaderList& headers, const std::string& name) -> std::string {
    for (const auto& [n, v] : headers)
      if (n == name) return v;
    return {};
  };
  const auto console = net::static_file_headers("/x/console.html", {"https://shop.example"});
  const auto csp = find(console, "Content-Security-Policy");
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("script-src 'self'") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(csp.find("unsafe-inline") == std::string::npos);
  CHECK(csp.find("unsafe-eval") == std::string::npos);
  CHECK(find(console, "X-Frame-Options") == "DENY");
  CHECK(find(console, "Referrer-Policy") == "no-referrer");
  CHECK(find(console, "X-Content-Type-Options") == "nosniff");

  const auto demo = net::static_file_headers("/x/index.html", {"https://shop.example"});
  CHECK(find(demo, "Content-Security-Policy") == "frame-ancestors 'self' https://shop.example");
  CHECK(find(demo, "X-Frame-Options").empty());  // it cannot name other sites
  CHECK(find(net::static_file_headers("/x/index.html", {}), "X-Frame-Options") == "SAMEORIGIN");
  CHECK(find(net::static_file_headers("/x/index.html", {"*"}), "Content-Security-Policy") == "frame-ancestors *");

  const auto script = net::static_file_headers("/x/widget.js", {});
  CHECK(find(script, "X-Content-Type-Options") == "nosniff");
  CHECK(find(script, "Content-Security-Policy").empty());
  CHECK(find(net::api_headers(), "X-Content-Type-Options") == "nosniff");
}
