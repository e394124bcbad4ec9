#pragma once
// Sign-in shortcuts over a real socket for the integration tests.

#include "support/frames.hpp"
#include "support/server_process.hpp"
#include "support/ws_client.hpp"

#include <catch2/catch.hpp>

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

inline std::string secret_of(const std::string& id) {
  static const std::map<std::string, std::string> secrets{{"alice", "alice-secret"}, {"bob", "bob-secret-1"},
                                                          {"carol", "carol-secret"}, {"tina", "tina-secret"},
                                                          {"sam", "sam-secret-1"}};
  return secrets.at(id);
}

inline Signed staff(unsigned short port, const std::string& id, v1::Role role = v1::ROLE_AGENT, bool online = true,
                    std::vector<std::pair<std::string, std::uint64_t>> cursors = {}) {
  WsClient ws(port);
  ws.send(staff_hello(id, secret_of(id), role, std::move(cursors)));
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
