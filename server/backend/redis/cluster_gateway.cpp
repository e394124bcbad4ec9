#include "backend/redis/cluster_gateway.hpp"
#include "log/log.hpp"

#include "secrets/detector.hpp"

#include "parley/v1/cluster.pb.h"
#include "store/durable_log.hpp"
#include "util/random.hpp"

#include <boost/asio/post.hpp>

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

void ignore_reply(std::error_code, const Reply&) {}

}  // namespace

// The chat core of the node that leads: its records in the store it opened
// (taken over from the previous leader), its sessions those of every node.
struct ClusterGateway::Leader {
  Leader(std::unique_ptr<store::RecordStore> records, const chat::ServiceLimits& limits,
         const chat::AccountDirectory& accounts, const chat::Clock& clock, std::int64_t leader_epoch)
      : epoch(leader_epoch), store(std::move(records)), log(*store), service(limits, accounts, log, clock), hub(service, log) {}
  std::int64_t epoch;
  std::unique_ptr<store::RecordStore> store;  // destroyed last: its writer stops first
  store::DurableLog log;
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
  *alive_ = false;
  if (loader_.joinable()) loader_.join();
  leader_.reset();
  commands_->stop();
  subscriber_->stop();
}

void ClusterGateway::start() {
  // Whatever this node missed while a connection was down cannot be replayed
  // from pub/sub: its clients reconnect and resume from the durable log.
  auto lost = [this](const std::string& which) {
    return [this, which](const std::string& reason) {
      log::error("redis", "connection lost", {{"connection", which}, {"error", reason}});
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
  // A secret is never published between nodes: masked here, before Redis
  // (the leader's Service masks what it stores again; the kinds removed here
  // are not recorded on the message).
  if (frame.has_send_message() || frame.has_start_chat()) {
    v1::ClientFrame masked = frame;
    auto* text = frame.has_send_message() ? masked.mutable_send_message()->mutable_text() : masked.mutable_start_chat()->mutable_first_message();
    if (auto m = secrets::mask(*text); m.changed()) {
      *text = std::move(m.text);
      message.set_frame(masked.SerializeAsString());
      forward(message.SerializeAsString());
      return;
    }
  }
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

// Like the agents file: every node reads it, the leader acts on it.
void ClusterGateway::update_hours(std::shared_ptr<const hours::BusinessHours> hours) {
  hours_ = hours;
  if (leader_) leader_->hub.update_hours(std::move(hours));
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
    stats.cluster_role = "leader";
    return stats;
  }
  chat::ServiceStats stats;
  stats.sessions = local_.size();
  stats.cluster_role = "follower";
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
  if (lease_holds()) leader_->hub.advance();
  if (now - last_tick_ms_ >= options_.lease.count() / 5) tick();
}

void ClusterGateway::tick() {
  last_tick_ms_ = clock_.now_ms();
  if (!commands_->connected()) return;
  commands_->command({"SET", keys_.node_alive(options_.node_id), "1", "PX", std::to_string(options_.node_ttl.count())},
                     ignore_reply);
  if (leader_ || loading_) {
    const auto sent = std::chrono::steady_clock::now();
    commands_->command({"EVAL", renew_script, "1", keys_.leader_lease(), options_.node_id,
                        std::to_string(options_.lease.count())},
                       [this, sent](std::error_code ec, const Reply& reply) {
                         if (!ec && reply.integer == 1) {
                           lease_valid_until_ = sent + options_.lease;
                           return;
                         }
                         lease_valid_until_ = {};
                         if (leader_) step_down(ec ? "lease renewal failed" : "lease lost");
                       });
    if (leader_) check_nodes();
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

// Opens the records (taking the database over from the previous leader, so
// nothing it still sends is stored) and loads what is live, on a thread of its
// own so this node keeps serving and renewing the lease meanwhile; then takes
// over and asks every node to have its clients reconnect, so all sessions
// attach afresh.
void ClusterGateway::become_leader(std::int64_t epoch) {
  if (loader_.joinable()) loader_.join();
  loading_ = true;
  loader_ = std::thread([this, epoch, alive = alive_] {
    auto loaded = std::make_shared<Loaded>();
    try {
      loaded->records = options_.open_records(executor_);
      loaded->stored = loaded->records->load();
    } catch (const std::exception& e) {
      loaded->records.reset();
      loaded->error = e.what();
    }
    boost::asio::post(executor_, [this, epoch, alive, loaded] {
      if (*alive) take_over(epoch, std::move(*loaded));
    });
  });
}

void ClusterGateway::take_over(std::int64_t epoch, Loaded loaded) {
  loading_ = false;
  acquiring_ = false;
  if (!loaded.error.empty()) {
    log::error("cluster", "cannot lead: the records cannot be opened", {{"node", options_.node_id}, {"error", loaded.error}});
    return;
  }
  if (std::chrono::steady_clock::now() >= lease_valid_until_) {
    log::warn("cluster", "the lease ran out while the records were loading; not leading", {{"node", options_.node_id}});
    return;
  }
  auto next = std::make_unique<Leader>(std::move(loaded.records), limits_, accounts_, clock_, epoch);
  if (!next->log.restore(loaded.stored, next->service)) {
    log::error("cluster", "the stored state is inconsistent; not leading", {{"node", options_.node_id}});
    return;
  }
  leader_ = std::move(next);
  leader_->hub.update_hours(hours_);
  log::info("cluster", "leading", {{"node", options_.node_id}, {"epoch", leader_->epoch}});
  cluster::ToNode everyone;
  everyone.set_all_sessions(true);
  everyone.set_close_code(close_service_restart);
  everyone.set_close_reason("service moved; reconnect");
  commands_->command({"PUBLISH", keys_.all_nodes_channel(), everyone.SerializeAsString()}, ignore_reply);
}

void ClusterGateway::step_down(const std::string& why) {
  log::warn("cluster", "no longer leading", {{"node", options_.node_id}, {"reason", why}});
  leader_.reset();
}

// Sessions of a node whose heartbeat expired are gone: detach them.
void ClusterGateway::check_nodes() {
  std::set<std::string> nodes;
  for (const auto& [global, remote] : leader_->remote_by_global) nodes.insert(remote.first);
  for (const auto& node : nodes) {
    commands_->command({"EXISTS", keys_.node_alive(node)}, [this, node](std::error_code ec, const Reply& reply) {
      if (ec || reply.integer != 0 || !leader_) return;
      log::warn("cluster", "a node is gone; detaching its sessions", {{"gone", node}});
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
