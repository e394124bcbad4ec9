#pragma once
// What every connection needs to reach: the chat service on its executor, and
// the per-connection limits. Owned by app::Server, outlives every session.

#include "auth/identity_tokens.hpp"
#include "auth/staff_authenticator.hpp"
#include "chat/gateway.hpp"
#include "net/beast.hpp"
#include "net/client_address.hpp"
#include "net/connection_slots.hpp"
#include "help/library.hpp"
#include "hours/business_hours.hpp"
#include "search/index.hpp"
#include "util/token_bucket.hpp"
#include "context/customer_context.hpp"
#include "store/record_store.hpp"

#include <atomic>
#include <chrono>
#include <functional>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace parley::net {
namespace v1 = parley::v1;

struct ConnectionLimits {
  std::uint32_t max_frame_bytes = 64 * 1024;
  double messages_per_second = 10;
  double message_burst = 20;
  std::size_t outbox_frames = 512;
  std::size_t outbox_bytes = 1024 * 1024;
  std::chrono::seconds close_timeout{5};
  // TLS handshake, each HTTP request (its headers and body, so a trickled
  // upgrade request too), an idle keep-alive connection, WebSocket close.
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds idle_timeout{60};       // silent this long: closed; pinged at half of it
  std::uint32_t max_connections_per_address = 100;  // HTTP and WebSocket together
};

struct ServerContext {
  // The single thread the chat gateway runs on; reach it only by post().
  asio::any_io_executor hub;
  chat::Gateway& service;
  auth::StaffAuthenticator& staff_auth;
  const auth::IdentityVerifier& identities;
  ConnectionLimits limits;
  std::filesystem::path static_dir;
  // Web pages (Origin header) that may open a WebSocket besides this server's own.
  std::vector<std::string> allowed_origins;
  std::atomic<chat::SessionId> next_session_id{1};
  // Set: every connection speaks TLS (--tls-cert, --tls-key).
  asio::ssl::context* tls = nullptr;
  ConnectionsPerAddress connections{limits.max_connections_per_address};
  // Proxies whose X-Real-IP names the client (--trusted-proxy); none by default.
  TrustedProxies trusted_proxies{};
  // The system of record and its search index (GET /api/search and
  // /api/conversations/ID); null without a store (memory only, --redis).
  store::RecordStore* store = nullptr;
  // The exchange's data about a verified customer (--customer-context-url); null when not configured.
  context::Client* customer_context = nullptr;
  search::Index* search = nullptr;
  // The help center's articles (--help-dir), swapped when the folder changes; null without one.
  std::atomic<std::shared_ptr<const help::Library>> help{};
  // Tickets (net/ticket_api.cpp): the business hours their deadlines are
  // counted in (swapped when the hours file changes), the mailer to wake when
  // a mail is queued, and the per-address limit on new requests.
  std::atomic<std::shared_ptr<const hours::BusinessHours>> hours{std::make_shared<const hours::BusinessHours>()};
  std::function<void()> mail_queued{};
  // Names the ticket a chat becomes, so that making it twice makes it once
  // (RecordStore::secret("chat-ticket"); empty without a store).
  std::string chat_ticket_key{};
  struct RequestLimits {
    std::mutex mutex;
    util::KeyedTokenBuckets new_requests{5.0 / 60, 5};    // 5 a minute per address, then one each 12 s
    util::KeyedTokenBuckets follow_ups{30.0 / 60, 10};
    util::KeyedTokenBuckets help_events{20.0 / 60, 20};  // articles opened from the widget, answers: 20 a minute
  } request_limits{};
  // GET /metrics from another machine: Authorization: Bearer this (empty: only
  // from this machine, directly).
  std::string metrics_token{};
  // Connections closed with 1013 because their outbox was full (/healthz).
  std::atomic<std::uint64_t> slow_consumer_closes{0};
};

}  // namespace parley::net
