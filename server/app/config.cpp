#include "app/config.hpp"
#include "util/version.hpp"

#include "auth/accounts_file.hpp"
#include "auth/identity_tokens.hpp"
#include "auth/password.hpp"

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <toml.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

namespace parley::app {
namespace po = boost::program_options;
namespace json = boost::json;

namespace {
// "ADDR:PORT" ("[::1]:25" for IPv6) as an address and a port.
std::pair<std::string, unsigned short> host_and_port(const std::string& flag, const std::string& value) {
  const auto colon = value.rfind(':');
  if (colon == std::string::npos || colon == 0) throw ConfigError(flag + " must be ADDR:PORT, got \"" + value + "\"");
  auto address = value.substr(0, colon);
  if (address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
  try {
    std::size_t used = 0;
    const auto port = std::stoul(value.substr(colon + 1), &used);
    if (used != value.size() - colon - 1 || port > 65535) throw std::out_of_range("port");
    return {address, static_cast<unsigned short>(port)};
  } catch (const std::exception&) {
    throw ConfigError(flag + ": port must be a number from 0 to 65535, got \"" + value.substr(colon + 1) + "\"");
  }
}


std::chrono::seconds whole_seconds(double value, const char* flag) {
  if (!(value > 0) || value > 86400) throw ConfigError(std::string("--") + flag + " must be between 0 and 86400 seconds");
  return std::chrono::seconds(static_cast<long>(std::ceil(value)));
}

// One TOML value as the tokens a flag would have had; nothing if it is of no
// use to a flag (a table, a date).
std::optional<std::vector<std::string>> tokens_of(const toml::value& v) {
  if (v.is_string()) return std::vector<std::string>{v.as_string().str};
  if (v.is_integer()) return std::vector<std::string>{std::to_string(v.as_integer())};
  if (v.is_floating()) {
    std::ostringstream out;
    out << v.as_floating();
    return std::vector<std::string>{out.str()};
  }
  if (v.is_boolean()) return std::vector<std::string>{v.as_boolean() ? "true" : "false"};
  if (v.is_array()) {
    std::vector<std::string> all;
    for (const auto& item : v.as_array()) {
      auto one = tokens_of(item);
      if (!one || item.is_array()) return std::nullopt;
      all.insert(all.end(), one->begin(), one->end());
    }
    return all;
  }
  return std::nullopt;
}

// --config FILE: the settings of a TOML file whose keys are the flags' names,
// stored after the command line so that a flag given there wins. Errors name
// the file, the line and the key; the first one in the file is reported.
void store_config_file(const std::string& file, const po::options_description& options, po::variables_map& vm) {
  toml::value data;
  try {
    data = toml::parse(file);
  } catch (const toml::syntax_error& e) {
    std::string said = e.what();
    said = said.substr(0, said.find('\n'));
    if (const auto at = said.find(": "); said.starts_with("[error]") && at != std::string::npos) said = said.substr(at + 2);
    throw ConfigError(file + ":" + std::to_string(e.location().line()) + ": not valid TOML: " + said);
  } catch (const std::exception&) {
    throw ConfigError("--config: cannot read " + file);
  }
  std::vector<std::pair<std::uint_least32_t, std::string>> errors;
  for (const auto& [key, value] : data.as_table()) {
    const auto line = value.location().line();
    auto error = [&](const std::string& what) { errors.emplace_back(line, file + ":" + std::to_string(line) + ": " + what); };
    const auto* option = options.find_nothrow(key, false);
    if (!option || key == "config" || key == "help" || key == "version") {
      error("unknown key \"" + key + "\" (the keys are parley-server's flags without the dashes)");
      continue;
    }
    if (vm.count(key) && !vm[key].defaulted()) continue;  // given as a flag: the flag wins
    auto tokens = tokens_of(value);
    if (!tokens) {
      error(key + ": a string, number, true/false or a list of them");
      continue;
    }
    const bool is_switch = option->semantic()->max_tokens() == 0;
    if (is_switch) {
      if (!value.is_boolean()) {
        error(key + ": true or false");
        continue;
      }
      if (!value.as_boolean()) continue;
      tokens->clear();
    } else if (value.is_array() && !option->semantic()->is_composing()) {
      error(key + ": one value, not a list");
      continue;
    }
    po::parsed_options parsed(&options);
    po::option entry;
    entry.string_key = key;
    entry.value = *tokens;
    entry.original_tokens = {"--" + key};
    parsed.options.push_back(std::move(entry));
    try {
      po::store(parsed, vm);
    } catch (const po::error& e) {
      error(e.what());
    }
  }
  if (!errors.empty()) throw ConfigError(std::min_element(errors.begin(), errors.end())->second);
}

}  // namespace

ParsedArgs parse_args(const std::vector<std::string>& args) {
  Config config;
  config.threads = std::max(1u, std::thread::hardware_concurrency());
  std::string listen = "0.0.0.0:8080";
  std::string static_dir = config.static_dir.string();
  std::string help_dir = "help";
  std::string agents, hours_file;
  double mail_retry_seconds = 30;
  std::string lmtp_listen;
  std::string smtp_url, smtp_user, smtp_password_file, smtp_starttls = "required", smtp_ca_file, mail_from;
  std::string context_url, context_key_file, context_ca_file;
  std::string metrics_token_file;
  std::string log_level = "info";
  std::string redis_url, redis_ca_file, redis_cert_file, redis_key_file;
  double node_ttl = 15, leader_lease = 5;
  double grace_seconds = 30;
  double hello_timeout = 10;
  double close_timeout = 5;
  double visitor_timeout = 120;
  double offer_request_after = 300;
  double resume_token_hours = 24;
  double retention_days = 0;
  std::uint32_t max_chat_messages = config.service.max_conversation_messages;
  std::size_t max_chat_kib = config.service.max_conversation_text_bytes / 1024;
  double session_hours = 12;
  double idle_timeout = 60;
  double handshake_timeout = 10;
  std::vector<std::string> identity_sites;
  std::vector<std::string> trusted_proxies;
  std::string data_dir;
  std::string database_url;
  std::string search_dir;
  bool memory_only = false;
  std::string tls_cert, tls_key;
  double messages_per_second = config.connection.messages_per_second;
  std::uint32_t max_frame = config.connection.max_frame_bytes;
  std::uint32_t max_chars = config.service.max_message_chars;
  std::size_t outbox_frames = config.connection.outbox_frames;
  std::size_t outbox_kib = config.connection.outbox_bytes / 1024;

  po::options_description options("parley-server: self-hosted live chat for customer support\n\nOptions");
  options.add_options()
      ("help,h", "print this help and exit")
      ("version", "print the version and exit")
      ("config", po::value<std::string>()->value_name("FILE"),
       "read settings from this TOML file, one key per flag (listen = \"127.0.0.1:8080\", allowed-origin = [...], "
       "memory-only = true); a flag given here wins over the file")
      ("listen", po::value(&listen)->value_name("ADDR:PORT")->default_value(listen),
       "address and port to serve HTTP and WebSocket on (port 0 picks a free one)")
      ("threads", po::value(&config.threads)->value_name("N")->default_value(config.threads),
       "network threads, one io_context each (1..64)")
      ("static-dir", po::value(&static_dir)->value_name("DIR")->default_value(static_dir),
       "files served at / (the widget demo page and /console)")
      ("help-dir", po::value(&help_dir)->value_name("DIR")->default_value(help_dir),
       "the help center's articles (Markdown, see help/), served at /help and searched by the widget; "
       "re-read when they change; \"\" for none")
      ("allowed-origin", po::value(&config.allowed_origins)->value_name("ORIGIN")->composing(),
       "a site that may embed the widget, e.g. https://www.example.com (repeatable; '*' allows any). "
       "This server's own pages are always allowed")
      ("trusted-proxy", po::value(&trusted_proxies)->value_name("ADDR[/PREFIX]")->composing(),
       "a reverse proxy whose X-Real-IP header names the client, e.g. 127.0.0.1 for nginx on this machine "
       "(repeatable; none by default: the TCP peer is the client)")
      ("data-dir", po::value(&data_dir)->value_name("DIR"),
       "keep conversations, queues and visitors in DIR/parley.db (SQLite, created on first start) so a restart "
       "loses nothing (default: ./data, unless --database, --redis or --memory-only)")
      ("memory-only", po::bool_switch(&memory_only),
       "keep nothing on disk: conversations live in memory only and a restart loses them (tests, demos)")
      ("database", po::value(&database_url)->value_name("URL"),
       "keep them in PostgreSQL instead, e.g. postgres://parley:PASSWORD@db.internal/parley (libpq URL or "
       "key=value string; tables are created and migrated at start; one server per database, or the nodes of one "
       "--redis cluster)")
      ("retention-days", po::value(&retention_days)->value_name("DAYS")->default_value(retention_days),
       "delete closed conversations (messages and record; the event counts stay) this many days after they "
       "closed, except those on legal hold; 0 keeps them for ever. Needs --data-dir or --database")
      ("search-dir", po::value(&search_dir)->value_name("DIR"),
       "keep the search index of past conversations here (default with --data-dir: DIR/search; with "
       "--database, set it to enable search)")
      ("agents", po::value(&agents)->value_name("FILE"),
       "staff accounts file, managed with parley-admin; re-read when it changes")
      ("hours", po::value(&hours_file)->value_name("FILE"),
       "business hours of the queues (JSON: time zone, weekly intervals, holidays; deploy/hours.example.json); "
       "re-read when it changes. Without it every queue is open round the clock")
      ("smtp", po::value(&smtp_url)->value_name("URL"),
       "send tickets' mail through this relay: smtp://host:587 (STARTTLS) or smtps://host:465; without it mail stays queued")
      ("customer-context-url", po::value(&context_url)->value_name("URL"),
       "the exchange's endpoint for a verified customer's data beside the chat (https://; signed POST, see docs/protocol.md)")
      ("customer-context-key-file", po::value(&context_key_file)->value_name("FILE"),
       "a file holding the key that signs those requests (32 bytes or more)")
      ("customer-context-ca-file", po::value(&context_ca_file)->value_name("FILE"), "verify that endpoint against this CA")
      ("log-level", po::value(&log_level)->value_name("debug|info|warn|error")->default_value(log_level),
       "the least severe log lines written to stderr (one key=value line each)")
      ("metrics-token-file", po::value(&metrics_token_file)->value_name("FILE"),
       "a file holding a token (32 bytes or more) that lets Prometheus read /metrics from elsewhere "
       "(Authorization: Bearer); without it only this machine may, directly, not through a proxy")
      ("smtp-user", po::value(&smtp_user)->value_name("NAME"), "the relay's user name (with --smtp-password-file)")
      ("smtp-password-file", po::value(&smtp_password_file)->value_name("FILE"), "a file holding the relay's password")
      ("smtp-starttls", po::value(&smtp_starttls)->value_name("required|optional|off")->default_value(smtp_starttls),
       "STARTTLS on smtp:// URLs")
      ("smtp-ca-file", po::value(&smtp_ca_file)->value_name("FILE"), "verify the relay's certificate against this CA")
      ("mail-from", po::value(&mail_from)->value_name("ADDRESS"),
       "the support address mail comes from; replies go to ADDRESS with a +tag naming the ticket")
      ("mail-from-name", po::value(&config.mail_from_name)->value_name("NAME")->default_value(config.mail_from_name),
       "the sender's name in mail")
      ("lmtp-listen", po::value(&lmtp_listen)->value_name("ADDR:PORT"),
       "take mail for support over LMTP here (from the site's Postfix or Exim): replies land on their tickets, new mail opens one")
      ("mail-retry-seconds", po::value(&mail_retry_seconds)->value_name("S")->default_value(mail_retry_seconds),
       "wait this long before trying a mail again, doubling each time to at most an hour (12 attempts in all)")
      ("tls-cert", po::value(&tls_cert)->value_name("FILE"),
       "serve HTTPS and WSS with this PEM certificate chain (with --tls-key); without, plain HTTP for a TLS proxy")
      ("tls-key", po::value(&tls_key)->value_name("FILE"), "the PEM private key of --tls-cert")
      ("identity-site", po::value(&identity_sites)->value_name("SITE=FILE")->composing(),
       "a host site that may vouch for its signed-in customers with HS256 JWTs (iss = SITE), signed with "
       "the secret in FILE (repeatable)")
      ("staff-session-hours", po::value(&session_hours)->value_name("HOURS")->default_value(session_hours),
       "how long a staff sign-in lasts")
      ("login-attempts-per-minute", po::value(&config.login.attempts_per_ip_per_minute)->value_name("N")
           ->default_value(config.login.attempts_per_ip_per_minute),
       "sign-in attempts allowed per client address per minute")
      ("login-failures-before-lock", po::value(&config.login.failures_before_lock)->value_name("N")
           ->default_value(config.login.failures_before_lock),
       "consecutive failed sign-ins from one address that lock that account for that address "
       "(30 s, doubling up to 15 min); other addresses are not affected")
      ("login-failures-per-account-per-hour", po::value(&config.login.account_failures_per_hour)->value_name("N")
           ->default_value(config.login.account_failures_per_hour),
       "failed sign-ins per account per hour from all addresses together; past it only addresses that "
       "signed in to the account before may try")
      ("redis", po::value(&redis_url)->value_name("redis[s]://[[USER]:PASSWORD@]HOST[:PORT][/DB]"),
       "run as one of several nodes: live traffic over this Redis, records in --database (default: one node); "
       "rediss:// is TLS with the server's certificate and name checked")
      ("redis-ca-file", po::value(&redis_ca_file)->value_name("FILE"),
       "with rediss://: trust only this CA for Redis' certificate (default: the system's trusted CAs)")
      ("redis-cert-file", po::value(&redis_cert_file)->value_name("FILE"),
       "with rediss://: the client certificate (PEM chain) when Redis asks for one (tls-auth-clients)")
      ("redis-key-file", po::value(&redis_key_file)->value_name("FILE"), "with rediss://: the key of --redis-cert-file")
      ("redis-prefix", po::value(&config.redis_prefix)->value_name("PREFIX")->default_value(config.redis_prefix),
       "prefix of every Redis key and channel")
      ("node-ttl", po::value(&node_ttl)->value_name("SECONDS")->default_value(node_ttl),
       "with --redis: a node silent this long is dead; its agents go offline and their chats are requeued")
      ("leader-lease", po::value(&leader_lease)->value_name("SECONDS")->default_value(leader_lease),
       "with --redis: how long the leader's lease lasts without renewal (failover time)")
      ("grace-period", po::value(&grace_seconds)->value_name("SECONDS")->default_value(grace_seconds),
       "how long a disconnected agent keeps their chats before they are requeued")
      ("hello-timeout", po::value(&hello_timeout)->value_name("SECONDS")->default_value(hello_timeout),
       "a connection that has not authenticated by then is closed")
      ("visitor-timeout", po::value(&visitor_timeout)->value_name("SECONDS")->default_value(visitor_timeout),
       "a waiting chat whose visitor has been disconnected this long leaves the queue; a visitor with no chat, "
       "or a rated one, is forgotten this long after leaving")
      ("offer-request-after", po::value(&offer_request_after)->value_name("SECONDS")->default_value(offer_request_after),
       "a visitor waiting this long is offered to leave a request (answered by e-mail) instead; 0: only when the "
       "queue is closed or nobody who serves it is online")
      ("resume-token-hours", po::value(&resume_token_hours)->value_name("HOURS")->default_value(resume_token_hours),
       "a visitor whose chat was closed but not rated may resume it this long after the close")
      ("max-chat-messages", po::value(&max_chat_messages)->value_name("N")->default_value(max_chat_messages),
       "messages one chat may hold; more are refused with LIMIT_REACHED")
      ("max-chat-kib", po::value(&max_chat_kib)->value_name("KIB")->default_value(max_chat_kib),
       "text one chat may hold; more is refused with LIMIT_REACHED")
      ("handshake-timeout", po::value(&handshake_timeout)->value_name("SECONDS")->default_value(handshake_timeout),
       "TLS and WebSocket opening and closing handshakes must finish within this")
      ("idle-timeout", po::value(&idle_timeout)->value_name("SECONDS")->default_value(idle_timeout),
       "a WebSocket silent this long is closed; the server pings it at half this time")
      ("max-connections-per-ip", po::value(&config.connection.max_connections_per_address)->value_name("N")
           ->default_value(config.connection.max_connections_per_address),
       "open WebSockets per client address (IPv6: per /64); more are refused with 429")
      ("new-chats-per-ip-per-minute", po::value(&config.service.new_chats_per_address_per_minute)->value_name("N")
           ->default_value(config.service.new_chats_per_address_per_minute),
       "chats a client address may start per minute, across all nodes (RATE_LIMITED beyond)")
      ("close-timeout", po::value(&close_timeout)->value_name("SECONDS")->default_value(close_timeout),
       "how long a closing connection may take to accept its close frame before it is cut")
      ("max-frame-bytes", po::value(&max_frame)->value_name("BYTES")->default_value(max_frame),
       "largest WebSocket message accepted (1 KiB..16 MiB); larger ones close the connection with 1009")
      ("max-message-chars", po::value(&max_chars)->value_name("N")->default_value(max_chars),
       "longest chat message, in characters")
      ("messages-per-second", po::value(&messages_per_second)->value_name("N")->default_value(messages_per_second),
       "frames a connection may send per second (bursts of twice that)")
      ("outbox-frames", po::value(&outbox_frames)->value_name("N")->default_value(outbox_frames),
       "frames queued for a slow client before it is disconnected with 1013")
      ("outbox-kib", po::value(&outbox_kib)->value_name("KIB")->default_value(outbox_kib),
       "bytes (KiB) queued for a slow client before it is disconnected with 1013");

  po::variables_map vm;
  try {
    std::vector<std::string> rest(args.begin() + (args.empty() ? 0 : 1), args.end());
    po::store(po::command_line_parser(rest).options(options).run(), vm);
    if (vm.count("config") && !vm.count("help") && !vm.count("version"))
      store_config_file(vm["config"].as<std::string>(), options, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw ConfigError(e.what());
  }
  if (vm.count("help")) {
    std::ostringstream out;
    out << options << "\nExample:\n  parley-server --listen 127.0.0.1:8080 --agents deploy/agents.example.json\n";
    return {std::nullopt, out.str()};
  }
  if (vm.count("version")) return {std::nullopt, std::string("parley-server ") + parley::version + "\n"};

  std::tie(config.listen_address, config.listen_port) = host_and_port("--listen", listen);
  if (config.threads < 1 || config.threads > 64) throw ConfigError("--threads must be between 1 and 64");
  if (!(grace_seconds >= 0) || grace_seconds > 86400) throw ConfigError("--grace-period must be between 0 and 86400 seconds");
  config.service.grace_period_ms = static_cast<std::int64_t>(grace_seconds * 1000);
  config.service.hello_timeout_ms = whole_seconds(hello_timeout, "hello-timeout").count() * 1000;
  config.connection.close_timeout = whole_seconds(close_timeout, "close-timeout");
  config.connection.idle_timeout = whole_seconds(idle_timeout, "idle-timeout");
  config.connection.handshake_timeout = whole_seconds(handshake_timeout, "handshake-timeout");
  if (config.connection.idle_timeout.count() < 2) throw ConfigError("--idle-timeout must be at least 2 seconds");
  if (config.connection.max_connections_per_address < 1)
    throw ConfigError("--max-connections-per-ip must be at least 1");
  if (!(config.service.new_chats_per_address_per_minute >= 1) || config.service.new_chats_per_address_per_minute > 1e6)
    throw ConfigError("--new-chats-per-ip-per-minute must be between 1 and 1000000");
  config.service.visitor_timeout_ms = whole_seconds(visitor_timeout, "visitor-timeout").count() * 1000;
  if (offer_request_after != 0 && (offer_request_after < 10 || offer_request_after > 86400))
    throw ConfigError("--offer-request-after must be 0 (never for waiting alone) or between 10 and 86400 seconds");
  config.service.offer_request_after_ms = static_cast<std::int64_t>(offer_request_after) * 1000;
  if (!(resume_token_hours > 0) || resume_token_hours > 24 * 90)
    throw ConfigError("--resume-token-hours must be between 0 and 2160");
  config.service.resume_token_ttl_ms = static_cast<std::int64_t>(resume_token_hours * 3600 * 1000);
  if (max_chat_messages < 10 || max_chat_messages > 1'000'000)
    throw ConfigError("--max-chat-messages must be between 10 and 1000000");
  if (max_chat_kib < 16 || max_chat_kib > 1024 * 1024) throw ConfigError("--max-chat-kib must be between 16 and 1048576");
  config.service.max_conversation_messages = max_chat_messages;
  config.service.max_conversation_text_bytes = max_chat_kib * 1024;
  if (max_frame < 1024 || max_frame > 16 * 1024 * 1024) throw ConfigError("--max-frame-bytes must be between 1024 and 16777216");
  if (max_chars < 1 || max_chars > max_frame / 4) throw ConfigError("--max-message-chars must be between 1 and max-frame-bytes/4");
  if (!(messages_per_second >= 1) || messages_per_second > 10000)
    throw ConfigError("--messages-per-second must be between 1 and 10000");
  if (outbox_frames < 16 || outbox_frames > 1'000'000) throw ConfigError("--outbox-frames must be between 16 and 1000000");
  if (outbox_kib < 64 || outbox_kib > 1024 * 1024) throw ConfigError("--outbox-kib must be between 64 and 1048576");
  // The outbox must hold a few of the largest frames, or a fast client would be
  // closed as slow for one big message.
  if (outbox_kib * 1024 < 4ull * max_frame) throw ConfigError("--outbox-kib must be at least 4 x --max-frame-bytes");
  config.service.max_frame_bytes = max_frame;
  config.service.max_message_chars = max_chars;
  config.service.messages_per_second = static_cast<std::uint32_t>(messages_per_second);
  config.connection.max_frame_bytes = max_frame;
  config.connection.messages_per_second = messages_per_second;
  config.connection.message_burst = messages_per_second * 2;
  config.connection.outbox_frames = outbox_frames;
  config.connection.outbox_bytes = outbox_kib * 1024;
  config.static_dir = static_dir;
  if (!help_dir.empty()) config.help_dir = help_dir;
  for (const auto& origin : config.allowed_origins)
    if (origin != "*" && (origin.find("://") == std::string::npos || origin.back() == '/'))
      throw ConfigError("--allowed-origin must look like https://www.example.com, got \"" + origin + "\"");
  std::string bad_proxy;
  auto proxies = net::TrustedProxies::parse(trusted_proxies, &bad_proxy);
  if (!proxies) throw ConfigError("--trusted-proxy must be an address or ADDRESS/PREFIX, got \"" + bad_proxy + "\"");
  config.trusted_proxies = *proxies;
  if (memory_only && (!data_dir.empty() || !database_url.empty() || !redis_url.empty()))
    throw ConfigError("--memory-only keeps nothing: leave out --data-dir, --database and --redis");
  // The embedded system of record is the default: nothing is lost on a restart unless asked for.
  if (data_dir.empty() && database_url.empty() && redis_url.empty() && !memory_only) data_dir = "data";
  if (!data_dir.empty()) {
    if (!redis_url.empty())
      throw ConfigError("with --redis, several nodes keep their records in PostgreSQL: use --database, not --data-dir");
    if (!database_url.empty()) throw ConfigError("choose one system of record: --data-dir (SQLite) or --database (PostgreSQL)");
    config.data_dir = data_dir;
  }
  if (!redis_url.empty() && database_url.empty())
    throw ConfigError("--redis needs --database: several nodes keep their records in PostgreSQL (Redis carries only "
                      "live traffic)");
  if (!redis_url.empty() && (retention_days != 0 || !search_dir.empty()))
    throw ConfigError("--retention-days and --search-dir do not work with --redis yet");
  if (!database_url.empty()) {
    if (!(database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") ||
          database_url.find('=') != std::string::npos))
      throw ConfigError("--database must be a PostgreSQL URL (postgres://USER:PASSWORD@HOST:PORT/DB) or key=value string");
    config.database_url = database_url;
  }
  if (retention_days != 0) {
    if (!(retention_days > 0) || retention_days > 36500)
      throw ConfigError("--retention-days must be between 0 (keep for ever) and 36500");
    if (data_dir.empty() && database_url.empty())
      throw ConfigError("--retention-days needs a system of record: --data-dir or --database");
    // A chat a visitor may still come back to is never deleted under them.
    if (retention_days * 24 <= resume_token_hours)
      throw ConfigError("--retention-days must be longer than --resume-token-hours");
    config.retention = std::chrono::milliseconds(static_cast<std::int64_t>(retention_days * 24 * 3600 * 1000));
  }
  if (!search_dir.empty()) {
    if (data_dir.empty() && database_url.empty())
      throw ConfigError("--search-dir needs a system of record: --data-dir or --database");
    config.search_dir = search_dir;
  } else if (!data_dir.empty()) {
    config.search_dir = std::filesystem::path(data_dir) / "search";
  }
  if (!redis_url.empty()) {
    try {
      config.redis = backend::redis::parse_redis_url(redis_url);
    } catch (const std::invalid_argument& e) {
      throw ConfigError(std::string("--redis: ") + e.what());
    }
  }
  if (!redis_ca_file.empty() || !redis_cert_file.empty() || !redis_key_file.empty()) {
    if (!config.redis || !config.redis->tls)
      throw ConfigError("--redis-ca-file, --redis-cert-file and --redis-key-file need --redis rediss://...");
    if (redis_cert_file.empty() != redis_key_file.empty())
      throw ConfigError("--redis-cert-file and --redis-key-file go together");
    config.redis->tls_ca_file = redis_ca_file;
    config.redis->tls_cert_file = redis_cert_file;
    config.redis->tls_key_file = redis_key_file;
  }
  if (config.redis && config.redis->tls) {
    try {
      backend::redis::make_tls_context(*config.redis);  // a bad file is a start-up error, not a reconnect loop
    } catch (const std::exception& e) {
      throw ConfigError(std::string("--redis: ") + e.what());
    }
  }
  if (!(node_ttl >= 1) || node_ttl > 3600) throw ConfigError("--node-ttl must be between 1 and 3600 seconds");
  if (!(leader_lease >= 1) || leader_lease > 600) throw ConfigError("--leader-lease must be between 1 and 600 seconds");
  config.node_ttl = std::chrono::milliseconds(static_cast<long>(node_ttl * 1000));
  config.leader_lease = std::chrono::milliseconds(static_cast<long>(leader_lease * 1000));
  if (config.redis_prefix.empty() || config.redis_prefix.find_first_of("{} ") != std::string::npos)
    throw ConfigError("--redis-prefix must be non-empty, without spaces or braces");
  if (!(session_hours > 0) || session_hours > 24 * 30) throw ConfigError("--staff-session-hours must be between 0 and 720");
  config.staff_session_ttl = std::chrono::milliseconds(static_cast<std::int64_t>(session_hours * 3600 * 1000));
  if (!(config.login.attempts_per_ip_per_minute >= 1) || config.login.attempts_per_ip_per_minute > 10000)
    throw ConfigError("--login-attempts-per-minute must be between 1 and 10000");
  if (config.login.failures_before_lock < 1 || config.login.failures_before_lock > 1000)
    throw ConfigError("--login-failures-before-lock must be between 1 and 1000");
  if (!(config.login.account_failures_per_hour >= 1) || config.login.account_failures_per_hour > 100000)
    throw ConfigError("--login-failures-per-account-per-hour must be between 1 and 100000");
  if (tls_cert.empty() != tls_key.empty()) throw ConfigError("--tls-cert and --tls-key go together");
  if (!tls_cert.empty()) {
    for (const auto& file : {tls_cert, tls_key})
      if (!std::ifstream(file)) throw ConfigError("TLS file " + file + ": cannot be read");
    config.tls_cert = tls_cert;
    config.tls_key = tls_key;
  }
  for (const auto& spec : identity_sites) {
    try {
      config.identity_secrets.insert(auth::load_site_secret(spec));
    } catch (const std::invalid_argument& e) {
      throw ConfigError(std::string("--identity-site: ") + e.what());
    }
  }
  if (!mail_from.empty()) {
    if (!tickets::plausible_email(mail_from) || mail_from.find('+') != std::string::npos)
      throw ConfigError("--mail-from must be a plain address (support@example.com), got \"" + mail_from + "\"");
    config.mail_from = mail_from;
  }
  if (!(mail_retry_seconds >= 1 && mail_retry_seconds <= 3600)) throw ConfigError("--mail-retry-seconds must be between 1 and 3600");
  config.mail_first_retry = std::chrono::milliseconds(static_cast<std::int64_t>(mail_retry_seconds * 1000));
  if (!lmtp_listen.empty()) {
    if (!config.data_dir && !config.database_url) throw ConfigError("--lmtp-listen needs records (--data-dir or --database)");
    if (config.redis) throw ConfigError("--lmtp-listen is not available with --redis yet");
    config.lmtp = host_and_port("--lmtp-listen", lmtp_listen);
  }
  if (!context_url.empty() || !context_key_file.empty() || !context_ca_file.empty()) {
    if (context_url.empty() || context_key_file.empty())
      throw ConfigError("--customer-context-url and --customer-context-key-file go together");
    if (!redis_url.empty()) throw ConfigError("--customer-context-url does not work with --redis yet");
    if (data_dir.empty() && database_url.empty())
      throw ConfigError("--customer-context-url needs a system of record: --data-dir or --database");
    context::Settings settings;
    settings.url = context_url;
    if (!context::allowed_url(context_url))
      throw ConfigError("--customer-context-url must be https:// (http:// only to a loopback address), got \"" + context_url + "\"");
    std::ifstream in(context_key_file);
    if (!in || !std::getline(in, settings.key)) throw ConfigError("--customer-context-key-file: cannot read " + context_key_file);
    if (settings.key.size() < 32) throw ConfigError("--customer-context-key-file: the key must be 32 bytes or more");
    settings.ca_file = context_ca_file;
    config.customer_context = settings;
  }
  if (const auto level = log::parse_level(log_level); level && *level != log::Level::off)
    config.log_level = *level;
  else
    throw ConfigError("--log-level must be debug, info, warn or error");
  if (!metrics_token_file.empty()) {
    std::ifstream in(metrics_token_file);
    if (!in || !std::getline(in, config.metrics_token)) throw ConfigError("--metrics-token-file: cannot read " + metrics_token_file);
    if (config.metrics_token.size() < 32) throw ConfigError("--metrics-token-file: the token must be 32 bytes or more");
  }
  if (!smtp_url.empty()) {
    if (smtp_url.rfind("smtp://", 0) != 0 && smtp_url.rfind("smtps://", 0) != 0)
      throw ConfigError("--smtp must be smtp://host:port or smtps://host:port, got \"" + smtp_url + "\"");
    if (mail_from.empty()) throw ConfigError("--smtp needs --mail-from (the support address)");
    mail::Smtp smtp;
    smtp.url = smtp_url;
    smtp.user = smtp_user;
    if (smtp_starttls == "required") smtp.starttls = mail::Smtp::StartTls::required;
    else if (smtp_starttls == "optional") smtp.starttls = mail::Smtp::StartTls::optional;
    else if (smtp_starttls == "off") smtp.starttls = mail::Smtp::StartTls::off;
    else throw ConfigError("--smtp-starttls must be required, optional or off");
    if (!smtp_password_file.empty()) {  // (the relay's password)
      std::ifstream in(smtp_password_file);
      if (!in || !std::getline(in, smtp.password)) throw ConfigError("--smtp-password-file: cannot read " + smtp_password_file);
    }
    if (smtp.user.empty() != smtp.password.empty()) throw ConfigError("--smtp-user and --smtp-password-file go together");
    smtp.ca_file = smtp_ca_file;
    config.smtp = std::move(smtp);
  } else if (!smtp_user.empty() || !smtp_password_file.empty() || !smtp_ca_file.empty()) {
    throw ConfigError("--smtp-user, --smtp-password-file and --smtp-ca-file need --smtp");
  }
  if (!hours_file.empty()) {
    config.hours_file = hours_file;
    try {
      config.hours = std::make_shared<const hours::BusinessHours>(hours::BusinessHours::load(hours_file));
    } catch (const std::invalid_argument& e) {
      throw ConfigError(std::string("--hours: ") + e.what());
    }
  }
  if (!agents.empty()) {
    config.agents_file = agents;
    try {
      config.accounts = auth::load_accounts(agents);
    } catch (const auth::AccountsFileError& e) {
      throw ConfigError(e.what());
    }
  }
  return {std::move(config), {}};
}

}  // namespace parley::app
