#pragma once
// The Service as the network sees it. Every event (attach, frame, detach, time)
// runs the Service, and the frames it produced are held back until the message
// log says everything written by that event is durable; only then are they
// delivered, in order. So an Ack, or a message shown to the other side, always
// means the message is stored. Runs on the hub executor, like the Service.

#include "chat/gateway.hpp"
#include "chat/message_log.hpp"
#include "chat/service.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace parley::chat {

class Hub final : public Gateway {
 public:
  Hub(Service& service, MessageLog& log) : service_(service), log_(log) {}

  void attach(SessionId session, std::shared_ptr<Outlet> outlet, const std::string& address) override;
  void handle(SessionId session, const v1::ClientFrame& frame) override;
  void detach(SessionId session) override;
  // The session's node died: no grace period (see Service::detach).
  void detach_lost(SessionId session);
  void advance() override;
  void close_all(std::uint16_t code, const std::string& reason) override;
  void update_accounts(const AccountDirectory& accounts) override;
  void update_hours(std::shared_ptr<const hours::BusinessHours> hours) override;
  void sign_out(const std::string& agent_id, const std::string& token_id, std::int64_t expires_at_ms) override;
  ServiceStats stats() const override { return service_.stats(); }
  void announce_ticket(const std::string& conversation_id, std::uint64_t number, std::int64_t due_ms, bool visitor_left,
                       std::function<void(bool)> done) override;
  bool visitor_chat_waiting(const std::string& resume_token, const std::string& conversation_id) const override {
    return service_.visitor_chat_waiting(resume_token, conversation_id);
  }
  std::optional<v1::ConversationState> visitor_chat_state(const std::string& resume_token,
                                                          const std::string& conversation_id) const override {
    return service_.visitor_chat_state(resume_token, conversation_id);
  }
  void erase_customer(const std::string& customer_id, const std::string& visitor_id, const std::string& by,
                      std::function<void(ErasureResult)> done) override;

 private:
  friend class HeldOutlet;
  struct Output {
    std::shared_ptr<Outlet> to;
    protocol::SharedBytes frame;                                 // or, when empty, a close:
    std::optional<std::pair<std::uint16_t, std::string>> close;
  };
  void release();

  Service& service_;
  MessageLog& log_;
  std::vector<Output> held_;
};

}  // namespace parley::chat
