#pragma once
// Sign-in shortcuts over a real socket for the integration tests.

#include "support/frames.hpp"
#include "support/server_process.hpp"
#include "support/ws_client.hpp"

#include <catch2/catch.hpp>

#include <thread>

namespace parley::test {

using F = v1::ServerFrame;

inline std::vector<std::string> server_args(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--agents", test_data("agents.json")};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

struct Signed {
  WsClient ws;
  v1::Welcome welcome;
};

inline Signed visitor(unsigned short port, const std::string& token = {},
                      std::vector<std::pair<std::string, std::uint64_t>> cursors = {}) {
  WsClient ws(port);
  ws.send(visitor_hello(token, std::move(cursors)));
  auto welcome = ws.expect(F::kWelcome).welcome();
  return {std::move(ws), welcome};
}

inline std::string password_of(const std::string& id) {
  static const std::map<std::string, std::string> passwords{
      {"alice", "alice-secret"}, {"bob", "bob-secret-1"}, {"carol", "carol-secret"},
      {"tina", "tina-secret"},   {"sam", "sam-secret-1"}, {"dora", "dora-secret"}};
  return passwords.at(id);
}

inline HttpResult post_login(unsigned short port, const std::string& id, const std::string& password,
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  return http_request(port, "POST", "/api/login",
                      R"({"agent_id":")" + id + R"(","password":")" + password + R"("})", headers);
}

// Signs in over HTTP as the console does; returns the session token. A node
// whose Redis connection is still coming up answers 503: retried like a client would.
// The backoff doubles up to 3 s, as a client's should: every attempt counts
// against the sign-in throttle (20 a minute per address), and a slow start
// (Redis and a new leader coming back under ASan) must not turn into a 429.
inline std::string login(unsigned short port, const std::string& id) {
  auto res = post_login(port, id, password_of(id));
  auto pause = 100ms;
  for (int attempt = 0; res.status == 503 && attempt < 18; ++attempt) {
    std::this_thread::sleep_for(pause);  // client backoff, not synchronisation
    pause = std::min<std::chrono::milliseconds>(pause * 2, 3s);
    res = post_login(port, id, password_of(id));
  }
  REQUIRE(res.status == 200);
  const auto at = res.body.find("\"token\":\"");
  REQUIRE(at != std::string::npos);
  return res.body.substr(at + 9, res.body.find('"', at + 9) - at - 9);
}

inline Signed staff(unsigned short port, const std::string& id, v1::Role role = v1::ROLE_AGENT, bool online = true,
                    std::vector<std::pair<std::string, std::uint64_t>> cursors = {}) {
  WsClient ws(port);
  ws.send(staff_hello(id, login(port, id), role, std::move(cursors)));
  auto welcome = ws.expect(F::kWelcome).welcome();
  if (online) {
    ws.send(set_status(v1::AGENT_STATUS_ONLINE));
    REQUIRE(ws.expect(F::kAck).ack().request_id() == 3);
  }
  return {std::move(ws), welcome};
}

// Next chat message written by a person, skipping the server's system notices.
inline v1::Message expect_text(WsClient& ws, std::chrono::milliseconds timeout = 5s) {
  for (;;) {
    auto message = ws.expect(F::kMessage, timeout).message();
    if (!message.system()) return message;
  }
}

// Starts a chat; returns the conversation id.
inline std::string start(WsClient& ws, const std::string& text = "My deposit has not arrived",
                         const std::string& client_id = "m-1") {
  ws.send(start_chat(text, v1::CATEGORY_DEPOSIT, client_id));
  auto ack = ws.expect(F::kAck).ack();
  REQUIRE(ack.seq() == 1);
  return ack.conversation_id();
}

}  // namespace parley::test
