#pragma once
// Builders for client frames, shared by unit and integration tests.

#include "parley/v1/protocol.pb.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace parley::test {

namespace v1 = parley::v1;

inline v1::ClientFrame visitor_hello(std::string resume_token = {},
                                     std::vector<std::pair<std::string, std::uint64_t>> cursors = {},
                                     std::string name = {}) {
  v1::ClientFrame f;
  auto* h = f.mutable_hello();
  h->set_role(v1::ROLE_VISITOR);
  h->set_resume_token(std::move(resume_token));
  h->set_display_name(std::move(name));
  for (auto& [id, seq] : cursors) {
    auto* c = h->add_cursors();
    c->set_conversation_id(id);
    c->set_last_seq(seq);
  }
  return f;
}

inline void add_cursors(v1::Hello* h, const std::vector<std::pair<std::string, std::uint64_t>>& cursors) {
  for (auto& [conversation, seq] : cursors) {
    auto* c = h->add_cursors();
    c->set_conversation_id(conversation);
    c->set_last_seq(seq);
  }
}

// A staff Hello as a client sends it, with the token from POST /api/login.
inline v1::ClientFrame staff_hello(std::string id, std::string session_token, v1::Role role,
                                   std::vector<std::pair<std::string, std::uint64_t>> cursors = {}) {
  v1::ClientFrame f;
  auto* h = f.mutable_hello();
  h->set_role(role);
  h->set_agent_id(std::move(id));
  h->set_session_token(std::move(session_token));
  add_cursors(h, cursors);
  return f;
}

// A staff Hello as the service receives it once the network layer checked the token.
inline v1::ClientFrame verified_staff_hello(const std::string& id, const std::string& credential_stamp, v1::Role role,
                                            std::int64_t expires_at_ms, const std::string& token_id = "t1",
                                            std::vector<std::pair<std::string, std::uint64_t>> cursors = {}) {
  v1::ClientFrame f;
  auto* h = f.mutable_hello();
  h->set_role(role);
  h->set_agent_id(id);
  auto* v = h->mutable_verified();
  v->set_agent_id(id);
  v->set_credential_stamp(credential_stamp);
  v->set_token_id(token_id);
  v->set_expires_at_ms(expires_at_ms);
  add_cursors(h, cursors);
  return f;
}

inline v1::ClientFrame start_chat(std::string text, v1::Category category = v1::CATEGORY_DEPOSIT,
                                  std::string client_id = "m-1", std::uint32_t request_id = 1) {
  v1::ClientFrame f;
  f.set_request_id(request_id);
  auto* s = f.mutable_start_chat();
  s->set_category(category);
  s->set_subject("Deposit not credited");
  s->set_first_message(std::move(text));
  s->set_client_message_id(std::move(client_id));
  s->set_transaction_id("0xabc123");
  s->set_page_url("https://exchange.example/deposit");
  s->set_locale("en");
  s->set_time_zone("Europe/Berlin");
  return f;
}

inline v1::ClientFrame send_message(std::string conversation, std::string client_id, std::string text,
                                    std::uint32_t request_id = 2) {
  v1::ClientFrame f;
  f.set_request_id(request_id);
  auto* m = f.mutable_send_message();
  m->set_conversation_id(std::move(conversation));
  m->set_client_message_id(std::move(client_id));
  m->set_text(std::move(text));
  return f;
}

inline v1::ClientFrame fetch_history(std::string conversation, std::uint64_t after_seq, std::uint32_t request_id = 6) {
  v1::ClientFrame f;
  f.set_request_id(request_id);
  f.mutable_fetch_history()->set_conversation_id(std::move(conversation));
  f.mutable_fetch_history()->set_after_seq(after_seq);
  return f;
}

inline v1::ClientFrame set_status(v1::AgentStatus status, std::uint32_t capacity = 0, std::uint32_t request_id = 3) {
  v1::ClientFrame f;
  f.set_request_id(request_id);
  f.mutable_set_agent_status()->set_status(status);
  f.mutable_set_agent_status()->set_capacity(capacity);
  return f;
}

inline v1::ClientFrame escalate(std::string conversation, std::string reason, std::string note) {
  v1::ClientFrame f;
  f.set_request_id(4);
  auto* e = f.mutable_escalate_chat();
  e->set_conversation_id(std::move(conversation));
  e->set_reason(std::move(reason));
  e->set_note(std::move(note));
  return f;
}

inline v1::ClientFrame transfer(std::string conversation, std::string to, std::string note = {}) {
  v1::ClientFrame f;
  f.set_request_id(5);
  auto* t = f.mutable_transfer_chat();
  t->set_conversation_id(std::move(conversation));
  t->set_to_agent_id(std::move(to));
  t->set_note(std::move(note));
  return f;
}

inline v1::ClientFrame close_chat(std::string conversation, v1::CloseReason reason = v1::CLOSE_REASON_RESOLVED) {
  v1::ClientFrame f;
  f.set_request_id(6);
  f.mutable_close_chat()->set_conversation_id(std::move(conversation));
  f.mutable_close_chat()->set_reason(reason);
  return f;
}

inline v1::ClientFrame rate(std::string conversation, std::uint32_t score, std::string comment = {}) {
  v1::ClientFrame f;
  f.set_request_id(7);
  f.mutable_rate_chat()->set_conversation_id(std::move(conversation));
  f.mutable_rate_chat()->set_score(score);
  f.mutable_rate_chat()->set_comment(std::move(comment));
  return f;
}

inline v1::ClientFrame accept(std::string conversation) {
  v1::ClientFrame f;
  f.set_request_id(8);
  f.mutable_accept_chat()->set_conversation_id(std::move(conversation));
  return f;
}

inline v1::ClientFrame request_senior(std::string conversation) {
  v1::ClientFrame f;
  f.set_request_id(9);
  f.mutable_request_senior()->set_conversation_id(std::move(conversation));
  f.mutable_request_senior()->set_reason("I want a senior engineer");
  return f;
}

}  // namespace parley::test
