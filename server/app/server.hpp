#pragma once
// Owns the threads: one io_context per network shard, plus the hub thread
// that runs the chat::Service. Stops on SIGINT/SIGTERM.

#include "app/config.hpp"
#include "auth/account_store.hpp"
#include "auth/staff_authenticator.hpp"
#include "backend/memory/memory_message_log.hpp"
#include "backend/redis/cluster_gateway.hpp"
#include "chat/clock.hpp"
#include "chat/hub.hpp"
#include "chat/service.hpp"
#include "net/beast.hpp"
#include "net/listener.hpp"
#include "mail/lmtp_server.hpp"
#include "mail/mailer.hpp"
#include "search/index.hpp"
#include "store/record_store.hpp"

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace parley::app {

class Server {
 public:
  explicit Server(Config config);  // binds the port; throws on failure
  ~Server();

  net::tcp::endpoint local_endpoint() const { return listener_->local_endpoint(); }
  bool tls() const { return tls_ != nullptr; }
  // Blocks until a stop signal arrives.
  void run();

 private:
  void schedule_tick();
  // Deletes expired closed conversations in batches of 500, one transaction
  // each, so chat commits interleave; then again a while later.
  void sweep_retention();
  void reload_hours();
  void reload_help();
  void drain(std::chrono::steady_clock::time_point deadline);
  // Where the records live, for the start-up line and errors.
  std::string store_description() const;
  void stop();

  Config config_;
  chat::SystemClock clock_;
  net::asio::io_context hub_{1};
  // One node: the embedded log, Service and Hub. With --redis: the cluster gateway.
  // Declared before the store: the store's writer feeds it until the store is gone.
  std::unique_ptr<search::Index> search_;
  std::unique_ptr<store::RecordStore> store_;  // --data-dir or --database
  std::unique_ptr<context::Client> customer_context_;  // --customer-context-url
  std::unique_ptr<mail::LmtpServer> lmtp_;  // --lmtp-listen: mail in
  std::unique_ptr<mail::Mailer> mailer_;  // with a store: sends the outbox; stopped before the store's jobs
  std::unique_ptr<chat::MessageLog> log_;
  std::unique_ptr<chat::Service> domain_;
  std::unique_ptr<chat::Gateway> gateway_;
  chat::Gateway* service_ = nullptr;
  auth::AccountStore accounts_;
  util::FileWatch hours_watch_;
  std::string help_version_;  // help::folder_version of what is loaded (the reload's thread only)
  bool help_loading_ = false;  // a reload is under way (hub thread)
  std::unique_ptr<auth::StaffSessionStore> staff_sessions_;
  std::unique_ptr<auth::StaffAuthenticator> staff_auth_;
  auth::IdentityVerifier identities_;
  std::unique_ptr<net::asio::ssl::context> tls_;
  unsigned ticks_ = 0;
  std::vector<std::unique_ptr<net::asio::io_context>> shards_;
  // Keeps idle shards running until stop().
  std::vector<net::asio::executor_work_guard<net::asio::io_context::executor_type>> shard_guards_;
  std::unique_ptr<net::ServerContext> context_;
  std::shared_ptr<net::Listener> listener_;
  net::asio::steady_timer tick_;
  net::asio::steady_timer retention_timer_{hub_};
  net::asio::signal_set signals_;
  std::vector<std::thread> threads_;
};

}  // namespace parley::app
