#pragma once
// What the network layer hands connections to. On one node it is the Hub; with
// Redis it is the cluster gateway, which forwards to the leader node's Hub.
// Every call happens on the hub executor.

#include "chat/service.hpp"

#include <functional>
#include <memory>
#include <string>

namespace parley::chat {

class Gateway {
 public:
  virtual ~Gateway() = default;
  // `address`: the client's network address (an IPv6 /64), for per-address limits.
  virtual void attach(SessionId session, std::shared_ptr<Outlet> outlet, const std::string& address) = 0;
  virtual void handle(SessionId session, const v1::ClientFrame& frame) = 0;
  virtual void detach(SessionId session) = 0;
  // Time passes (called about ten times a second).
  virtual void advance() = 0;
  virtual void close_all(std::uint16_t code, const std::string& reason) = 0;
  // See Service::update_accounts and Service::sign_out.
  virtual void update_accounts(const AccountDirectory& accounts) = 0;
  // See Service::update_hours.
  virtual void update_hours(std::shared_ptr<const hours::BusinessHours> hours) = 0;
  virtual void sign_out(const std::string& agent_id, const std::string& token_id, std::int64_t expires_at_ms) = 0;
  virtual ServiceStats stats() const = 0;
  // Tells a chat it became a ticket (Service::announce_ticket, or with
  // `visitor_left` Service::divert_to_ticket, which also closes it if still
  // waiting); `done(false)` if there is no such open chat, or the notice could
  // not be stored.
  virtual void announce_ticket(const std::string& conversation_id, std::uint64_t number, std::int64_t due_ms,
                               bool visitor_left, std::function<void(bool)> done) = 0;
  // See Service::visitor_chat_waiting.
  virtual bool visitor_chat_waiting(const std::string& resume_token, const std::string& conversation_id) const = 0;
  // See Service::visitor_chat_state.
  virtual std::optional<v1::ConversationState> visitor_chat_state(const std::string& resume_token,
                                                                  const std::string& conversation_id) const = 0;
  // Erases one customer's personal data (Service::erase_customer); `done`
  // runs on the hub once the erasure is committed, or says why not.
  virtual void erase_customer(const std::string& customer_id, const std::string& visitor_id, const std::string& by,
                              std::function<void(ErasureResult)> done) = 0;
};

}  // namespace parley::chat
