#pragma once
// The chat gateway when several nodes share one Redis and one PostgreSQL
// (docs/architecture.md, "Several nodes"). Every node serves WebSockets and
// forwards its sessions' events to the leader over Redis; one node at a time
// holds the leader lease and runs the Hub and Service, with the records in
// PostgreSQL (taken over from the previous leader, so its late writes cannot
// land). Redis carries only live traffic, the lease and sign-ins. Runs on the
// hub executor, like the single-node Hub.

#include "backend/redis/keys.hpp"
#include "backend/redis/redis_connection.hpp"
#include "chat/accounts.hpp"
#include "chat/clock.hpp"
#include "chat/gateway.hpp"
#include "chat/hub.hpp"
#include "store/record_store.hpp"

#include <boost/asio/steady_timer.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

namespace parley::backend::redis {

struct ClusterOptions {
  ConnectionOptions redis;
  std::string prefix = "parley";
  std::string node_id;                        // empty: random
  std::chrono::milliseconds lease{5000};      // leader lease; renewed every lease/5
  std::chrono::milliseconds node_ttl{15000};  // a node silent this long is dead
  // Opens the system of record for a new leader (on a thread of its own;
  // completions go to the executor given), taking it over from the previous
  // one. Throws on failure.
  std::function<std::unique_ptr<store::RecordStore>(boost::asio::any_io_executor)> open_records;
};

class ClusterGateway final : public chat::Gateway {
 public:
  ClusterGateway(boost::asio::any_io_executor executor, ClusterOptions options, chat::ServiceLimits limits,
                 chat::AccountDirectory accounts, const chat::Clock& clock);
  ~ClusterGateway() override;

  void start();
  bool leader() const { return leader_ != nullptr; }
  const std::string& node_id() const { return options_.node_id; }

  void attach(chat::SessionId session, std::shared_ptr<chat::Outlet> outlet, const std::string& address) override;
  void handle(chat::SessionId session, const v1::ClientFrame& frame) override;
  void detach(chat::SessionId session) override;
  void advance() override;
  void close_all(std::uint16_t code, const std::string& reason) override;
  void update_accounts(const chat::AccountDirectory& accounts) override;
  void update_hours(std::shared_ptr<const hours::BusinessHours> hours) override;
  // For other small stores of this node (staff sign-ins); runs on the hub executor.
  std::shared_ptr<RedisConnection> command_connection() const { return commands_; }
  void sign_out(const std::string& agent_id, const std::string& token_id, std::int64_t expires_at_ms) override;
  // Not yet: it would have to reach the leader (the leaderless cluster, issue 15).
  void announce_ticket(const std::string&, std::uint64_t, std::int64_t, bool, std::function<void(bool)> done) override {
    done(false);  // tickets need a single node's records for now (issue 15)
  }
  bool visitor_chat_waiting(const std::string&, const std::string&) const override { return false; }
  std::optional<v1::ConversationState> visitor_chat_state(const std::string&, const std::string&) const override {
    return std::nullopt;  // the records API needs a single node for now (issue 15)
  }
  void erase_customer(const std::string&, const std::string&, const std::string&,
                      std::function<void(chat::ErasureResult)> done) override {
    done(chat::ErasureResult::unsupported);
  }
  chat::ServiceStats stats() const override;

 private:
  struct Leader;
  void forward(const std::string& payload);
  void on_node_message(const std::string& payload);
  void on_leader_message(const std::string& payload);
  void tick();
  void try_acquire();
  void become_leader(std::int64_t epoch);
  struct Loaded {
    std::unique_ptr<store::RecordStore> records;
    store::StoredState stored;
    std::string error;
  };
  void take_over(std::int64_t epoch, Loaded loaded);
  void step_down(const std::string& why);
  void close_local(std::uint16_t code, const std::string& reason);
  void check_nodes();

  boost::asio::any_io_executor executor_;
  ClusterOptions options_;
  Keys keys_;
  chat::ServiceLimits limits_;
  chat::AccountDirectory accounts_;
  std::shared_ptr<const hours::BusinessHours> hours_ = std::make_shared<const hours::BusinessHours>();
  const chat::Clock& clock_;
  std::shared_ptr<RedisConnection> commands_;
  std::shared_ptr<RedisConnection> subscriber_;
  std::unordered_map<chat::SessionId, std::shared_ptr<chat::Outlet>> local_;
  std::unique_ptr<Leader> leader_;
  bool acquiring_ = false;
  bool loading_ = false;  // holds the lease, opening the records
  std::thread loader_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // false once destroyed
  // Until when this node's lease surely holds: the time a renewal was sent
  // plus the lease (Redis started counting later). A leader that was frozen
  // (SIGSTOP, a long GC-like pause, a VM migration) finds it past and steps
  // down before it answers anything, so two leaders never serve at once.
  std::chrono::steady_clock::time_point lease_valid_until_{};
  bool lease_holds();
  std::int64_t last_tick_ms_ = 0;
};

}  // namespace parley::backend::redis
