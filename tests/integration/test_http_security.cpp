// HTTP through the real server: no request target reads a file outside the
// static root, whatever its spelling.
#include "integration/helpers.hpp"
#include "support/temp_dir.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace parley;
using namespace parley::test;
namespace fs = std::filesystem;

namespace {
// A static root with a secret beside it and symlinks pointing out.
struct WebRoot {
  TempDir dir{"http"};
  fs::path base = dir.path();
  fs::path root = base / "www";
  WebRoot() {
    fs::create_directories(root / "assets");
    std::ofstream(root / "index.html") << "<html>demo</html>";
    std::ofstream(root / "assets" / "widget.js") << "widget()";
    std::ofstream(root / "assets" / "widget.js.map") << "{\"sources\":[]}";
    std::ofstream(base / "secret.txt") << "outside-the-root";
    fs::create_symlink(base / "secret.txt", root / "out.txt");
    fs::create_directory_symlink(base, root / "up");
  }
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

namespace {
// A plain TCP connection that sends nothing unless told: an idle or slow client.
class IdleSocket {
 public:
  explicit IdleSocket(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~IdleSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  IdleSocket(IdleSocket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  void send(std::string_view bytes) { (void)!::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL); }
  // Reads until the server closes (true) or `timeout` passes (false); what it said goes to `text`.
  bool closed_within(std::chrono::milliseconds timeout, std::string* text = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[1024];
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return true;
      if (text) text->append(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
};

// CPU seconds (user + system) the process has used so far.
double cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // fields 3..13
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}
}  // namespace

TEST_CASE("out of descriptors, the server pauses accepting instead of spinning, and recovers") {
  TempDir logs("emfile");
  const auto log = logs.path() / "stderr.log";
  ServerProcess server(server_args({"--max-connections-per-ip", "1000", "--handshake-timeout", "2"}),
                       {.open_files_limit = 64, .stderr_file = log.string()});
  std::vector<IdleSocket> idle;
  for (int i = 0; i < 90; ++i) idle.emplace_back(server.port());
  // The kernel completes these handshakes; the server runs out of descriptors accepting them.
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (read_file(log).find("msg=\"accepting connections failed") == std::string::npos) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(20ms);  // polling a log file: no event to wait on
  }
  const double before = cpu_seconds(server.pid());
  std::this_thread::sleep_for(1s);  // the observation window
  const double used = cpu_seconds(server.pid()) - before;
  INFO("CPU seconds in one second of EMFILE: " << used);
  CHECK(used < 0.25);
  const auto text = read_file(log);
  INFO(text.substr(0, 500));
  CHECK(text.size() < 2000);  // one line per 10 s, not millions
  // The idle connections time out, descriptors come back, a visitor is served.
  const auto res = raw_http(server.port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", 30s);
  CHECK(res.status == 200);
  CHECK(server.running());
}

TEST_CASE("plain HTTP connections count against the per-address limit") {
  ServerProcess server(server_args({"--max-connections-per-ip", "4"}));
  std::vector<IdleSocket> idle;
  for (int i = 0; i < 4; ++i) idle.emplace_back(server.port());
  // Each idle connection is known to the server once it answers on it.
  for (auto& s : idle) {
    s.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  }
  std::string said;
  IdleSocket fifth(server.port());
  CHECK(fifth.closed_within(5s, &said));
  CHECK(said.starts_with("HTTP/1.1 429"));
  CHECK(said.find("too_many_connections") != std::string::npos);
  // A WebSocket is refused the same way.
  CHECK_THROWS(WsClient(server.port()));
  // One closes: the address may connect again.
  idle.pop_back();
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  int status = 0;
  while ((status = raw_http(server.port(), request("GET", "/healthz")).status) != 200 &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);  // client backoff: the server notices the close on its own time
  CHECK(status == 200);
}

TEST_CASE("an idle or trickling HTTP connection is closed at the handshake timeout") {
  ServerProcess server(server_args({"--handshake-timeout", "2"}));
  const auto start = std::chrono::steady_clock::now();
  IdleSocket silent(server.port());
  IdleSocket trickle(server.port());
  const std::string upgrade = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  bool cut = false;
  for (char c : upgrade) {
    trickle.send(std::string(1, c));
    if (trickle.closed_within(100ms)) {  // one byte per 100 ms: a slowloris
      cut = true;
      break;
    }
  }
  if (!cut) cut = trickle.closed_within(3s);
  CHECK(cut);
  const auto trickle_time = std::chrono::steady_clock::now() - start;
  CHECK(trickle_time < 4s);
  CHECK(silent.closed_within(2s));
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("pages, HEAD and JSON answers carry their security headers") {
  WebRoot web;
  std::ofstream(web.root / "console.html") << "<html>console</html>";
  ServerProcess server(server_args({"--static-dir", web.root.string(), "--allowed-origin", "https://shop.example"}));
  auto header = [](const std::string& text, const std::string& name) -> std::string {
    const auto at = text.find("\r\n" + name + ": ");
    if (at == std::string::npos) return {};
    const auto start = at + 4 + name.size();
    return text.substr(start, text.find("\r\n", start) - start);
  };
  for (const char* method : {"GET", "HEAD"}) {
    INFO(method);
    const auto console = raw_http(server.port(), request(method, "/console")).text;
    CHECK(header(console, "Content-Security-Policy").find("frame-ancestors 'none'") != std::string::npos);
    CHECK(header(console, "Content-Security-Policy").find("script-src 'self'") != std::string::npos);
    CHECK(header(console, "X-Frame-Options") == "DENY");
    CHECK(header(console, "Referrer-Policy") == "no-referrer");
    CHECK(header(console, "X-Content-Type-Options") == "nosniff");
    const auto demo = raw_http(server.port(), request(method, "/")).text;
    CHECK(header(demo, "Content-Security-Policy") == "frame-ancestors 'self' https://shop.example");
    CHECK(header(demo, "X-Content-Type-Options") == "nosniff");
    CHECK_FALSE(header(demo, "Referrer-Policy").empty());
    const auto script = raw_http(server.port(), request(method, "/assets/widget.js")).text;
    CHECK(header(script, "X-Content-Type-Options") == "nosniff");
  }
  for (const char* target : {"/healthz", "/no-such-page", "/api/nothing"}) {
    INFO(target);
    const auto json = raw_http(server.port(), request("GET", target)).text;
    CHECK(header(json, "Content-Type") == "application/json");
    CHECK(header(json, "X-Content-Type-Options") == "nosniff");
  }
}

TEST_CASE("anonymous visitors who come and go leave nothing behind") {
  ServerProcess server(server_args({"--visitor-timeout", "1"}));
  std::string last_token;
  for (int i = 0; i < 300; ++i) {
    auto v = visitor(server.port());
    last_token = v.welcome.resume_token();
  }
  auto visitors = [&] {
    const auto body = http_get(server.port(), "/healthz").body;
    const auto at = body.find("\"visitors\":");
    REQUIRE(at != std::string::npos);
    return std::stoi(body.substr(at + 11));
  };
  CHECK(visitors() > 0);
  CHECK(http_get(server.port(), "/healthz").body.find(std::string("\"version\":\"") + PARLEY_PROJECT_VERSION + "\"") !=
        std::string::npos);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (visitors() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(100ms);  // polling a gauge: the server forgets on its own clock
  CHECK(visitors() == 0);
  // Their tokens are gone with them.
  WsClient back(server.port());
  back.send(visitor_hello(last_token));
  CHECK(back.expect_error().code() == v1::ERROR_CODE_AUTH_FAILED);
}
