#include "backend/redis/cluster_gateway.hpp"

#include "parley/v1/cluster.pb.h"
#include "util/random.hpp"

#include <iostream>
#include <set>

namespace parley::backend::redis {
namespace {

namespace cluster = parley::cluster::v1;

constexpr std::uint16_t close_service_restart = 1012;
constexpr std::uint16_t close_try_again_later = 1013;

// KEYS[1] lease; ARGV[1] node, ARGV[2] ms. Extends the lease only if we hold it.
constexpr const char* renew_script = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)lua";

// KEYS: epoch, conversations, visitors, agents (hashes), queues. ARGV: our
// epoch; then for each hash a count and that many (id, record) pairs, and a
// count and that many ids to delete; then the queues image or "" if unchanged. A deposed leader (older epoch) cannot
// overwrite its successor's state.
constexpr const char* save_state_script = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local i = 2
for k = 2, 4 do
  local n = tonumber(ARGV[i]); i = i + 1
  for j = 1, n do redis.call('HSET', KEYS[k], ARGV[i], ARGV[i + 1]); i = i + 2 end
  local m = tonumber(ARGV[i]); i = i + 1
  for j = 1, m do redis.call('HDEL', KEYS[k], ARGV[i]); i = i + 1 end
end
if ARGV[i] ~= '' then redis.call('SET', KEYS[5], ARGV[i]) end
return 1
)lua";

void ignore_reply(std::error_code, const Reply&) {}

}  // namespace

// The leader's log: before each flush it also writes the Service's state (if
// it changed) through the same ordered connection, so a frame released by the
// Hub never describes state that a successor could not load.
class StateSavingLog final : public chat::MessageLog {
 public:
  StateSavingLog(std::shared_ptr<RedisConnection> connection, const Keys& keys, std::int64_t epoch)
      : keys_(keys), epoch_(epoch), log(std::move(connection), keys) {}
  chat::AppendResult append(v1::Message message) override { return log.append(std::move(message)); }
  std::vector<v1::Message> read_after(const std::string& id, std::uint64_t after, std::size_t max) const override {
    return log.read_after(id, after, max);
  }
  std::uint64_t last_seq(const std::string& id) const override { return log.last_seq(id); }
  void flush(std::function<void(bool)> done) override {
    if (service_) save();
    log.flush(std::move(done));
  }
  void attach(chat::Service& service) { service_ = &service; }
  // Set when Redis refused the state: a newer leader exists.
  bool deposed = false;

 private:
  // Writes only the records that changed in this event. Counted as a write of
  // the log, so flush waits for it too.
  void save() {
    const auto delta = service_->export_changes();
    if (delta.conversations_size() == 0 && delta.visitors_size() == 0 && delta.agents_size() == 0 &&
        delta.forgotten_visitors_size() == 0 && !delta.queues_included())
      return;
    std::vector<std::string> command{"EVAL", save_state_script, "5", keys_.leader_epoch(), keys_.state_conversations(),
                                     keys_.state_visitors(), keys_.state_agents(), keys_.state_queues(),
                                     std::to_string(epoch_)};
    command.push_back(std::to_string(delta.conversations_size()));
    for (const auto& r : delta.conversations()) {
      command.push_back(r.info().conversation_id());
      command.push_back(r.SerializeAsString());
    }
    command.emplace_back("0");
    command.push_back(std::to_string(delta.visitors_size()));
    for (const auto& r : delta.visitors()) {
      command.push_back(r.id());
      command.push_back(r.SerializeAsString());
    }
    command.push_back(std::to_string(delta.forgotten_visitors_size()));
    for (const auto& id : delta.forgotten_visitors()) command.push_back(id);
    command.push_back(std::to_string(delta.agents_size()));
    for (const auto& r : delta.agents()) {
      command.push_back(r.id());
      command.push_back(r.SerializeAsString());
    }
    command.emplace_back("0");
    if (delta.queues_included()) {
      parley::state::v1::StateImage queues;
      *queues.mutable_queues() = delta.queues();
      queues.set_queues_included(true);
      queues.set_average_handle_seconds(delta.average_handle_seconds());
      queues.set_store_id(delta.store_id());
      command.push_back(queues.SerializeAsString());
    } else {
      command.emplace_back();
    }
    log.write(std::move(command), [this](bool ok, const Reply& reply) {
      if (ok && reply.integer == 0) deposed = true;
    });
  }
  Keys keys_;
  std::int64_t epoch_;
  chat::Service* service_ = nullptr;

 public:
  RedisMessageLog log;
};

struct ClusterGateway::Leader {
  Leader(std::shared_ptr<RedisConnection> connection, const Keys& keys, const chat::ServiceLimits& limits,
         const chat::AccountDirectory& accounts, const chat::Clock& clock, std::int64_t leader_epoch)
      : epoch(leader_epoch), store(std::move(connection), keys, leader_epoch), service(limits, accounts, store, clock),
        hub(service, store) {
    store.attach(service);
  }
  std::int64_t epoch;
  StateSavingLog store;
  RedisMessageLog& log = store.log;
  chat::Service service;
  chat::Hub hub;
  std::map<std::pair<std::string, chat::SessionId>, chat::SessionId> global_by_remote;
  std::unordered_map<chat::SessionId, std::pair<std::string, chat::SessionId>> remote_by_global;
  chat::SessionId next_session = 1;
};

// A session on some node, as the leader's Service sees it: output goes out on
// that node's channel.
class RemoteOutlet final : public chat::Outlet {
 public:
  RemoteOutlet(std::shared_ptr<RedisConnection> connection, std::string channel, chat::SessionId session)
      : connection_(std::move(connection)), channel_(std::move(channel)), session_(session) {}
  void deliver(protocol::SharedBytes frame) override {
    cluster::ToNode message;
    message.set_session(session_);
    message.set_frame(*frame);
    connection_->command({"PUBLISH", channel_, message.SerializeAsString()}, ignore_reply);
  }
  void close(std::uint16_t code, std::string reason) override {
    cluster::ToNode message;
    message.set_session(session_);
    message.set_close_code(code);
    message.set_close_reason(std::move(reason));
    connection_->command({"PUBLISH", channel_, message.SerializeAsString()}, ignore_reply);
  }

 private:
  std::shared_ptr<RedisConnection> connection_;
  std::string channel_;
  chat::SessionId session_;
};

ClusterGateway::ClusterGateway(boost::asio::any_io_executor executor, ClusterOptions options,
                               chat::ServiceLimits limits, chat::AccountDirectory accounts, const chat::Clock& clock)
    : executor_(executor),
      options_(std::move(options)),
      keys_(options_.prefix),
      limits_(limits),
      accounts_(std::move(accounts)),
      clock_(clock) {
  if (options_.node_id.empty()) options_.node_id = util::random_token("n", 6);
  commands_ = std::make_shared<RedisConnection>(executor_, options_.redis);
  subscriber_ = std::make_shared<RedisConnection>(executor_, options_.redis);
}

ClusterGateway::~ClusterGateway() {
  leader_.reset();
  commands_->stop();
  subscriber_->stop();
}

void ClusterGateway::start() {
  // Whatever this node missed while a connection was down cannot be replayed
  // from pub/sub: its clients reconnect and resume from the durable log.
  auto lost = [this](const std::string& which) {
    return [this, which](const std::string& reason) {
      std::cerr << "parley: redis " << which << " connection: " << reason << "\n";
      if (leader_) step_down("lost Redis");
      close_local(close_service_restart, "storage unavailable; reconnect");
    };
  };
  commands_->on_disconnected = lost("command");
  subscriber_->on_disconnected = lost("subscriber");
  subscriber_->subscribe(keys_.node_channel(options_.node_id), [this](const std::string&, const std::string& payload) {
    on_node_message(payload);
  });
  subscriber_->subscribe(keys_.all_nodes_channel(), [this](const std::string&, const std::string& payload) {
    on_node_message(payload);
  });
  subscriber_->subscribe(keys_.to_leader_channel(), [this](const std::string&, const std::string& payload) {
    on_leader_message(payload);
  });
  commands_->on_connected = [this] { tick(); };
  commands_->start();
  subscriber_->start();
}

// ---------------------------------------------------------------- this node's sessions

void ClusterGateway::attach(chat::SessionId session, std::shared_ptr<chat::Outlet> outlet,
                            const std::string& address) {
  local_[session] = std::move(outlet);
  cluster::ToLeader message;
  message.set_node(options_.node_id);
  message.set_session(session);
  message.set_attach(true);
  message.set_address(address);
  forward(message.SerializeAsString());
}

void ClusterGateway::handle(chat::SessionId session, const v1::ClientFrame& frame) {
  auto it = local_.find(session);
  if (it == local_.end()) return;
  if (!commands_->connected() || !subscriber_->connected()) {
    // Nothing can be accepted now; say so instead of dropping the frame. A
    // Hello cannot be served at all: UNAVAILABLE, then 1013 (try again later).
    it->second->deliver(protocol::encode(protocol::make_error(
        frame.request_id(), v1::ERROR_CODE_UNAVAILABLE, "storage unavailable; retry in a moment")));
    if (frame.has_hello()) it->second->close(close_try_again_later, "service unavailable; retry");
    return;
  }
  cluster::ToLeader message;
  message.set_node(options_.node_id);
  message.set_session(session);
  message.set_frame(frame.SerializeAsString());
  forward(message.SerializeAsString());
}

void ClusterGateway::detach(chat::SessionId session) {
  if (local_.erase(session) == 0) return;
  cluster::ToLeader message;
  message.set_node(options_.node_id);
  message.set_session(session);
  message.set_detach(true);
  forward(message.SerializeAsString());
}

void ClusterGateway::forward(const std::string& payload) {
  commands_->command({"PUBLISH", keys_.to_leader_channel(), payload}, ignore_reply);
}

void ClusterGateway::on_node_message(const std::string& payload) {
  cluster::ToNode message;
  if (!message.ParseFromString(payload)) return;
  if (message.all_sessions()) return close_local(message.close_code(), message.close_reason());
  auto it = local_.find(message.session());
  if (it == local_.end()) return;
  if (!message.frame().empty()) it->second->deliver(std::make_shared<const std::string>(message.frame()));
  if (message.close_code() != 0) it->second->close(static_cast<std::uint16_t>(message.close_code()), message.close_reason());
}

void ClusterGateway::close_local(std::uint16_t code, const std::string& reason) {
  for (auto& [id, outlet] : local_) outlet->close(code, reason);
}

void ClusterGateway::close_all(std::uint16_t code, const std::string& reason) { close_local(code, reason); }

// Every node reads the same agents file; the leader acts on it. A node that
// becomes leader later starts from its own latest copy.
void ClusterGateway::update_accounts(const chat::AccountDirectory& accounts) {
  accounts_ = accounts;
  if (leader_) leader_->hub.update_accounts(accounts);
}

void ClusterGateway::sign_out(const std::string& agent_id, const std::string& token_id, std::int64_t expires_at_ms) {
  cluster::ToLeader message;
  message.set_node(options_.node_id);
  message.mutable_sign_out()->set_agent_id(agent_id);
  message.mutable_sign_out()->set_token_id(token_id);
  message.mutable_sign_out()->set_expires_at_ms(expires_at_ms);
  forward(message.SerializeAsString());
}

chat::ServiceStats ClusterGateway::stats() const {
  if (leader_) {
    auto stats = leader_->hub.stats();
    stats.sessions = local_.size();  // this node's connections
    return stats;
  }
  chat::ServiceStats stats;
  stats.sessions = local_.size();
  return stats;
}

// ---------------------------------------------------------------- leader

bool ClusterGateway::lease_holds() {
  if (!leader_) return false;
  if (std::chrono::steady_clock::now() < lease_valid_until_) return true;
  step_down("lease expired before it was renewed (was this process paused?)");
  return false;
}

void ClusterGateway::on_leader_message(const std::string& payload) {
  if (!lease_holds()) return;
  cluster::ToLeader message;
  if (!message.ParseFromString(payload)) return;
  auto& l = *leader_;
  if (message.has_sign_out()) return l.hub.sign_out(message.sign_out().agent_id(), message.sign_out().token_id(),
                                                        message.sign_out().expires_at_ms());
  const auto key = std::make_pair(message.node(), chat::SessionId(message.session()));
  auto known = l.global_by_remote.find(key);
  if (message.has_attach() || (known == l.global_by_remote.end() && !message.has_detach())) {
    if (known != l.global_by_remote.end()) return;
    const auto global = l.next_session++;
    l.global_by_remote[key] = global;
    l.remote_by_global[global] = key;
    l.hub.attach(global, std::make_shared<RemoteOutlet>(commands_, keys_.node_channel(message.node()), message.session()),
                 message.address());
    known = l.global_by_remote.find(key);
  }
  if (message.has_detach()) {
    if (known == l.global_by_remote.end()) return;
    const auto global = known->second;
    l.global_by_remote.erase(known);
    l.remote_by_global.erase(global);
    return l.hub.detach(global);
  }
  if (!message.frame().empty()) {
    v1::ClientFrame frame;
    if (frame.ParseFromString(message.frame())) l.hub.handle(known->second, frame);
  }
}

void ClusterGateway::advance() {
  const auto now = clock_.now_ms();
  if (lease_holds()) {
    leader_->hub.advance();
    if (leader_->store.deposed) step_down("a newer leader exists");
  }
  if (now - last_tick_ms_ >= options_.lease.count() / 5) tick();
}

void ClusterGateway::tick() {
  last_tick_ms_ = clock_.now_ms();
  if (!commands_->connected()) return;
  commands_->command({"SET", keys_.node_alive(options_.node_id), "1", "PX", std::to_string(options_.node_ttl.count())},
                     ignore_reply);
  if (leader_) {
    const auto sent = std::chrono::steady_clock::now();
    commands_->command({"EVAL", renew_script, "1", keys_.leader_lease(), options_.node_id,
                        std::to_string(options_.lease.count())},
                       [this, sent](std::error_code ec, const Reply& reply) {
                         if (!ec && reply.integer == 1) {
                           lease_valid_until_ = sent + options_.lease;
                           return;
                         }
                         if (leader_) step_down(ec ? "lease renewal failed" : "lease lost");
                       });
    check_nodes();
    return;
  }
  try_acquire();
}

void ClusterGateway::try_acquire() {
  if (acquiring_) return;
  acquiring_ = true;
  const auto sent = std::chrono::steady_clock::now();
  commands_->command({"SET", keys_.leader_lease(), options_.node_id, "NX", "PX", std::to_string(options_.lease.count())},
                     [this, sent](std::error_code ec, const Reply& reply) {
                       if (ec || reply.is_nil()) {
                         acquiring_ = false;
                         return;
                       }
                       lease_valid_until_ = sent + options_.lease;
                       commands_->command({"INCR", keys_.leader_epoch()}, [this](std::error_code iec, const Reply& r) {
                         if (iec) {
                           acquiring_ = false;
                           return;
                         }
                         become_leader(r.integer);
                       });
                     });
}

// Loads the state and the open conversations' logs, then takes over and asks
// every node to have its clients reconnect, so all sessions attach afresh.
void ClusterGateway::become_leader(std::int64_t epoch) {
  // One MULTI-free read of the four state keys: they only change under the
  // lease we now hold, so they cannot move while we read.
  auto image = std::make_shared<parley::state::v1::StateImage>();
  auto failed = std::make_shared<bool>(false);
  auto hash_into = [this, image, failed](const std::string& key, auto add) {
    commands_->command({"HGETALL", key}, [image, failed, add](std::error_code ec, const Reply& reply) {
      if (ec) return void(*failed = true);
      for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2)
        if (!add(*image, reply.elements[i + 1].str)) *failed = true;
    });
  };
  hash_into(keys_.state_conversations(), [](auto& img, const std::string& bytes) { return img.add_conversations()->ParseFromString(bytes); });
  hash_into(keys_.state_visitors(), [](auto& img, const std::string& bytes) { return img.add_visitors()->ParseFromString(bytes); });
  hash_into(keys_.state_agents(), [](auto& img, const std::string& bytes) { return img.add_agents()->ParseFromString(bytes); });
  commands_->command({"GET", keys_.state_queues()}, [this, epoch, image, failed](std::error_code ec, const Reply& reply) {
    if (ec || *failed) {
      acquiring_ = false;
      return;
    }
    parley::state::v1::StateImage queues;
    if (!reply.is_nil() && queues.ParseFromString(reply.str)) {
      *image->mutable_queues() = queues.queues();
      image->set_average_handle_seconds(queues.average_handle_seconds());
      image->set_store_id(queues.store_id());
    }
    auto next = std::make_unique<Leader>(commands_, keys_, limits_, accounts_, clock_, epoch);
    auto* l = next.get();
    auto pending = std::make_shared<int>(1);
    auto all_ok = std::make_shared<bool>(true);
    auto finish = [this, image, pending, all_ok, owned = std::make_shared<std::unique_ptr<Leader>>(std::move(next))]() {
      if (--*pending > 0) return;
      acquiring_ = false;
      if (!*all_ok || !(*owned)->service.import_state(*image)) {
        std::cerr << "parley: could not load the cluster state; not leading\n";
        return;
      }
      leader_ = std::move(*owned);
      std::cerr << "parley: node " << options_.node_id << " leads (epoch " << leader_->epoch << ")\n";
      cluster::ToNode everyone;
      everyone.set_all_sessions(true);
      everyone.set_close_code(close_service_restart);
      everyone.set_close_reason("service moved; reconnect");
      commands_->command({"PUBLISH", keys_.all_nodes_channel(), everyone.SerializeAsString()}, ignore_reply);
    };
    for (const auto& c : image->conversations()) {
      if (c.info().state() == v1::CONVERSATION_STATE_CLOSED && c.has_rating()) continue;
      ++*pending;
      l->log.load(c.info().conversation_id(), [finish, all_ok](bool ok) {
        *all_ok = *all_ok && ok;
        finish();
      });
    }
    finish();
  });
}

void ClusterGateway::step_down(const std::string& why) {
  std::cerr << "parley: node " << options_.node_id << " stops leading: " << why << "\n";
  leader_.reset();
}

// Sessions of a node whose heartbeat expired are gone: detach them.
void ClusterGateway::check_nodes() {
  std::set<std::string> nodes;
  for (const auto& [global, remote] : leader_->remote_by_global) nodes.insert(remote.first);
  for (const auto& node : nodes) {
    commands_->command({"EXISTS", keys_.node_alive(node)}, [this, node](std::error_code ec, const Reply& reply) {
      if (ec || reply.integer != 0 || !leader_) return;
      std::cerr << "parley: node " << node << " is gone; detaching its sessions\n";
      std::vector<chat::SessionId> gone;
      for (const auto& [global, remote] : leader_->remote_by_global)
        if (remote.first == node) gone.push_back(global);
      for (auto global : gone) {
        leader_->global_by_remote.erase(leader_->remote_by_global.at(global));
        leader_->remote_by_global.erase(global);
        leader_->hub.detach_lost(global);
      }
    });
  }
}

}  // namespace parley::backend::redis
