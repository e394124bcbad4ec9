#include "chat/hub.hpp"

namespace parley::chat {

// Stands in for a connection's Outlet inside the Service and queues its output on the Hub.
class HeldOutlet final : public Outlet {
 public:
  HeldOutlet(Hub& hub, std::shared_ptr<Outlet> real) : hub_(hub), real_(std::move(real)) {}
  void deliver(protocol::SharedBytes frame) override { hub_.held_.push_back({real_, std::move(frame), {}}); }
  void close(std::uint16_t code, std::string reason) override {
    hub_.held_.push_back({real_, nullptr, std::make_pair(code, std::move(reason))});
  }

 private:
  Hub& hub_;
  std::shared_ptr<Outlet> real_;
};

void Hub::attach(SessionId session, std::shared_ptr<Outlet> outlet, const std::string& address) {
  service_.attach(session, std::make_shared<HeldOutlet>(*this, std::move(outlet)), address);
  release();
}

void Hub::handle(SessionId session, const v1::ClientFrame& frame) {
  service_.handle(session, frame);
  release();
}

void Hub::detach(SessionId session) {
  service_.detach(session);
  release();
}

void Hub::detach_lost(SessionId session) {
  service_.detach(session, false);
  release();
}

void Hub::advance() {
  service_.advance();
  release();
}

void Hub::close_all(std::uint16_t code, const std::string& reason) {
  service_.close_all(code, reason);
  release();
}

void Hub::update_accounts(const AccountDirectory& accounts) {
  service_.update_accounts(accounts);
  release();
}

void Hub::update_hours(std::shared_ptr<const hours::BusinessHours> hours) {
  service_.update_hours(std::move(hours));
  release();
}

void Hub::sign_out(const std::string& agent_id, const std::string& token_id, std::int64_t expires_at_ms) {
  service_.sign_out(agent_id, token_id, expires_at_ms);
  release();
}

void Hub::announce_ticket(const std::string& conversation_id, std::uint64_t number, std::int64_t due_ms, bool visitor_left,
                          std::function<void(bool)> done) {
  const bool announced = visitor_left ? service_.divert_to_ticket(conversation_id, number, due_ms)
                                      : service_.announce_ticket(conversation_id, number, due_ms);
  release();
  if (!announced) return done(false);
  log_.flush([done = std::move(done)](bool durable) { done(durable); });
}

void Hub::erase_customer(const std::string& customer_id, const std::string& visitor_id, const std::string& by,
                         std::function<void(ErasureResult)> done) {
  const auto result = service_.erase_customer(customer_id, visitor_id, by);
  release();
  if (result != ErasureResult::erased) return done(result);
  // Flushes complete in order: this one completes once the erasure is committed.
  log_.flush([done = std::move(done)](bool durable) { done(durable ? ErasureResult::erased : ErasureResult::unavailable); });
}

// Batches are released in the order their flushes complete, which is the
// order they were written: a store completes flushes in order.
void Hub::release() {
  if (held_.empty()) return;
  auto batch = std::make_shared<std::vector<Output>>(std::move(held_));
  held_.clear();
  log_.flush([batch](bool durable) {
    for (auto& output : *batch) {
      if (!durable) {
        // Nothing from this batch may claim to be stored: the client resumes
        // from its cursor and resends what was not acknowledged.
        output.to->close(1012, "storage unavailable; reconnect");
        continue;
      }
      if (output.frame) output.to->deliver(std::move(output.frame));
      else output.to->close(output.close->first, std::move(output.close->second));
    }
  });
}

}  // namespace parley::chat
