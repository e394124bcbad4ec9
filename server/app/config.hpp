#pragma once
// Command-line flags and the agents file, validated once at start-up.

#include "context/customer_context.hpp"
#include "log/log.hpp"
#include "auth/login_throttle.hpp"
#include "backend/redis/redis_connection.hpp"
#include "chat/accounts.hpp"
#include "chat/service.hpp"
#include "mail/mail.hpp"
#include "net/server_context.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace parley::app {

struct Config {
  std::string listen_address = "0.0.0.0";
  unsigned short listen_port = 8080;
  unsigned threads = 1;
  std::filesystem::path static_dir = "client-js/dist";
  // --help-dir: the help center's articles; a folder that does not exist means none.
  std::optional<std::filesystem::path> help_dir;
  std::optional<std::filesystem::path> agents_file;
  // --hours: the queues' business hours, re-read when the file changes;
  // without it every queue is open round the clock.
  std::optional<std::filesystem::path> hours_file;
  std::shared_ptr<const hours::BusinessHours> hours = std::make_shared<const hours::BusinessHours>();
  // Set: conversations, queues and visitors are kept in DIR/parley.db (SQLite)
  // and survive a restart. Without it (and without Redis) they live in memory only.
  std::optional<std::filesystem::path> data_dir;
  // Set: the same records in PostgreSQL (--database), one server per database.
  std::optional<std::string> database_url;
  // The search index of past conversations (Xapian): --search-dir, or
  // DATA_DIR/search by default with --data-dir; none: no search.
  std::optional<std::filesystem::path> search_dir;
  // Closed conversations older than this are deleted (messages and record;
  // their events stay), except those on legal hold. 0: kept for ever.
  std::chrono::milliseconds retention{0};
  std::vector<std::string> allowed_origins;
  net::TrustedProxies trusted_proxies;
  chat::AccountDirectory accounts;
  std::optional<backend::redis::ConnectionOptions> redis;  // set: several nodes share this Redis
  std::string redis_prefix = "parley";
  std::chrono::milliseconds node_ttl{15000};
  std::chrono::milliseconds leader_lease{5000};
  auth::LoginLimits login;
  std::map<std::string, std::string> identity_secrets;  // host site id -> HS256 secret
  std::optional<std::filesystem::path> tls_cert;  // with tls_key: serve HTTPS and WSS directly
  std::optional<std::filesystem::path> tls_key;
  std::chrono::milliseconds staff_session_ttl{12 * 3600 * 1000};
  // E-mail out (tickets): the relay (--smtp ...; none: mail stays queued) and
  // the sender (--mail-from, --mail-from-name).
  std::optional<mail::Smtp> smtp;
  std::string mail_from = "support@parley.invalid";
  std::string mail_from_name = "Support";
  std::chrono::milliseconds mail_first_retry{30'000};  // doubling to an hour
  // E-mail in: an LMTP listener (--lmtp-listen ADDR:PORT) for the site's mail server.
  std::optional<std::pair<std::string, unsigned short>> lmtp;
  // The exchange's data about a verified customer beside the chat
  // (--customer-context-url, --customer-context-key-file, --customer-context-ca-file).
  std::optional<context::Settings> customer_context;
  // Lets /metrics be read from another machine (--metrics-token-file); empty: this machine only.
  std::string metrics_token;
  log::Level log_level = log::Level::info;
  chat::ServiceLimits service;
  net::ConnectionLimits connection;
};

// A one-line, user-facing problem with the flags or a config file.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ParsedArgs {
  std::optional<Config> config;  // empty when --help or --version was answered
  std::string output;            // text to print for --help / --version
};

// Throws ConfigError.
ParsedArgs parse_args(const std::vector<std::string>& args);

}  // namespace parley::app
