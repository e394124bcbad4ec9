#include "faults/workload.hpp"

#include "support/frames.hpp"
#include "support/server_process.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace parley::test {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
constexpr auto read_timeout = 3s;  // silence this long: the connection is taken as dead (a client's ping would say so)

}  // namespace

std::string WorkloadReport::summary() const {
  std::ostringstream out;
  out << "chats " << chats << ", sent " << messages_sent << ", acked " << messages_acked << ", delivered "
      << messages_delivered << ", lost " << lost << ", stored twice " << stored_twice << ", delivered twice "
      << delivered_twice << ", out of order " << out_of_order << ", reconnects " << reconnects
      << ", longest recovery " << longest_recovery.count() << " ms, longest wait " << longest_wait.count() << " ms";
  for (const auto& v : violations) out << "\n  " << v;
  return out.str();
}

struct ChatWorkload::Participant {
  struct Conversation {
    std::map<std::uint64_t, std::pair<std::string, std::string>> log;  // seq -> sender, client message id
    std::set<std::uint64_t> this_connection;
    std::uint64_t last_on_connection = 0;
    std::uint64_t resumed_from = 0;
    std::uint64_t contiguous() const {
      std::uint64_t n = 0;
      while (log.count(n + 1)) ++n;
      return n;
    }
  };

  Participant(ChatWorkload& workload, bool is_agent, std::string label, std::vector<unsigned short> reachable)
      : owner(workload), agent(is_agent), name(std::move(label)), ports(std::move(reachable)) {}

  ChatWorkload& owner;
  bool agent;
  std::string name;
  std::vector<unsigned short> ports;
  std::size_t port_index = 0;
  std::unique_ptr<WsClient> ws;
  std::string participant_id;
  std::string resume_token;   // visitors
  std::string session_token;  // agents
  std::uint32_t next_request = 10;
  std::map<std::string, Conversation> conversations;
  std::map<std::string, std::pair<std::string, std::string>> unacked;  // client id -> conversation, text
  std::map<std::uint32_t, std::string> request_of;                      // request id -> client id
  std::map<std::string, std::uint64_t> acked;                           // client id -> seq
  std::map<std::pair<std::string, std::string>, std::uint64_t> seq_of;  // (sender, client id) -> seq
  std::vector<std::string> new_conversations;                           // assigned to this agent
  std::map<std::string, std::uint64_t> last_seq_known;                  // from snapshots

  void violation(std::size_t& counter, const std::string& what) {
    ++counter;
    if (owner.report_.violations.size() < 10) owner.report_.violations.push_back(name + ": " + what);
  }

  void on_message(const v1::Message& m) {
    auto& c = conversations[m.conversation_id()];
    const auto seq = m.seq();
    if (seq <= c.resumed_from)
      violation(owner.report_.delivered_twice, "seq " + std::to_string(seq) + " replayed at or below the cursor " +
                                                   std::to_string(c.resumed_from));
    else if (c.this_connection.count(seq))
      violation(owner.report_.delivered_twice, "seq " + std::to_string(seq) + " delivered twice on one connection");
    else if (seq <= c.last_on_connection)
      violation(owner.report_.out_of_order, "seq " + std::to_string(seq) + " after " + std::to_string(c.last_on_connection));
    c.this_connection.insert(seq);
    c.last_on_connection = std::max(c.last_on_connection, seq);
    if (!m.client_message_id().empty()) {
      auto [it, fresh] = seq_of.try_emplace({m.sender_id(), m.client_message_id()}, seq);
      if (!fresh && it->second != seq)
        violation(owner.report_.stored_twice, m.client_message_id() + " stored as seq " + std::to_string(it->second) +
                                                  " and " + std::to_string(seq));
    }
    c.log[seq] = {m.sender_id(), m.client_message_id()};
  }

  void handle(const v1::ServerFrame& f) {
    switch (f.frame_case()) {
      case v1::ServerFrame::kMessage: on_message(f.message()); break;
      case v1::ServerFrame::kConversation: {
        const auto& snap = f.conversation();
        const auto& id = snap.info().conversation_id();
        if (agent && !conversations.count(id)) new_conversations.push_back(id);
        conversations[id];
        last_seq_known[id] = std::max(last_seq_known[id], snap.last_seq());
        for (const auto& m : snap.messages()) on_message(m);
        if (snap.has_more()) fetch_after(id, snap.messages().empty() ? 0 : snap.messages().rbegin()->seq());
        break;
      }
      case v1::ServerFrame::kHistory:
        for (const auto& m : f.history().messages()) on_message(m);
        if (f.history().has_more()) fetch_after(f.history().conversation_id(), f.history().messages().rbegin()->seq());
        break;
      case v1::ServerFrame::kAck: {
        const auto& ack = f.ack();
        if (ack.client_message_id().empty() || !unacked.count(ack.client_message_id())) break;
        unacked.erase(ack.client_message_id());
        acked[ack.client_message_id()] = ack.seq();
        ++owner.report_.messages_acked;
        break;
      }
      case v1::ServerFrame::kError: {
        // Not stored (e.g. UNAVAILABLE while storage is down): the client retries.
        auto it = request_of.find(f.error().request_id());
        if (it != request_of.end() && unacked.count(it->second)) {
          std::this_thread::sleep_for(100ms);  // client backoff, not synchronisation
          resend(it->second);
        }
        break;
      }
      default: break;
    }
  }

  void fetch_after(const std::string& conversation, std::uint64_t seq) {
    v1::ClientFrame f;
    f.mutable_fetch_history()->set_conversation_id(conversation);
    f.mutable_fetch_history()->set_after_seq(seq);
    ws->send(f);
  }

  v1::ClientFrame hello() const {
    std::vector<std::pair<std::string, std::uint64_t>> cursors;
    for (const auto& [id, c] : conversations) cursors.emplace_back(id, c.contiguous());
    if (agent) return staff_hello(name, session_token, v1::ROLE_AGENT, cursors);
    return visitor_hello(resume_token, cursors);
  }

  // (Re)connects to the next port that answers, as a client with backoff would.
  void connect(Clock::time_point failed_at) {
    const auto deadline = Clock::now() + owner.options_.patience;
    for (int attempt = 0;; ++attempt) {
      try {
        ws.reset();
        ws = std::make_unique<WsClient>(ports[port_index++ % ports.size()]);
        for (auto& [id, c] : conversations) {
          c.this_connection.clear();
          c.last_on_connection = 0;
          c.resumed_from = c.contiguous();
        }
        ws->send(hello());
        for (;;) {
          auto f = ws->next(read_timeout);
          if (f.has_welcome()) {
            participant_id = f.welcome().participant_id();
            if (!agent) resume_token = f.welcome().resume_token();
            break;
          }
          handle(f);
        }
        if (agent) ws->send(set_status(v1::AGENT_STATUS_ONLINE, 0, 1));
        for (const auto& [client_id, pending] : std::map(unacked)) resend(client_id);
        if (failed_at != Clock::time_point{}) {
          ++owner.report_.reconnects;
          owner.report_.longest_recovery = std::max(
              owner.report_.longest_recovery, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - failed_at));
        }
        return;
      } catch (const std::exception& e) {
        if (Clock::now() > deadline) throw std::runtime_error(name + " could not reconnect: " + e.what());
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(50 << std::min(attempt, 4), 500)));  // backoff
      }
    }
  }

  void resend(const std::string& client_id) {
    const auto& [conversation, text] = unacked.at(client_id);
    auto frame = send_message(conversation, client_id, text);
    frame.set_request_id(next_request++);
    request_of[frame.request_id()] = client_id;
    ++owner.report_.messages_sent;
    try {
      ws->send(frame);
    } catch (const std::exception&) {
      // The connection is gone; pump() notices and reconnects, which resends.
    }
  }

  template <class Done>
  void pump(Done&& done, const std::string& what) {
    const auto started = Clock::now();
    const auto deadline = started + owner.options_.patience;
    while (!done()) {
      if (Clock::now() > deadline) throw std::runtime_error(name + ": gave up waiting for " + what);
      try {
        handle(ws->next(read_timeout));
      } catch (const std::exception&) {
        connect(Clock::now());
      }
    }
    owner.report_.longest_wait =
        std::max(owner.report_.longest_wait, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started));
  }

  void say(const std::string& conversation, const std::string& client_id, const std::string& text) {
    unacked[client_id] = {conversation, text};
    resend(client_id);
    pump([&] { return acked.count(client_id) > 0; }, "the ack of " + client_id);
  }

  void await(const std::string& conversation, std::uint64_t seq) {
    pump([&] { return conversations[conversation].log.count(seq) > 0; },
         "seq " + std::to_string(seq) + " of " + conversation);
  }
};

ChatWorkload::ChatWorkload(WorkloadOptions options) : options_(std::move(options)) {}
ChatWorkload::~ChatWorkload() = default;

std::unique_ptr<ChatWorkload::Participant> ChatWorkload::make_agent(const std::string& id) {
  return std::make_unique<Participant>(*this, true, id, options_.agent_ports);
}

void ChatWorkload::open_chats() {
  for (const auto& id : options_.agents) {
    auto agent = make_agent(id);
    const auto res = http_request(options_.agent_ports.front(), "POST", "/api/login",
                                  R"({"agent_id":")" + id + R"(","password":")" + options_.password_of(id) + R"("})",
                                  {{"Content-Type", "application/json"}});
    if (res.status != 200) throw std::runtime_error("sign-in of " + id + " failed: " + res.body);
    const auto at = res.body.find("\"token\":\"") + 9;
    agent->session_token = res.body.substr(at, res.body.find('"', at) - at);
    agent->connect({});
    agents_.push_back(std::move(agent));
  }
  for (std::size_t i = 0; i < options_.chats; ++i) {
    auto visitor = std::make_unique<Participant>(*this, false, "visitor-" + std::to_string(i), options_.visitor_ports);
    visitor->connect({});
    auto start = start_chat("chat " + std::to_string(i) + " opens", v1::CATEGORY_DEPOSIT, "open-" + std::to_string(i));
    start.set_request_id(1);
    visitor->ws->send(start);
    std::string conversation;
    visitor->pump(
        [&] {
          for (const auto& [id, c] : visitor->conversations)
            if (c.log.count(1)) conversation = id;
          return !conversation.empty();
        },
        "the first message of chat " + std::to_string(i));
    visitor->acked["open-" + std::to_string(i)] = 1;
    ++report_.messages_sent;
    ++report_.messages_acked;
    conversations_.push_back(conversation);
    visitors_.push_back(std::move(visitor));
  }
  // Every chat is routed to some agent: find whose.
  agent_of_.assign(options_.chats, nullptr);
  for (std::size_t i = 0; i < options_.chats; ++i) {
    const auto deadline = Clock::now() + options_.patience;
    while (!agent_of_[i]) {
      for (auto& agent : agents_)
        if (agent->conversations.count(conversations_[i])) agent_of_[i] = agent.get();
      if (agent_of_[i]) break;
      if (Clock::now() > deadline) throw std::runtime_error("chat " + std::to_string(i) + " was never assigned");
      for (auto& agent : agents_) {
        try {
          agent->handle(agent->ws->next(100ms));
        } catch (const std::exception&) {
        }
      }
    }
  }
  report_.chats = options_.chats;
}

void ChatWorkload::round(const std::function<void(std::size_t)>& before_chat) {
  ++rounds_;
  for (std::size_t i = 0; i < visitors_.size(); ++i) {
    if (before_chat) before_chat(i);
    auto& visitor = *visitors_[i];
    auto& agent = *agent_of_[i];
    const auto& conversation = conversations_[i];
    const auto r = std::to_string(rounds_);
    visitor.say(conversation, "v" + std::to_string(i) + "-" + r, "visitor says " + r);
    agent.await(conversation, visitor.acked.at("v" + std::to_string(i) + "-" + r));
    agent.say(conversation, "a" + std::to_string(i) + "-" + r, "agent answers " + r);
    visitor.await(conversation, agent.acked.at("a" + std::to_string(i) + "-" + r));
  }
}

WorkloadReport ChatWorkload::finish() {
  for (std::size_t i = 0; i < visitors_.size(); ++i) {
    // A fresh look at the whole conversation, as a new device of the visitor would get it.
    Participant fresh(*this, false, "final-" + std::to_string(i), options_.visitor_ports);
    fresh.resume_token = visitors_[i]->resume_token;
    fresh.conversations[conversations_[i]];
    fresh.connect({});
    const auto& log = fresh.conversations[conversations_[i]].log;
    fresh.pump(
        [&] {
          const auto last = fresh.last_seq_known[conversations_[i]];
          return last > 0 && fresh.conversations[conversations_[i]].contiguous() >= last;
        },
        "the full log");
    std::map<std::string, std::uint64_t> final_seq;
    for (const auto& [seq, entry] : log)
      if (!entry.second.empty()) final_seq[entry.second] = seq;
    for (auto* side : {visitors_[i].get(), agent_of_[i]}) {
      Participant* other = side == visitors_[i].get() ? agent_of_[i] : visitors_[i].get();
      for (const auto& [client_id, seq] : side->acked) {
        if (client_id.rfind(side == visitors_[i].get() ? "v" + std::to_string(i) + "-" : "a" + std::to_string(i) + "-", 0) != 0 &&
            client_id != "open-" + std::to_string(i))
          continue;  // the agent's acks of other chats are checked with those chats
        auto it = final_seq.find(client_id);
        if (it == final_seq.end() || it->second != seq) {
          ++report_.lost;
          if (report_.violations.size() < 10) report_.violations.push_back(client_id + " acked as seq " + std::to_string(seq) + " but not in the log");
        }
        if (other->conversations[conversations_[i]].log.count(seq)) ++report_.messages_delivered;
      }
    }
  }
  return report_;
}

}  // namespace parley::test
