#pragma once
// Drives chat::Service directly: each client is an Outlet that records the
// frames the service sends it.

#include "backend/memory/memory_message_log.hpp"
#include "chat/service.hpp"
#include "support/frames.hpp"

#include <catch2/catch.hpp>

#include <deque>
#include <memory>

namespace parley::test {

struct RecordingOutlet final : chat::Outlet {
  std::deque<v1::ServerFrame> frames;
  std::optional<std::pair<std::uint16_t, std::string>> closed;
  void deliver(protocol::SharedBytes bytes) override {
    auto frame = protocol::decode_server_frame(*bytes);
    REQUIRE(frame);
    frames.push_back(std::move(*frame));
  }
  void close(std::uint16_t code, std::string reason) override { closed = {code, std::move(reason)}; }
};

struct Client {
  chat::Service* service;
  chat::SessionId id;
  std::shared_ptr<RecordingOutlet> outlet;

  void send(const v1::ClientFrame& frame) { service->handle(id, frame); }
  void disconnect() { service->detach(id); }

  // Removes and returns the first recorded frame of that kind; fails if none.
  v1::ServerFrame take(v1::ServerFrame::FrameCase kind) {
    auto& frames = outlet->frames;
    for (auto it = frames.begin(); it != frames.end(); ++it) {
      if (it->frame_case() != kind) continue;
      auto frame = std::move(*it);
      frames.erase(it);
      return frame;
    }
    FAIL("no frame of kind " << static_cast<int>(kind) << " among " << frames.size() << " recorded");
    return {};
  }
  bool has(v1::ServerFrame::FrameCase kind) const {
    for (const auto& f : outlet->frames)
      if (f.frame_case() == kind) return true;
    return false;
  }
  v1::Error error() { return take(v1::ServerFrame::kError).error(); }
  void clear() { outlet->frames.clear(); }
};

inline chat::AccountDirectory test_accounts() {
  chat::AccountDirectory accounts;
  auto add = [&](std::string id, std::string name, v1::Role role, std::uint32_t capacity, bool auto_assign = true) {
    chat::AgentAccount a;
    a.id = id;
    a.display_name = std::move(name);
    a.credential_stamp = id + "-stamp";
    a.public_id = "agent-" + std::to_string(1000 + accounts.size());
    a.role = role;
    a.max_capacity = capacity;
    a.auto_assign = auto_assign;
    accounts.emplace(id, std::move(a));
  };
  add("alice", "Alice", v1::ROLE_AGENT, 2);
  add("bob", "Bob", v1::ROLE_AGENT, 2);
  add("manual", "Manny", v1::ROLE_AGENT, 2, false);
  add("tina", "Tina", v1::ROLE_TIER2, 2);
  add("sam", "Sam", v1::ROLE_SUPERVISOR, 1);
  return accounts;
}

// A log in front of a store, as far as the Service can tell: it may evict
// closed conversations, and remembers which it did.
class StoreBackedLog final : public chat::MessageLog {
 public:
  chat::AppendResult append(v1::Message m) override { return memory.append(std::move(m)); }
  std::vector<v1::Message> read_after(const std::string& id, std::uint64_t after, std::size_t max) const override {
    return memory.read_after(id, after, max);
  }
  std::uint64_t last_seq(const std::string& id) const override { return memory.last_seq(id); }
  void flush(std::function<void(bool)> done) override { done(true); }
  bool evict(const std::string& id) override {
    memory.erase(id);
    evicted.push_back(id);
    return true;
  }
  backend::MemoryMessageLog memory;
  std::vector<std::string> evicted;
};

template <class Log = backend::MemoryMessageLog>
struct BasicHarness {
  chat::ManualClock clock;
  Log log;
  chat::Service service;
  chat::SessionId next_id = 1;
  std::int64_t session_ms = 30LL * 24 * 3600 * 1000;  // staff sign-ins outlive every test

  explicit BasicHarness(chat::ServiceLimits limits = {}, chat::AccountDirectory accounts = test_accounts())
      : service(limits, std::move(accounts), log, clock) {}

  Client connect() {
    Client c{&service, next_id++, std::make_shared<RecordingOutlet>()};
    service.attach(c.id, c.outlet);
    return c;
  }
  Client visitor(const std::string& token = {}, std::vector<std::pair<std::string, std::uint64_t>> cursors = {}) {
    Client c = connect();
    c.send(visitor_hello(token, std::move(cursors)));
    REQUIRE(c.has(v1::ServerFrame::kWelcome));
    return c;
  }
  // Signed in and, unless told otherwise, online.
  Client agent(const std::string& id, v1::Role role = v1::ROLE_AGENT, bool online = true) {
    Client c = connect();
    c.send(verified_staff_hello(id, id + "-stamp", role, clock.now_ms() + session_ms));
    REQUIRE(c.has(v1::ServerFrame::kWelcome));
    if (online) c.send(set_status(v1::AGENT_STATUS_ONLINE));
    return c;
  }
  // Starts a chat and returns its id.
  std::string start(Client& visitor, const std::string& text = "help", v1::Category category = v1::CATEGORY_DEPOSIT) {
    visitor.send(start_chat(text, category));
    return visitor.take(v1::ServerFrame::kAck).ack().conversation_id();
  }
};
using Harness = BasicHarness<>;

}  // namespace parley::test
