// Logs through the real server: every stderr line is a timestamped key=value
// line; at debug each HTTP request has a line with the id the response
// carries as X-Request-Id; what people wrote, passwords and tokens never appear.
#include "integration/helpers.hpp"
#include "support/temp_dir.hpp"

#include <fstream>
#include <regex>
#include <sstream>

using namespace parley;
using namespace parley::test;
using namespace std::chrono_literals;

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

std::string header_of(const HttpResult& res, const std::string& name) {
  for (const auto& [key, value] : res.headers)
    if (key.size() == name.size() && std::equal(key.begin(), key.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      return value;
  return {};
}

// A chat whose words must stay out of the logs; returns the staff token used.
std::string chat_with_markers(unsigned short port) {
  auto alice = staff(port, "alice");
  auto v = visitor(port);
  const auto id = start(v.ws, "VISITOR-WORDS 我的提现 seed abandon ability", "m-1");
  alice.ws.expect(F::kConversation);
  alice.ws.send(send_message(id, "a-1", "AGENT-WORDS please wait"));
  alice.ws.expect(F::kAck);
  expect_text(v.ws);
  return login(port, "alice");
}

}  // namespace

TEST_CASE("logs: key=value lines, a request id per HTTP request at debug, and nothing anyone wrote") {
  TempDir dir("logs");
  const auto log = dir.path() / "stderr.log";
  ServerProcess server(server_args({"--data-dir", (dir.path() / "data").string(), "--log-level", "debug"}),
                       {.stderr_file = log.string()});
  const auto token = chat_with_markers(server.port());
  const auto res = http_get(server.port(), "/healthz");
  REQUIRE(res.status == 200);
  const auto id = header_of(res, "X-Request-Id");
  REQUIRE(id.size() == 16);
  const auto missing = http_get(server.port(), "/api/tickets");
  const auto missing_id = header_of(missing, "X-Request-Id");
  CHECK(missing_id != id);
  REQUIRE(server.stop() == 0);

  const auto text = read_file(log);
  INFO(text.substr(0, 3000));
  const std::regex shape(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(debug|info|warn|error) component=[a-z]+ msg=("[^"]*"|\S+)( [a-z_]+=("([^"\\]|\\.)*"|\S+))*$)");
  std::istringstream lines(text);
  std::size_t count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    INFO(line);
    CHECK(std::regex_match(line, shape));
  }
  CHECK(count >= 3);
  CHECK(text.find("msg=listening") != std::string::npos);
  CHECK(text.find("request=" + id + " method=GET route=/healthz status=200") != std::string::npos);
  CHECK(text.find("request=" + missing_id + " method=GET route=/api/tickets status=401") != std::string::npos);
  CHECK(text.find("route=/api/login status=200") != std::string::npos);
  for (const std::string& secret : std::vector<std::string>{"VISITOR-WORDS", "我的提现", "abandon", "AGENT-WORDS", "alice-secret", token}) {
    INFO(secret);
    CHECK(text.find(secret) == std::string::npos);
  }
}

TEST_CASE("logs: at the default level a request writes no line") {
  TempDir dir("logs-info");
  const auto log = dir.path() / "stderr.log";
  ServerProcess server(server_args(), {.stderr_file = log.string()});
  const auto res = http_get(server.port(), "/healthz");
  const auto id = header_of(res, "X-Request-Id");
  REQUIRE_FALSE(id.empty());
  REQUIRE(server.stop() == 0);
  const auto text = read_file(log);
  CHECK(text.find("msg=listening") != std::string::npos);
  CHECK(text.find(id) == std::string::npos);
  CHECK(text.find("level=debug") == std::string::npos);
}
