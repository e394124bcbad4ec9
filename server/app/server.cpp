#include "app/server.hpp"
#include "util/version.hpp"
#include "log/log.hpp"

#include "auth/password.hpp"
#include "backend/memory/memory_staff_sessions.hpp"
#include "backend/redis/redis_staff_sessions.hpp"
#include "mail/inbound.hpp"
#include "metrics/metrics.hpp"
#include "store/durable_log.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

#include <sstream>
#include "help/library.hpp"

#include <iostream>

namespace parley::app {
namespace asio = net::asio;

Server::Server(Config config)
    : config_(std::move(config)),
      accounts_(config_.agents_file, config_.accounts),
      hours_watch_(config_.hours_file),
      identities_(config_.identity_secrets),
      tick_(hub_),
      signals_(hub_, SIGINT, SIGTERM) {
  std::vector<asio::any_io_executor> executors;
  for (unsigned i = 0; i < config_.threads; ++i) {
    shards_.push_back(std::make_unique<asio::io_context>(1));
    executors.push_back(shards_.back()->get_executor());
    shard_guards_.push_back(asio::make_work_guard(*shards_.back()));
  }
  if (config_.redis) {
    backend::redis::ClusterOptions options;
    options.redis = *config_.redis;
    options.prefix = config_.redis_prefix;
    options.node_ttl = config_.node_ttl;
    options.lease = config_.leader_lease;
    // The leader's records; a new leader takes the database over from the last.
    options.open_records = [url = *config_.database_url](asio::any_io_executor completions) {
      return std::make_unique<store::PostgresStore>(url, std::move(completions), store::PostgresStore::Takeover::yes);
    };
    auto cluster = std::make_unique<backend::redis::ClusterGateway>(hub_.get_executor(), options, config_.service,
                                                                     config_.accounts, clock_);
    cluster->start();
    staff_sessions_ = std::make_unique<backend::redis::RedisStaffSessions>(
        cluster->command_connection(), backend::redis::Keys(config_.redis_prefix), clock_);
    gateway_ = std::move(cluster);
  } else if (config_.data_dir || config_.database_url) {
    // The system of record: load what was stored, then carry on from it.
    if (config_.database_url)
      store_ = std::make_unique<store::PostgresStore>(*config_.database_url, hub_.get_executor());
    else
      store_ = std::make_unique<store::SqliteStore>(*config_.data_dir / "parley.db", hub_.get_executor());
    if (config_.search_dir) {
      search_ = std::make_unique<search::Index>(*config_.search_dir);
      store_->on_committed([index = search_.get()](const store::StoreBatch& batch) { index->add(batch); });
    }
    auto stored = store_->load();
    auto durable = std::make_unique<store::DurableLog>(*store_);
    auto limits = config_.service;
    limits.offer_requests = true;  // tickets are kept here: a visitor who waits in vain may leave a request
    domain_ = std::make_unique<chat::Service>(limits, config_.accounts, *durable, clock_);
    if (!durable->restore(stored, *domain_))
      throw store::StoreError(store_description() + ": the stored state is inconsistent");
    log_ = std::move(durable);
    gateway_ = std::make_unique<chat::Hub>(*domain_, *log_);
    staff_sessions_ = store_->staff_sessions(clock_);
    mail::MailerSettings mail;
    mail.identity = {config_.mail_from_name, config_.mail_from, store_->secret("mail-reply")};
    mail.smtp = config_.smtp;
    mail.first_retry = config_.mail_first_retry;
    mailer_ = std::make_unique<mail::Mailer>(*store_, std::move(mail));
  } else {
    log_ = std::make_unique<backend::MemoryMessageLog>();
    domain_ = std::make_unique<chat::Service>(config_.service, config_.accounts, *log_, clock_);
    gateway_ = std::make_unique<chat::Hub>(*domain_, *log_);
    staff_sessions_ = std::make_unique<backend::MemoryStaffSessions>(clock_);
  }
  for (const auto& [id, account] : config_.accounts)
    if (auth::is_weak_hash(account.password_hash))
      log::warn("auth", "a password hash is weaker than recommended; reset it with parley-admin", {{"agent", id}});
  staff_auth_ = std::make_unique<auth::StaffAuthenticator>(accounts_, *staff_sessions_, config_.login,
                                                           config_.staff_session_ttl.count(), clock_);
  service_ = gateway_.get();
  service_->update_hours(config_.hours);
  context_.reset(new net::ServerContext{hub_.get_executor(), *service_, *staff_auth_, identities_, config_.connection, config_.static_dir,
                                        config_.allowed_origins});
  context_->trusted_proxies = config_.trusted_proxies;
  context_->metrics_token = config_.metrics_token;
  if (domain_) domain_->subscribe(metrics::process().chat_events());
  context_->store = store_.get();
  context_->search = search_.get();
  context_->hours.store(config_.hours);
  // The help center: a folder that is there must load (the error names the file); none is no help center.
  if (config_.help_dir && std::filesystem::is_directory(*config_.help_dir)) {
    help_version_ = help::folder_version(*config_.help_dir);
    auto library = help::Library::load(*config_.help_dir);
    log::info("help", "help center loaded", {{"articles", library->size()}, {"folder", config_.help_dir->string()}});
    context_->help.store(std::move(library));
  } else if (config_.help_dir) {
    log::debug("help", "no help center: the folder does not exist", {{"folder", config_.help_dir->string()}});
  }
  if (mailer_) context_->mail_queued = [mailer = mailer_.get()] { mailer->poke(); };
  if (store_) context_->chat_ticket_key = store_->secret("chat-ticket");
  if (store_ && config_.customer_context) {
    customer_context_ = std::make_unique<context::Client>(*config_.customer_context);
    context_->customer_context = customer_context_.get();
  }
  if (config_.tls_cert) {
    // TLS 1.2 and 1.3 only; a bad certificate or key stops the start with OpenSSL's reason.
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1 |
                      asio::ssl::context::single_dh_use);
    tls_->use_certificate_chain_file(config_.tls_cert->string());
    tls_->use_private_key_file(config_.tls_key->string(), asio::ssl::context::pem);
    context_->tls = tls_.get();
  }
  if (config_.lmtp && store_) {
    mail::Receiving receiving;
    receiving.store = store_.get();
    receiving.identity = {config_.mail_from_name, config_.mail_from, store_->secret("mail-reply")};
    // A new mail is due as a request to the general queue is.
    receiving.reply_by = [context = context_.get()](std::int64_t now_ms) {
      auto hours = context->hours.load();
      return hours ? hours->reply_by("other", now_ms) : now_ms + 24 * 3'600'000LL;
    };
    receiving.mail_queued = context_->mail_queued;
    mail::LmtpSettings lmtp;
    lmtp.host_name = config_.mail_from.substr(config_.mail_from.rfind('@') + 1);
    lmtp_ = std::make_unique<mail::LmtpServer>(
        shards_.front()->get_executor(),
        net::tcp::endpoint(asio::ip::make_address(config_.lmtp->first), config_.lmtp->second), lmtp,
        [receiving, clock = &clock_](mail::Envelope envelope, std::string raw, std::function<void(mail::LmtpReply)> done) {
          mail::receive(receiving, envelope, std::move(raw), clock->now_ms(), std::move(done));
        });
  }
  const net::tcp::endpoint endpoint(asio::ip::make_address(config_.listen_address), config_.listen_port);
  listener_ = std::make_shared<net::Listener>(*shards_.front(), executors, endpoint, *context_);
}

Server::~Server() {
  stop();
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
  // Password checks still running post their answers to the shards: let them
  // finish while the shards exist; so do sign-in lookups on the store's thread.
  mailer_.reset();  // waits for a send in progress; its claim's lease covers the rest
  customer_context_.reset();  // waits for a call in progress (2.5 s at most), whose answer posts to a shard
  if (store_) store_->stop_jobs();  // a mail being stored still answers its listener, which is closed
  lmtp_.reset();
  staff_auth_.reset();
  // Sessions still queued in the shards are destroyed with them and post their
  // detach to the hub: the shards must go while the hub and context still exist.
  listener_.reset();
  shard_guards_.clear();
  shards_.clear();
  // The gateway's Redis connections post into the hub: close them before it goes.
  gateway_.reset();
}

std::string Server::store_description() const {
  if (config_.redis)
    return "one of several nodes over Redis, records in PostgreSQL " + store::redact_database_url(*config_.database_url);
  if (config_.database_url) return "records in PostgreSQL " + store::redact_database_url(*config_.database_url);
  if (config_.data_dir) return "records in " + (*config_.data_dir / "parley.db").string();
  return "records in memory only: lost when the server stops";
}

// Grace periods and hello timeouts are checked ten times a second.
void Server::schedule_tick() {
  tick_.expires_after(std::chrono::milliseconds(100));
  tick_.async_wait([this](net::error_code ec) {
    if (ec) return;
    service_->advance();
    // parley-admin edits the agents file; look for a new version every second.
    if (++ticks_ % 10 == 0)
      if (auto accounts = accounts_.reload_if_changed()) service_->update_accounts(*accounts);
    if (ticks_ % 10 == 5) reload_hours();
    if (ticks_ % 10 == 7) reload_help();
    schedule_tick();
  });
}

// The operator edited the hours file: the new hours apply at once; a file
// that does not parse leaves the old ones, and says why.
void Server::reload_hours() {
  if (!hours_watch_.changed()) return;
  try {
    auto hours = std::make_shared<const hours::BusinessHours>(hours::BusinessHours::load(*config_.hours_file));
    context_->hours.store(hours);
    service_->update_hours(std::move(hours));
    log::info("hours", "reloaded the business hours", {{"file", config_.hours_file->string()}});
  } catch (const std::invalid_argument& e) {
    log::error("hours", "the hours file is wrong; keeping the previous business hours",
               {{"file", config_.hours_file->string()}, {"error", e.what()}});
  }
}

// Every second the help folder is looked at, and when it changed its articles
// are loaded and indexed, all on a network thread (not the hub's: up to 2 000
// files), then swapped in; a folder with an error keeps the previous articles,
// and says which file is wrong. One look at a time; help_version_ belongs to it.
void Server::reload_help() {
  if (!config_.help_dir || help_loading_) return;
  help_loading_ = true;
  asio::post(shards_.front()->get_executor(), [this, dir = *config_.help_dir] {
    auto version = help::folder_version(dir);
    if (version == help_version_) return asio::post(hub_, [this] { help_loading_ = false; });
    help_version_ = std::move(version);
    try {
      auto library = help::Library::load(dir);
      log::info("help", "reloaded the help center", {{"articles", library->size()}, {"folder", dir.string()}});
      context_->help.store(std::move(library));
    } catch (const std::exception& e) {
      log::error("help", "the help center has an error; keeping the articles loaded before",
                 {{"folder", dir.string()}, {"error", e.what()}});
    }
    asio::post(hub_, [this] { help_loading_ = false; });
  });
}

void Server::sweep_retention() {
  if (!store_ || config_.retention.count() == 0) return;
  const auto now = clock_.now_ms();
  constexpr std::size_t batch = 500;
  const auto before = now - config_.retention.count();
  store_->expire_closed(before, batch, now, [this, before, now](std::vector<std::string> ids) {
    const bool more_chats = ids.size() == batch;
    if (search_) search_->remove(std::move(ids));
    // Then tickets solved or closed as long ago (each batch its own transaction).
    store_->expire_tickets(before, batch, now, [this, more_chats](std::vector<std::string> tickets) {
    const bool more = more_chats || tickets.size() == batch;
    // Runs on the store's thread: the next step is the hub's.
    asio::post(hub_, [this, more] {
      // Checked often enough that nothing outlives its time by more than a
      // quarter of the period (and at least every ten minutes).
      const auto pause = more ? std::chrono::milliseconds(0)
                              : std::min<std::chrono::milliseconds>(std::chrono::minutes(10), config_.retention / 4);
      retention_timer_.expires_after(pause);
      retention_timer_.async_wait([this](net::error_code ec) {
        if (!ec) sweep_retention();
      });
    });
    });
  });
}

void Server::run() {
  listener_->run();
  if (lmtp_) lmtp_->start();
  sweep_retention();
  signals_.async_wait([this](net::error_code ec, int) {
    if (ec) return;
    // Stop taking connections, tell every client to reconnect, give the
    // close handshakes a moment, then stop.
    listener_->stop();
    service_->close_all(1001, "server shutting down; reconnect");
    drain(std::chrono::steady_clock::now() + std::chrono::seconds(3));
  });
  schedule_tick();
  for (auto& shard : shards_) threads_.emplace_back([&io = *shard] { io.run(); });
  // One line: tests and scripts read the address from the first.
  std::cout << "parley-server listening on " << (tls_ ? "https://" : "http://") << local_endpoint() << " (" << shards_.size()
            << " network threads, " << store_description();
  if (lmtp_) std::cout << ", mail in over LMTP on " << lmtp_->local_endpoint();
  std::cout << ")" << std::endl;
  {
    std::ostringstream address;
    address << local_endpoint();
    log::info("server", "listening", {{"address", address.str()}, {"tls", tls_ != nullptr}, {"threads", shards_.size()},
                                      {"records", store_description()}, {"version", parley::version}});
  }
  auto guard = asio::make_work_guard(hub_);
  hub_.run();
}

void Server::drain(std::chrono::steady_clock::time_point deadline) {
  if (service_->stats().sessions == 0 || std::chrono::steady_clock::now() >= deadline) return stop();
  tick_.expires_after(std::chrono::milliseconds(20));
  tick_.async_wait([this, deadline](net::error_code ec) {
    if (!ec) drain(deadline);
  });
}

void Server::stop() {
  listener_->stop();
  if (lmtp_) lmtp_->stop();
  for (auto& shard : shards_) shard->stop();
  hub_.stop();
}

}  // namespace parley::app
