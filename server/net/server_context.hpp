#pragma once
// What every connection needs to reach: the chat service on its executor, and
// the per-connection limits. Owned by app::Server, outlives every session.

#include "auth/staff_authenticator.hpp"
#include "chat/gateway.hpp"
#include "net/beast.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <filesystem>
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
};

struct ServerContext {
  // The single thread the chat gateway runs on; reach it only by post().
  asio::any_io_executor hub;
  chat::Gateway& service;
  auth::StaffAuthenticator& staff_auth;
  ConnectionLimits limits;
  std::filesystem::path static_dir;
  // Web pages (Origin header) that may open a WebSocket besides this server's own.
  std::vector<std::string> allowed_origins;
  std::atomic<chat::SessionId> next_session_id{1};
};

}  // namespace parley::net
