// GET /metrics through the real server: a scripted set of chats, then the
// exposition checked by Prometheus' own parser (promtool) and by its numbers.
#include "integration/helpers.hpp"
#include "support/temp_dir.hpp"

#include <cstdio>
#include <cstring>
#include <regex>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace parley;
using namespace parley::test;

namespace {

// "name{labels}" (labels as the server prints them, sorted) -> value.
using Samples = std::map<std::string, double>;

Samples parse(const std::string& text) {
  Samples samples;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

double value(const Samples& samples, const std::string& key) {
  auto it = samples.find(key);
  INFO(key);
  REQUIRE(it != samples.end());
  return it->second;
}

// promtool's exit status and what it said, for the exposition in `text`.
std::pair<int, std::string> promtool_check(const std::string& text) {
  TempDir dir("metrics");
  const auto file = dir.path() / "metrics.txt";
  std::ofstream(file) << text;
  const std::string command = "promtool check metrics < " + file.string() + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string said;
  char buffer[512];
  while (auto n = fread(buffer, 1, sizeof buffer, pipe)) said.append(buffer, n);
  return {pclose(pipe), said};
}

HttpResult scrape(unsigned short port, std::vector<std::pair<std::string, std::string>> headers = {}) {
  return http_request(port, "GET", "/metrics", {}, headers);
}

}  // namespace

TEST_CASE("metrics: a scripted set of chats is counted, and the exposition passes promtool") {
  TempDir data("metrics-data");
  ServerProcess server(server_args({"--data-dir", data.path().string()}));

  auto first_session = visitor(server.port());
  auto& v = first_session.ws;
  const auto id = start(v);
  v.expect(F::kQueueStatus);

  // While it waits: the deposit queue has one chat in it.
  auto waiting = parse(scrape(server.port()).body);
  CHECK(value(waiting, R"(parley_queue_length{queue="deposit"})") == 1);
  CHECK(value(waiting, R"(parley_queue_oldest_wait_seconds{queue="deposit"})") >= 0);
  CHECK(value(waiting, R"(parley_conversations_open)") == 1);

  auto alice_session = staff(server.port(), "alice");
  auto& alice = alice_session.ws;
  alice.expect(F::kConversation);
  alice.send(send_message(id, "a-1", "Which network?"));
  alice.expect(F::kAck);
  v.send(send_message(id, "m-2", "ERC-20"));
  v.expect(F::kAck);
  v.send(rate(id, 4));  // not closed yet: refused
  CHECK(v.expect(F::kError).error().code() == v1::ERROR_CODE_WRONG_STATE);
  v.send_raw("not a frame", false);  // a text frame
  CHECK(v.expect(F::kError).error().code() == v1::ERROR_CODE_MALFORMED_FRAME);
  alice.send(close_chat(id));
  alice.expect(F::kAck);
  v.expect(F::kRatingPrompt);
  v.send(rate(id, 4));
  v.expect(F::kAck);

  // A second visitor is routed to Alice at once, and closes the chat themselves.
  auto second_session = visitor(server.port());
  auto& w = second_session.ws;
  const auto second = start(w, "Withdrawal pending", "w-1");
  w.send(close_chat(second));
  w.expect(F::kAck);

  const auto response = scrape(server.port());
  REQUIRE(response.status == 200);
  CHECK(response.content_type.starts_with("text/plain; version=0.0.4"));
  const auto [status, said] = promtool_check(response.body);
  INFO(said);
  CHECK(status == 0);
  CHECK(said.empty());  // no lint complaints either

  const auto m = parse(response.body);
  CHECK(value(m, R"(parley_chats_started_total{category="deposit"})") == 2);
  CHECK(value(m, R"(parley_chats_assigned_total{how="routed",tier="1"})") == 2);
  CHECK(value(m, R"(parley_assignment_wait_seconds_count)") == 2);
  CHECK(value(m, R"(parley_chats_closed_total{by="staff"})") == 1);
  CHECK(value(m, R"(parley_chats_closed_total{by="visitor"})") == 1);
  CHECK(value(m, R"(parley_ratings_total{score="4"})") == 1);
  CHECK(value(m, R"(parley_errors_sent_total{code="wrong_state"})") == 1);
  CHECK(value(m, R"(parley_errors_sent_total{code="malformed_frame"})") == 1);
  CHECK(value(m, R"(parley_frames_received_total{type="start_chat"})") == 2);
  CHECK(value(m, R"(parley_frames_received_total{type="send_message"})") == 2);
  CHECK(value(m, R"(parley_frames_received_total{type="rate_chat"})") == 2);
  CHECK(value(m, R"(parley_frames_received_total{type="hello"})") == 3);
  CHECK(value(m, R"(parley_http_requests_total{route="/api/login",status="200"})") == 1);
  CHECK(value(m, R"(parley_connections_open{kind="websocket"})") == 3);
  CHECK(value(m, R"(parley_queue_length{queue="deposit"})") == 0);  // emptied, still shown
  CHECK(value(m, R"(parley_agents_online)") == 1);
  CHECK(value(m, R"(process_resident_memory_bytes)") > 0);

  // Every commit is in the histogram; buckets only grow, and +Inf is the count.
  const auto commits = value(m, "parley_store_commit_seconds_count");
  CHECK(commits >= 4);
  double previous = 0;
  for (const char* le : {"0.0005", "0.001", "0.005", "0.01", "0.1", "1", "+Inf"}) {
    const auto bucket = value(m, std::string(R"(parley_store_commit_seconds_bucket{le=")") + le + "\"}");
    CHECK(bucket >= previous);
    previous = bucket;
  }
  CHECK(previous == commits);
  CHECK(value(m, "parley_store_commit_batches_count") == commits);
  CHECK(value(m, "parley_store_commit_failures_total") == 0);

  // The dashboard and alerts in deploy/ use only series the server has.
  std::set<std::string> families;
  std::istringstream lines(response.body);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("# TYPE ")) families.insert(line.substr(7, line.find(' ', 7) - 7));
  for (const char* file : {"deploy/grafana/parley-dashboard.json", "deploy/prometheus/alerts.yml"}) {
    std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/" + file);
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    REQUIRE(!text.empty());
    std::size_t used = 0;
    for (std::smatch match; std::regex_search(text.begin() + static_cast<std::ptrdiff_t>(used), text.end(), match,
                                              std::regex("(parley|process)_[a-z_]+"));) {
      auto name = match.str();
      used += static_cast<std::size_t>(match.position() + match.length());
      for (const char* suffix : {"_bucket", "_count", "_sum"})
        if (name.ends_with(suffix) && !families.contains(name)) name.resize(name.size() - std::strlen(suffix));
      INFO(file << " uses " << name);
      CHECK(families.contains(name));
    }
  }
}

TEST_CASE("metrics: only this machine, directly, or a scraper with the token may read them") {
  TempDir dir("metrics-token");
  const std::string token(40, 'k');
  std::ofstream(dir.path() / "token") << token << "\n";
  ServerProcess server(server_args({"--metrics-token-file", (dir.path() / "token").string()}));

  using Headers = std::vector<std::pair<std::string, std::string>>;
  // Through a proxy the request comes from elsewhere: loopback is not enough.
  const std::vector<std::pair<const char*, Headers>> refused{
      {"X-Real-IP", {{"X-Real-IP", "203.0.113.9"}}},
      {"X-Forwarded-For", {{"X-Forwarded-For", "203.0.113.9"}}},
      {"Forwarded", {{"Forwarded", "for=203.0.113.9"}}},
      {"proxied, wrong token", {{"X-Real-IP", "203.0.113.9"}, {"Authorization", "Bearer " + std::string(40, 'x')}}},
      {"proxied, token prefix", {{"X-Real-IP", "203.0.113.9"}, {"Authorization", "Bearer " + token.substr(0, 39)}}},
      {"proxied, token longer", {{"X-Real-IP", "203.0.113.9"}, {"Authorization", "Bearer " + token + "k"}}},
      {"proxied, not Bearer", {{"X-Real-IP", "203.0.113.9"}, {"Authorization", "Basic " + token}}},
  };
  for (const auto& [name, headers] : refused) {
    INFO(name);
    const auto res = scrape(server.port(), headers);
    CHECK(res.status == 403);
    CHECK(res.body.find("\"error\":\"forbidden\"") != std::string::npos);
    CHECK(res.body.find("parley_") == std::string::npos);
  }
  CHECK(scrape(server.port()).status == 200);
  CHECK(scrape(server.port(), {{"X-Real-IP", "203.0.113.9"}, {"Authorization", "Bearer " + token}}).status == 200);
}

TEST_CASE("metrics: routes are patterns, so random paths cannot grow the label set") {
  ServerProcess server(server_args());
  for (int i = 0; i < 40; ++i) {
    http_get(server.port(), "/no-such-page-" + std::to_string(i));
    http_get(server.port(), "/api/tickets/T-" + std::to_string(i) + "/reply");
    http_get(server.port(), "/api/zz" + std::to_string(i));
  }
  const auto m = parse(scrape(server.port()).body);
  std::set<std::string> routes;
  for (const auto& [key, count] : m)
    if (key.starts_with("parley_http_requests_total{")) routes.insert(key.substr(0, key.find(",status")));
  CHECK(routes == std::set<std::string>{R"(parley_http_requests_total{route="/api/other")",
                                        R"(parley_http_requests_total{route="/api/tickets/{id}/reply")",
                                        R"(parley_http_requests_total{route="static")"});
  CHECK(value(m, R"(parley_http_requests_total{route="static",status="404"})") == 40);
}
