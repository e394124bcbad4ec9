#pragma once
// What every connection needs to reach: the chat service on its executor, and
// the per-connection limits. Owned by app::Server, outlives every session.

#include "auth/identity_tokens.hpp"
#include "auth/staff_authenticator.hpp"
#include "chat/gateway.hpp"
#include "net/beast.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <mutex>
#include <unordered_map>
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
  std::chrono::seconds http_timeout{30};
  std::chrono::seconds close_timeout{5};
  std::chrono::seconds handshake_timeout{10};  // WebSocket upgrade and close handshakes
  std::chrono::seconds idle_timeout{60};       // silent this long: closed; pinged at half of it
  std::uint32_t max_connections_per_address = 100;
};

// Open WebSocket connections per client address, across every shard.
class ConnectionsPerAddress {
 public:
  explicit ConnectionsPerAddress(std::uint32_t limit) : limit_(limit) {}
  bool try_open(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto& count = open_[address];
    if (count >= limit_) return false;
    ++count;
    return true;
  }
  void close(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto it = open_.find(address);
    if (it != open_.end() && --it->second == 0) open_.erase(it);
  }

 private:
  std::uint32_t limit_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::uint32_t> open_;
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
};

}  // namespace parley::net
