// One end-to-end chat through the shipped nginx config in front of two nodes.
#include "integration/helpers.hpp"
#include "support/cluster_stores.hpp"

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

using namespace parley;
using namespace parley::test;

namespace {

// nginx with deploy/nginx/parley.conf.template filled in, in its own directory.
class Nginx {
 public:
  Nginx(unsigned short listen, const std::vector<unsigned short>& nodes) : port_(listen) {
    char pattern[] = "/tmp/parley-nginx-XXXXXX";
    dir_ = ::mkdtemp(pattern);
    std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/deploy/nginx/parley.conf.template");
    std::stringstream text;
    text << in.rdbuf();
    std::string site = text.str();
    std::string upstreams;
    for (auto p : nodes) upstreams += "server 127.0.0.1:" + std::to_string(p) + "; ";
    site.replace(site.find("@LISTEN@"), 8, "127.0.0.1:" + std::to_string(listen));
    site.replace(site.find("@NODES@"), 7, upstreams);
    std::ofstream(dir_ + "/site.conf") << site;
    std::ofstream(dir_ + "/nginx.conf") << "worker_processes 1; pid " << dir_ << "/nginx.pid; error_log " << dir_
                                        << "/error.log; events { worker_connections 256; } http { access_log off; "
                                        << "client_body_temp_path " << dir_ << "/body; proxy_temp_path " << dir_
                                        << "/proxy; include " << dir_ << "/site.conf; }";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execlp("nginx", "nginx", "-p", dir_.c_str(), "-c", (dir_ + "/nginx.conf").c_str(), "-g", "daemon off;",
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~Nginx() {
    ::kill(pid_, SIGTERM);
    ::waitpid(pid_, nullptr, 0);
    std::filesystem::remove_all(dir_);
  }
  unsigned short port() const { return port_; }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  unsigned short port_;
};

// nginx starts listening shortly after fork; like a browser, retry the connect.
WsClient connect_retrying(unsigned short port) {
  for (int attempt = 0;; ++attempt) {
    try {
      return WsClient(port);
    } catch (const std::exception&) {
      if (attempt == 100) throw;
      std::this_thread::sleep_for(50ms);  // client backoff, not synchronisation
    }
  }
}

Signed through(unsigned short port, const v1::ClientFrame& hello) {
  for (int attempt = 0;; ++attempt) {
    try {
      WsClient ws = connect_retrying(port);
      ws.send(hello);
      auto welcome = ws.expect(F::kWelcome, 3s).welcome();
      return {std::move(ws), welcome};
    } catch (const std::exception&) {
      if (attempt == 50) throw;
      std::this_thread::sleep_for(100ms);
    }
  }
}

}  // namespace

TEST_CASE("a chat through nginx in front of two nodes (deploy/nginx/parley.conf.template)") {
  ClusterStores stores;
  auto args = server_args(stores.flags());
  ServerProcess a(args), b(args);
  Nginx nginx(free_port(), {a.port(), b.port()});

  connect_retrying(nginx.port());  // nginx is up
  auto alice = through(nginx.port(), staff_hello("alice", login(nginx.port(), "alice"), v1::ROLE_AGENT));
  alice.ws.send(set_status(v1::AGENT_STATUS_ONLINE));
  alice.ws.expect(F::kAck);
  auto v = through(nginx.port(), visitor_hello());
  const auto id = start(v.ws, "via nginx");
  CHECK(alice.ws.expect(F::kConversation).conversation().info().conversation_id() == id);
  alice.ws.send(send_message(id, "a-1", "hello through the proxy"));
  CHECK(expect_text(v.ws).text() == "hello through the proxy");
  v.ws.send(send_message(id, "m-2", "and back"));
  CHECK(expect_text(alice.ws).text() == "and back");
  CHECK(http_get(nginx.port(), "/healthz").status == 200);
}

TEST_CASE("nginx passes raw paths on, and still no file outside the static root is served") {
  ServerProcess node(server_args());
  Nginx nginx(free_port(), {node.port()});
  connect_retrying(nginx.port());  // nginx is up
  const auto agents = std::filesystem::canonical(test_data("agents.json")).string();
  for (const std::string& target : std::vector<std::string>{"//etc/passwd", "///etc/hostname", "//" + agents, "/%2e%2e/%2e%2e/etc/passwd",
                                   "/..%2f..%2fetc%2fpasswd", "//proc/self/environ"}) {
    for (const char* method : {"GET", "HEAD"}) {
      INFO(method << " " << target);
      const auto res = raw_http(nginx.port(), std::string(method) + " " + target +
                                                  " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      CHECK(res.status != 200);
      CHECK(res.text.find("root:") == std::string::npos);
      CHECK(res.text.find("argon2") == std::string::npos);
    }
  }
}
