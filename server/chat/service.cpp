#include "chat/service.hpp"

#include "chat/field_limits.hpp"
#include "chat/routing.hpp"
#include "chat/text.hpp"
#include "util/random.hpp"

#include <algorithm>
#include <utility>
#include <cassert>
#include <cmath>

#include "secrets/detector.hpp"
#include <ctime>

namespace parley::chat {
namespace {

constexpr std::uint16_t close_policy_violation = 1008;
// Application close code: sign in again (logout, disabled account, new password,
// expired session). Clients must not reconnect with the same token.
constexpr std::uint16_t close_signed_out = 4001;

std::string_view role_name(v1::Role role) {
  switch (role) {
    case v1::ROLE_VISITOR: return "visitor";
    case v1::ROLE_AGENT: return "agent";
    case v1::ROLE_TIER2: return "tier-2 agent";
    case v1::ROLE_SUPERVISOR: return "supervisor";
    case v1::ROLE_ADMIN: return "admin";
    default: return "unauthenticated client";
  }
}

// Which roles may send which frame; membership is checked by each handler.
bool role_may_send(v1::ClientFrame::FrameCase frame, v1::Role role) {
  using F = v1::ClientFrame;
  const bool visitor = role == v1::ROLE_VISITOR;
  const bool chat_agent = takes_chats(role);
  const bool supervisor = oversees(role);
  switch (frame) {
    case F::kFetchHistory: return visitor || chat_agent || supervisor;
    case F::kStartChat:
    case F::kRateChat:
    case F::kRequestSenior: return visitor;
    case F::kSendMessage:  // a supervisor joins a chat they watch by writing in it
    case F::kTyping: return visitor || chat_agent || supervisor;
    case F::kMarkRead: return visitor || chat_agent;
    case F::kWatchChat: return supervisor;
    case F::kAcceptChat: return chat_agent;
    case F::kSetAgentStatus:
    case F::kTransferChat:
    case F::kEscalateChat:
    case F::kAddNote: return chat_agent || supervisor;
    case F::kCloseChat:
    case F::kPing: return true;
    default: return false;
  }
}

// A system notice of this kind (agent_name for the joined notices).
v1::SystemNotice notice_of(v1::NoticeKind kind, const std::string& agent_name = {}) {
  v1::SystemNotice notice;
  notice.set_kind(kind);
  notice.set_agent_name(agent_name);
  return notice;
}

v1::SystemNotice ticket_notice(std::uint64_t number, std::int64_t due_ms) {
  auto notice = notice_of(v1::NOTICE_KIND_TICKET_OPENED);
  notice.set_ticket_number(number);
  notice.set_due_ms(due_ms);
  return notice;
}

}  // namespace

// English, for clients that do not know the code and for exports.
std::string notice_text(const v1::SystemNotice& notice) {
  switch (notice.kind()) {
    case v1::NOTICE_KIND_AGENT_JOINED: return notice.agent_name() + " joined the chat.";
    case v1::NOTICE_KIND_SENIOR_JOINED: return notice.agent_name() + " from senior support joined the chat.";
    case v1::NOTICE_KIND_AGENT_DISCONNECTED:
      return "Your agent was disconnected. You are first in line for the next available agent.";
    case v1::NOTICE_KIND_ESCALATING: return "Your chat is being passed to senior support. Please stay here.";
    case v1::NOTICE_KIND_VISITOR_ENDED: return "The visitor ended the chat.";
    case v1::NOTICE_KIND_CLOSED: return "The chat was closed.";
    case v1::NOTICE_KIND_VISITOR_LEFT: return "The visitor left before an agent was free.";
    case v1::NOTICE_KIND_TICKET_OPENED: {
      // The time in UTC here; clients show it in the reader's zone.
      const auto t = static_cast<std::time_t>(notice.due_ms() / 1000);
      std::tm tm{};
      gmtime_r(&t, &tm);
      char when[32];
      std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
      return "This chat is now request #" + std::to_string(notice.ticket_number()) + ". We will answer by e-mail by " +
             when + ".";
    }
    default: return {};
  }
}

Service::Service(ServiceLimits limits, const AccountDirectory& accounts, MessageLog& log,
                 const Clock& clock)
    : limits_(limits),
      new_chats_by_address_(limits.new_chats_per_address_per_minute / 60.0, limits.new_chats_per_address_per_minute),
      log_(log),
      clock_(clock),
      store_id_(util::random_token("", 4)) {
  update_accounts(accounts);
}

// Accounts are updated in place: agents point at their entries. A removed
// account stays, disabled, so its history still names someone.
void Service::update_accounts(const AccountDirectory& accounts) {
  for (auto& [id, account] : state_.accounts)
    if (!accounts.count(id)) account.disabled = true;
  for (const auto& [id, account] : accounts) {
    auto& entry = state_.accounts[id];
    entry = account;
    Agent& agent = state_.agents[id];
    agent.capacity = agent.account ? std::min(agent.capacity, account.max_capacity) : account.max_capacity;
    agent.account = &entry;
  }
  std::vector<std::pair<SessionId, const char*>> ended;
  for (const auto& [id, s] : state_.sessions) {
    if (!s.authenticated || s.role == v1::ROLE_VISITOR) continue;
    const AgentAccount& account = state_.accounts.at(s.participant_id);
    if (account.disabled) ended.emplace_back(id, "this account was disabled");
    else if (account.credential_stamp != s.credential_stamp) ended.emplace_back(id, "the password was changed or every sign-in was ended; sign in again");
    else if (account.role != s.role) ended.emplace_back(id, "this account's role changed; sign in again");
  }
  for (const auto& [id, reason] : ended) end_staff_session(id, reason);
  settle();  // names and roles on the roster may have changed
}

void Service::update_hours(std::shared_ptr<const hours::BusinessHours> hours) {
  state_.hours = std::move(hours);
  present_.publish_availability(true);
}

void Service::sign_out(const std::string& agent_id, const std::string& token_id, std::int64_t expires_at_ms) {
  ended_sign_ins_.add(token_id, expires_at_ms, clock_.now_ms());
  std::vector<SessionId> ended;
  for (const auto& [id, s] : state_.sessions)
    if (s.authenticated && s.role != v1::ROLE_VISITOR && s.participant_id == agent_id &&
        (token_id.empty() || s.token_id == token_id))
      ended.push_back(id);
  for (auto id : ended) end_staff_session(id, "signed out");
}

// The agent chose to leave or lost the right to stay: no grace period, their
// chats go back to the front of the queue now.
void Service::end_staff_session(SessionId id, const char* reason) {
  auto it = state_.sessions.find(id);
  if (it == state_.sessions.end()) return;
  present_.close(it->second, close_signed_out, reason);
  detach(id, false);
}

// ---------------------------------------------------------------- connections

void Service::attach(SessionId id, std::shared_ptr<Outlet> outlet, const std::string& address) {
  assert(id != no_session);
  Session& s = state_.sessions[id];
  s.id = id;
  s.outlet = std::move(outlet);
  s.attached_ms = clock_.now_ms();
  s.address = address;
}

void Service::detach(SessionId id, bool with_grace) {
  auto it = state_.sessions.find(id);
  if (it == state_.sessions.end()) return;
  Session s = std::move(it->second);
  state_.sessions.erase(it);
  present_.forget(id);
  if (!s.authenticated) return;
  if (s.role == v1::ROLE_VISITOR) {
    Visitor& visitor = state_.visitors.at(s.participant_id);
    visitor.sessions.erase(id);
    if (visitor.sessions.empty()) {
      visitor.away_since_ms = clock_.now_ms();
      schedule_visitor_check(visitor, *visitor.away_since_ms + limits_.visitor_timeout_ms);
      present_.visitor_presence(visitor);
    }
    return;
  }
  Agent& agent = state_.agents.at(s.participant_id);
  agent.sessions.erase(id);
  if (agent.sessions.empty()) {
    // Keep the chats for a grace period: a reload or a network blip must not
    // cost the visitor their place with this agent.
    agent.grace_deadline_ms = clock_.now_ms() + (with_grace ? limits_.grace_period_ms : 0);
  }
  settle();
  if (!with_grace) advance();
}

void Service::advance() {
  const auto now = clock_.now_ms();
  ended_sign_ins_.forget_expired(now);
  for (auto& [id, s] : state_.sessions) {
    if (s.authenticated || s.attached_ms + limits_.hello_timeout_ms > now) continue;
    s.attached_ms = now;  // close once, not on every tick
    present_.close(s, close_policy_violation, "hello timeout");
  }
  std::vector<SessionId> expired;
  for (const auto& [id, s] : state_.sessions)
    if (s.authenticated && s.expires_at_ms != 0 && s.expires_at_ms <= now) expired.push_back(id);
  for (auto id : expired) end_staff_session(id, "the session has expired; sign in again");
  bool anything = false;
  present_.tick();
  // Visitors who are gone: only those whose time has come are looked at.
  while (!visitor_checks_.empty() && visitor_checks_.begin()->first <= now) {
    const auto id = visitor_checks_.begin()->second;
    if (auto it = state_.visitors.find(id); it != state_.visitors.end()) unschedule_visitor_check(it->second);
    else visitor_checks_.erase(visitor_checks_.begin());
    check_visitor(id, now);
    anything = true;
  }
  for (auto& [id, agent] : state_.agents) {
    if (!agent.grace_deadline_ms || *agent.grace_deadline_ms > now) continue;
    agent.grace_deadline_ms.reset();
    set_status(agent, v1::AGENT_STATUS_OFFLINE, {});
    // Oldest chat ends up at the very front.
    std::vector<Conversation*> chats;
    for (const auto& conversation_id : agent.open) chats.push_back(&state_.conversations.at(conversation_id));
    std::sort(chats.begin(), chats.end(), [](auto* a, auto* b) {
      return a->info.created_ms() > b->info.created_ms();
    });
    for (Conversation* c : chats) {
      release(*c, "agent disconnected");
      requeue_front(*c);
    }
    anything = true;
  }
  if (anything) settle();
}

// ---------------------------------------------------------------- visitors' lifetime
//
// Policy: a visitor record (and its resume token) lives while the visitor is
// connected or their chat is with an agent. Once they are gone:
//  - a chat still waiting in the queue is closed after visitor_timeout_ms
//    ("the visitor left"), so no agent is handed a chat nobody is in;
//  - a visitor who never started a chat, or whose chat is closed and rated, is
//    forgotten visitor_timeout_ms after leaving;
//  - one whose chat is closed but not rated, resume_token_ttl_ms after the close.
// Forgetting removes the visitor and their tokens, never the conversation:
// with a store, a closed conversation then leaves memory (evict_if_unreachable)
// and lives on in the store; so does a closed one its visitor moved on from.

void Service::schedule_visitor_check(Visitor& v, std::int64_t at_ms) {
  unschedule_visitor_check(v);
  v.check = visitor_checks_.emplace(at_ms, v.id);
}

void Service::unschedule_visitor_check(Visitor& v) {
  if (v.check) visitor_checks_.erase(*v.check);
  v.check.reset();
}

std::optional<std::int64_t> Service::forget_at(const Visitor& v) const {
  if (!v.sessions.empty() || !v.away_since_ms) return std::nullopt;
  const auto gone = *v.away_since_ms + limits_.visitor_timeout_ms;
  if (v.conversation_id.empty()) return gone;
  auto it = state_.conversations.find(v.conversation_id);
  if (it == state_.conversations.end()) return gone;
  const Conversation& c = it->second;
  if (c.info.state() != v1::CONVERSATION_STATE_CLOSED) return std::nullopt;
  if (c.rating) return gone;
  return std::max(gone, c.closed_ms + limits_.resume_token_ttl_ms);
}

void Service::check_visitor(const std::string& id, std::int64_t now) {
  auto it = state_.visitors.find(id);
  if (it == state_.visitors.end()) return;
  Visitor& v = it->second;
  if (!v.sessions.empty() || !v.away_since_ms) return;
  if (!v.conversation_id.empty() && *v.away_since_ms + limits_.visitor_timeout_ms <= now) {
    auto c = state_.conversations.find(v.conversation_id);
    if (c != state_.conversations.end() && c->second.info.state() == v1::CONVERSATION_STATE_QUEUED)
      close_conversation(c->second, v1::ROLE_UNSPECIFIED, {}, v1::CLOSE_REASON_VISITOR_LEFT, {},
                         notice_of(v1::NOTICE_KIND_VISITOR_LEFT));
  }
  const auto when = forget_at(v);
  if (!when) return;  // with an agent: looked at again when the chat closes
  if (*when > now) return schedule_visitor_check(v, *when);
  forget_visitor(v);
}

void Service::forget_visitor(Visitor& v) {
  unschedule_visitor_check(v);
  state_.visitor_by_token.erase(v.resume_token);
  if (!v.previous_token.empty()) state_.visitor_by_token.erase(v.previous_token);
  changed_visitors_.insert(v.id);  // exported as forgotten
  const auto conversation_id = v.conversation_id;
  state_.visitors.erase(v.id);
  if (!conversation_id.empty()) evict_if_unreachable(conversation_id);
}

void Service::evict_if_unreachable(const std::string& conversation_id) {
  auto it = state_.conversations.find(conversation_id);
  if (it == state_.conversations.end() || it->second.info.state() != v1::CONVERSATION_STATE_CLOSED) return;
  if (auto v = state_.visitors.find(it->second.info.visitor_id());
      v != state_.visitors.end() && v->second.conversation_id == conversation_id)
    return;  // its visitor may still come back to it (resume, rate)
  if (!log_.evict(conversation_id)) return;  // memory is its only copy
  if (changed_conversations_.erase(conversation_id)) save_record(it->second, evicted_changes_);
  state_.conversations.erase(it);
}

// "vt_" + the store generation + "_" + 192 random bits.
std::string Service::new_resume_token() const { return util::random_token("vt_" + store_id_ + "_", 24); }

void Service::handle(SessionId id, const v1::ClientFrame& frame) {
  auto it = state_.sessions.find(id);
  if (it == state_.sessions.end()) return;
  Session& s = it->second;
  const auto req = frame.request_id();
  using F = v1::ClientFrame;

  // Whatever this frame causes, its sender gets the reply, not an echo.
  struct Origin {
    SessionId& origin;
    Origin(SessionId& o, SessionId id) : origin(o) { origin = id; }
    ~Origin() { origin = no_session; }
  } origin_scope{origin_, id};
  if (frame.frame_case() == F::kHello) {
    on_hello(s, frame);
    settle();
    return;
  }
  if (!s.authenticated) {
    present_.error(s, req, v1::ERROR_CODE_NOT_AUTHENTICATED, "send Hello first");
    present_.close(s, close_policy_violation, "not authenticated");
    return;
  }
  if (!role_may_send(frame.frame_case(), s.role)) {
    present_.error(s, req, v1::ERROR_CODE_FORBIDDEN,
               std::string("a ") + std::string(role_name(s.role)) + " may not send this frame");
    return;
  }
  switch (frame.frame_case()) {
    case F::kStartChat: on_start_chat(s, req, frame.start_chat()); break;
    case F::kSendMessage: on_send_message(s, req, frame.send_message()); break;
    case F::kTyping: on_typing(s, frame.typing()); break;
    case F::kMarkRead: on_mark_read(s, req, frame.mark_read()); break;
    case F::kSetAgentStatus: on_set_status(s, req, frame.set_agent_status()); break;
    case F::kAcceptChat: on_accept(s, req, frame.accept_chat()); break;
    case F::kTransferChat: on_transfer(s, req, frame.transfer_chat()); break;
    case F::kEscalateChat: on_escalate(s, req, frame.escalate_chat()); break;
    case F::kAddNote: on_add_note(s, req, frame.add_note()); break;
    case F::kRequestSenior: on_request_senior(s, req, frame.request_senior()); break;
    case F::kCloseChat: on_close(s, req, frame.close_chat()); break;
    case F::kRateChat: on_rate(s, req, frame.rate_chat()); break;
    case F::kFetchHistory: on_fetch_history(s, req, frame.fetch_history()); break;
    case F::kWatchChat: on_watch(s, req, frame.watch_chat()); break;
    case F::kPing: present_.pong(s, frame.ping().nonce()); break;
    default:
      present_.error(s, req, v1::ERROR_CODE_UNKNOWN_FRAME, "unknown frame type");
      return;
  }
  settle();
}

// ---------------------------------------------------------------- hello / resume

void Service::on_hello(Session& s, const Frame& f) {
  if (s.authenticated) {
    present_.error(s, f.request_id(), v1::ERROR_CODE_ALREADY_DONE, "already authenticated");
    return;
  }
  Presenter::Cursors cursors;
  for (const auto& cursor : f.hello().cursors()) cursors[cursor.conversation_id()] = cursor.last_seq();
  if (f.hello().role() == v1::ROLE_VISITOR) return on_visitor_hello(s, f, cursors);
  if (!is_staff(f.hello().role())) {
    present_.error(s, f.request_id(), v1::ERROR_CODE_INVALID_ARGUMENT, "hello.role must be set");
    return;
  }
  on_staff_hello(s, f, cursors);
}

void Service::on_visitor_hello(Session& s, const Frame& f, const Presenter::Cursors& cursors) {
  const auto& hello = f.hello();
  const auto req = f.request_id();
  if (utf8_length(hello.display_name()) > field::name_chars) {
    present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "display_name is too long");
    return;
  }
  Visitor* visitor = nullptr;
  bool resumed = false;
  const auto now = clock_.now_ms();
  const auto& token = hello.resume_token();
  if (!token.empty()) {
    auto it = state_.visitor_by_token.find(token);
    Visitor* found = it == state_.visitor_by_token.end() ? nullptr : &state_.visitors.at(it->second);
    if (found && token == found->previous_token && found->previous_token_until_ms <= now) {
      state_.visitor_by_token.erase(token);  // rotated away, and its grace is over
      found->previous_token.clear();
      found = nullptr;
    }
    if (!found) {
      // A token from a store generation this server no longer has, from a client
      // that had seen messages: its history was lost, and it must learn so. Any
      // other unknown token is forged, expired or forgotten.
      const bool had_history = std::any_of(cursors.begin(), cursors.end(), [](auto& c) { return c.second > 0; });
      const auto store_end = token.find('_', 3);
      const bool lost_store = token.starts_with("vt_") && store_end != std::string::npos &&
                              token.substr(3, store_end - 3) != store_id_;
      if (had_history && lost_store)
        present_.error(s, req, v1::ERROR_CODE_HISTORY_LOST,
                       "this server no longer has your conversation (its history was lost); start a new chat");
      else
        present_.error(s, req, v1::ERROR_CODE_AUTH_FAILED, "unknown or expired resume token; send Hello without one");
      return;
    }
    visitor = found;
    const auto& claimed = hello.verified();
    // A signed-in customer's chat resumes only for that customer, signed in again.
    if (!visitor->customer_id.empty() &&
        (claimed.customer_id() != visitor->customer_id || claimed.site() != visitor->verified_site)) {
      present_.error(s, req, v1::ERROR_CODE_AUTH_FAILED,
                     claimed.customer_id().empty() ? "this conversation belongs to a signed-in customer; sign in first"
                                                   : "this resume token belongs to another customer");
      return;
    }
    // Rotate: the token just used stops working after a short grace (other tabs
    // pick the new one up from storage); a token used within that grace is not
    // rotated again.
    if (token == visitor->resume_token) {
      if (!visitor->previous_token.empty()) state_.visitor_by_token.erase(visitor->previous_token);
      visitor->previous_token = visitor->resume_token;
      visitor->previous_token_until_ms = now + limits_.previous_token_grace_ms;
      visitor->resume_token = new_resume_token();
      state_.visitor_by_token[visitor->resume_token] = visitor->id;
      changed(*visitor);
    }
    resumed = true;
  } else {
    std::string id = util::random_token("v_", 8);
    visitor = &state_.visitors[id];
    visitor->id = id;
    visitor->resume_token = new_resume_token();
    visitor->name = blank(hello.display_name()) ? "Visitor" : hello.display_name();
    state_.visitor_by_token[visitor->resume_token] = id;
    changed(*visitor);
  }
  if (!hello.verified().customer_id().empty() && visitor->customer_id.empty()) verify_visitor(*visitor, hello.verified());
  s.authenticated = true;
  s.role = v1::ROLE_VISITOR;
  s.participant_id = visitor->id;
  const bool was_away = visitor->sessions.empty();
  visitor->sessions.insert(s.id);
  visitor->away_since_ms.reset();
  if (was_away) present_.visitor_presence(*visitor);
  unschedule_visitor_check(*visitor);
  present_.welcome_visitor(s, *visitor, resumed, cursors);
}

// The network layer looked the session token up and vouches for it in
// `verified`; here it is checked against the account as it is now.
void Service::on_staff_hello(Session& s, const Frame& f, const Presenter::Cursors& cursors) {
  const auto& hello = f.hello();
  const auto& verified = hello.verified();
  auto account = state_.accounts.find(verified.agent_id());
  const char* refusal = nullptr;
  if (verified.agent_id().empty()) refusal = "sign in first: POST /api/login, then send its session_token";
  else if (account == state_.accounts.end() || account->second.disabled) refusal = "this account is disabled";
  else if (!util::secure_equals(verified.credential_stamp(), account->second.credential_stamp))
    refusal = "the password was changed or every sign-in was ended since this one began; sign in again";
  else if (verified.expires_at_ms() <= clock_.now_ms()) refusal = "the session has expired; sign in again";
  else if (ended_sign_ins_.contains(verified.token_id())) refusal = "this sign-in has ended; sign in again";
  else if (!hello.agent_id().empty() && hello.agent_id() != verified.agent_id())
    refusal = "the session token belongs to another account";
  else if (hello.role() != account->second.role) refusal = "hello.role does not match the account's role";
  if (refusal) {
    present_.error(s, f.request_id(), v1::ERROR_CODE_AUTH_FAILED, refusal);
    present_.close(s, close_policy_violation, "authentication failed");
    return;
  }
  Agent& agent = state_.agents.at(verified.agent_id());
  const bool resumed = agent.grace_deadline_ms.has_value() || !agent.sessions.empty();
  agent.grace_deadline_ms.reset();
  // A fresh sign-in starts away: no chat is pushed before the agent says so.
  if (agent.status == v1::AGENT_STATUS_OFFLINE) set_status(agent, v1::AGENT_STATUS_AWAY, agent.account->id);
  changed(agent);
  agent.sessions.insert(s.id);
  s.authenticated = true;
  s.role = hello.role();
  s.participant_id = agent.account->id;
  s.token_id = verified.token_id();
  s.credential_stamp = account->second.credential_stamp;
  s.expires_at_ms = verified.expires_at_ms();
  present_.welcome_staff(s, agent, resumed, cursors);
}

// The host site vouched for this visitor: agents see "verified", with the
// site's customer id and email instead of what the visitor typed.
void Service::verify_visitor(Visitor& visitor, const v1::VerifiedIdentity& identity) {
  visitor.verified_site = identity.site();
  visitor.customer_id = identity.customer_id();
  visitor.customer_email = identity.customer_email();
  if (!identity.customer_name().empty() && visitor.name == "Visitor")
    visitor.name = truncate_utf8(identity.customer_name(), field::name_chars);
  changed(visitor);
  auto open = state_.conversations.find(visitor.conversation_id);
  if (open == state_.conversations.end() || open->second.info.state() == v1::CONVERSATION_STATE_CLOSED) return;
  mark_verified(open->second.info, visitor);
  changed(open->second);
  present_.staff_views_changed();
}

void Service::mark_verified(v1::ConversationInfo& info, const Visitor& visitor) {
  if (visitor.customer_id.empty()) return;
  info.set_verified(true);
  info.set_verified_site(visitor.verified_site);
  info.set_customer_id(visitor.customer_id);
  if (!visitor.customer_email.empty()) info.set_email(visitor.customer_email);
}

// ---------------------------------------------------------------- visitor frames

void Service::on_start_chat(Session& s, std::uint32_t req, const v1::StartChat& m) {
  Visitor& visitor = state_.visitors.at(s.participant_id);
  if (!visitor.conversation_id.empty()) {
    const Conversation& open = state_.conversations.at(visitor.conversation_id);
    if (open.info.state() != v1::CONVERSATION_STATE_CLOSED) {
      if (!m.client_message_id().empty() && m.client_message_id() == open.first_client_message_id) {
        auto first = log_.read_after(open.info.conversation_id(), 0, 1);
        present_.ack(s, req, open.info.conversation_id(), &first.front(), true);
      } else {
        present_.error(s, req, v1::ERROR_CODE_ALREADY_DONE, "you already have an open chat",
                   open.info.conversation_id());
      }
      return;
    }
  }
  auto invalid = [&](std::string message) {
    present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, std::move(message));
  };
  if (!v1::Category_IsValid(m.category()) || m.category() == v1::CATEGORY_UNSPECIFIED)
    return invalid("category must be one of account, deposit, withdrawal, trading, refund, other");
  if (blank(m.first_message())) return invalid("first_message must not be empty");
  if (utf8_length(m.first_message()) > limits_.max_message_chars)
    return invalid("first_message is longer than " + std::to_string(limits_.max_message_chars) + " characters");
  if (m.client_message_id().empty() || m.client_message_id().size() > field::client_id_bytes)
    return invalid("client_message_id must be 1 to 64 bytes");
  if (utf8_length(m.subject()) > field::subject_chars) return invalid("subject is too long");
  if (utf8_length(m.transaction_id()) > field::transaction_id_chars) return invalid("transaction_id is too long");
  if (m.page_url().size() > field::url_bytes) return invalid("page_url is too long");
  if (m.locale().size() > field::locale_bytes) return invalid("locale is too long");
  if (m.time_zone().size() > field::time_zone_bytes) return invalid("time_zone is too long");
  if (m.email().size() > field::email_bytes) return invalid("email is too long");
  if (utf8_length(m.display_name()) > field::name_chars) return invalid("display_name is too long");
  // Checked last, so only a chat that would really open spends the budget.
  if (!s.address.empty() && !new_chats_by_address_.try_take(s.address, clock_.now_ms())) {
    const auto wait_s = (new_chats_by_address_.wait_ms(s.address, clock_.now_ms()) + 999) / 1000;
    present_.error(s, req, v1::ERROR_CODE_RATE_LIMITED,
               "too many new chats from your network; try again in " + std::to_string(wait_s) + " s");
    return;
  }
  if (!blank(m.display_name())) visitor.name = m.display_name();
  changed(visitor);

  const auto now = clock_.now_ms();
  const std::string id = util::random_token("c_", 12);
  Conversation& c = state_.conversations[id];
  auto& info = c.info;
  info.set_conversation_id(id);
  info.set_visitor_id(visitor.id);
  info.set_visitor_name(visitor.name);
  info.set_category(m.category());
  info.set_subject(m.subject());
  info.set_transaction_id(m.transaction_id());
  info.set_page_url(m.page_url());
  info.set_locale(m.locale());
  info.set_time_zone(m.time_zone());
  info.set_email(m.email());
  mark_verified(info, visitor);
  info.set_state(v1::CONVERSATION_STATE_QUEUED);
  info.set_tier(1);
  info.set_created_ms(now);
  info.set_queued_ms(now);
  c.first_client_message_id = m.client_message_id();
  const auto previous = std::exchange(visitor.conversation_id, id);
  changed(c);
  changed(visitor);
  if (!previous.empty()) evict_if_unreachable(previous);

  v1::Message first;
  first.set_conversation_id(id);
  first.set_client_message_id(m.client_message_id());
  first.set_sender_role(v1::ROLE_VISITOR);
  first.set_sender_id(visitor.id);
  first.set_sender_name(visitor.name);
  first.set_text(m.first_message());
  first.set_server_time_ms(now);
  mask_secrets(c, first);
  const auto stored = log_.append(std::move(first)).stored;
  present_.ack(s, req, id, &stored);
  state_.queues.push_back(id, queue_for(1, m.category()));
  emit(id, visitor.id, [&](events::Event& e) {
    auto* started = e.mutable_chat_started();
    started->set_visitor_id(visitor.id);
    started->set_category(m.category());
    started->set_verified(!visitor.customer_id.empty());
    started->set_has_transaction_id(!m.transaction_id().empty());
    started->set_locale(m.locale());
  });
  emit_appended(stored);  // other tabs of the same visitor learn the first message too
  emit(id, {}, [&](events::Event& e) {
    e.mutable_chat_queued()->set_tier(1);
    e.mutable_chat_queued()->set_category(m.category());
  });
}

void Service::on_request_senior(Session& s, std::uint32_t req, const v1::RequestSenior& m) {
  Conversation* c = member_conversation(s, req, m.conversation_id());
  if (!c) return;
  if (c->info.state() == v1::CONVERSATION_STATE_CLOSED)
    return present_.error(s, req, v1::ERROR_CODE_WRONG_STATE, "the chat is closed", m.conversation_id());
  if (c->info.tier() >= 2 || c->info.senior_requested())
    return present_.error(s, req, v1::ERROR_CODE_ALREADY_DONE, "senior support is already requested",
                      m.conversation_id());
  if (utf8_length(m.reason()) > field::reason_chars)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "reason is too long");
  c->info.set_senior_requested(true);
  c->senior_reason = m.reason();
  changed(*c);
  present_.ack(s, req, m.conversation_id());
  emit(c->info.conversation_id(), s.participant_id, [](events::Event& e) { e.mutable_senior_requested(); });
}

void Service::on_rate(Session& s, std::uint32_t req, const v1::RateChat& m) {
  Conversation* c = member_conversation(s, req, m.conversation_id());
  if (!c) return;
  if (c->info.state() != v1::CONVERSATION_STATE_CLOSED)
    return present_.error(s, req, v1::ERROR_CODE_WRONG_STATE, "a chat is rated after it is closed",
                      m.conversation_id());
  if (c->rating)
    return present_.error(s, req, v1::ERROR_CODE_ALREADY_DONE, "this chat is already rated", m.conversation_id());
  if (m.score() < 1 || m.score() > 5)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "score must be 1 to 5");
  if (utf8_length(m.comment()) > field::rating_comment_chars)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "comment is too long");
  auto& rating = c->rating.emplace();
  rating.set_conversation_id(m.conversation_id());
  rating.set_score(m.score());
  rating.set_comment(m.comment());
  changed(*c);
  present_.ack(s, req, m.conversation_id());
  emit(c->info.conversation_id(), s.participant_id, [&](events::Event& e) {
    auto* rated = e.mutable_chat_rated();
    rated->set_score(m.score());
    rated->set_has_comment(!m.comment().empty());
    rated->set_agent_id(c->last_agent_id);
  });
}

// ---------------------------------------------------------------- shared frames

// A supervisor follows a chat in progress (read-only until they write in it).
void Service::on_watch(Session& s, std::uint32_t req, const v1::WatchChat& m) {
  Conversation* c = member_conversation(s, req, m.conversation_id());
  if (!c) return;
  if (!m.watch()) {
    present_.unwatch(s.id, m.conversation_id());
    return present_.ack(s, req, m.conversation_id());
  }
  if (c->info.state() == v1::CONVERSATION_STATE_CLOSED)
    return present_.error(s, req, v1::ERROR_CODE_WRONG_STATE, "this chat has ended", m.conversation_id());
  if (!present_.watch(s.id, *c))
    return present_.error(s, req, v1::ERROR_CODE_LIMIT_REACHED,
                          "watching too many chats; stop watching one first", m.conversation_id());
  present_.ack(s, req, m.conversation_id());
}

void Service::on_fetch_history(Session& s, std::uint32_t req, const v1::FetchHistory& m) {
  // Tier 2 may read what waits for tier 2 before taking it.
  const auto key = state_.queues.key_of(m.conversation_id());
  const bool tier2_preview = s.role == v1::ROLE_TIER2 && key && key->tier >= 2;
  Conversation* c = tier2_preview ? &state_.conversations.at(m.conversation_id())
                                  : member_conversation(s, req, m.conversation_id());
  if (!c) return;
  present_.history(s, m.conversation_id(), m.after_seq());
}

void Service::on_send_message(Session& s, std::uint32_t req, const v1::SendMessage& m) {
  Conversation* c = member_conversation(s, req, m.conversation_id());
  if (!c) return;
  const auto state = c->info.state();
  // Staff write in an assigned chat: their own, or (supervisors) one they watch.
  const bool may_write = s.role == v1::ROLE_VISITOR ? state != v1::CONVERSATION_STATE_CLOSED
                                                    : state == v1::CONVERSATION_STATE_ASSIGNED &&
                                                          (is_assigned_agent(s, *c) ||
                                                           (oversees(s.role) && present_.watching(s.id, c->info.conversation_id())));
  if (!may_write)
    return present_.error(s, req, v1::ERROR_CODE_WRONG_STATE, "you cannot write to this chat now",
                      m.conversation_id());
  if (blank(m.text()))
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "text must not be empty");
  if (utf8_length(m.text()) > limits_.max_message_chars)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT,
                      "text is longer than " + std::to_string(limits_.max_message_chars) + " characters");
  if (m.client_message_id().empty() || m.client_message_id().size() > field::client_id_bytes)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "client_message_id must be 1 to 64 bytes");
  if (log_.last_seq(m.conversation_id()) >= limits_.max_conversation_messages ||
      c->text_bytes + m.text().size() > limits_.max_conversation_text_bytes)
    return present_.error(s, req, v1::ERROR_CODE_LIMIT_REACHED,
                      "this chat has reached its length limit; close it and start a new one", m.conversation_id());

  v1::Message message;
  message.set_conversation_id(m.conversation_id());
  message.set_client_message_id(m.client_message_id());
  message.set_sender_role(s.role);
  message.set_sender_id(s.participant_id);
  message.set_sender_name(state_.name_of(s));
  message.set_text(m.text());
  message.set_server_time_ms(clock_.now_ms());
  mask_secrets(*c, message);
  const auto result = log_.append(std::move(message));
  present_.ack(s, req, m.conversation_id(), &result.stored, result.duplicate);
  if (result.duplicate) return;
  c->text_bytes += result.stored.text().size();
  emit_appended(result.stored);
}

void Service::on_typing(Session& s, const v1::Typing& m) {
  // Typing indicators are best effort: a stale one is dropped without an answer.
  Conversation* c = member_conversation(s, 0, m.conversation_id(), true);
  if (!c || c->info.state() == v1::CONVERSATION_STATE_CLOSED) return;
  if (s.role == v1::ROLE_VISITOR || is_assigned_agent(s, *c) ||
      (oversees(s.role) && present_.watching(s.id, c->info.conversation_id())))
    present_.typing(s, *c, m.typing());
}

void Service::on_mark_read(Session& s, std::uint32_t req, const v1::MarkRead& m) {
  Conversation* c = member_conversation(s, req, m.conversation_id());
  if (!c) return;
  if (m.seq() > log_.last_seq(m.conversation_id()))
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "seq is beyond the last message",
                      m.conversation_id());
  const bool visitor = s.role == v1::ROLE_VISITOR;
  if (!visitor && !is_assigned_agent(s, *c)) return;
  auto& read = visitor ? c->visitor_read_seq : c->agent_read_seq;
  if (m.seq() <= read) return;
  read = m.seq();
  changed(*c);
  present_.read(*c, s.role, m.seq());
}

void Service::on_close(Session& s, std::uint32_t req, const v1::CloseChat& m) {
  Conversation* c = member_conversation(s, req, m.conversation_id());
  if (!c) return;
  if (c->info.state() == v1::CONVERSATION_STATE_CLOSED)
    return present_.error(s, req, v1::ERROR_CODE_ALREADY_DONE, "the chat is already closed", m.conversation_id());
  if (takes_chats(s.role) && !is_assigned_agent(s, *c))
    return present_.error(s, req, v1::ERROR_CODE_FORBIDDEN, "only the assigned agent may close this chat",
                      m.conversation_id());
  if (!v1::CloseReason_IsValid(m.reason()))
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "unknown close reason");
  if (m.reason() == v1::CLOSE_REASON_REQUEST_LEFT)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "a chat becomes a request through /api/requests/from-chat");
  if (utf8_length(m.comment()) > field::reason_chars)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "comment is too long");

  present_.ack(s, req, m.conversation_id());
  const auto reason = m.reason() == v1::CLOSE_REASON_UNSPECIFIED && s.role == v1::ROLE_VISITOR
                          ? v1::CLOSE_REASON_VISITOR_LEFT
                          : m.reason();
  close_conversation(*c, s.role, s.participant_id, reason, m.comment(),
                     notice_of(s.role == v1::ROLE_VISITOR ? v1::NOTICE_KIND_VISITOR_ENDED : v1::NOTICE_KIND_CLOSED));
  if (oversees(s.role)) present_.closed_to(s, *c);
}

void Service::close_conversation(Conversation& c, v1::Role closed_by, const std::string& closer_id,
                                 v1::CloseReason reason, const std::string& comment, const v1::SystemNotice& notice) {
  const auto& id = c.info.conversation_id();
  changed(c);
  state_.queues.remove(id);
  if (!c.info.agent_id().empty()) {
    changed(state_.agents.at(c.info.agent_id()));
    state_.agents.at(c.info.agent_id()).open.erase(id);
    state_.wait_estimator.record_handle_time(static_cast<double>(clock_.now_ms() - c.assigned_ms) / 1000.0);
  }
  c.info.set_state(v1::CONVERSATION_STATE_CLOSED);
  c.closed_ms = clock_.now_ms();
  c.closed_by = closed_by;
  c.close_reason = reason;
  c.close_comment = comment;
  if (auto v = state_.visitors.find(c.info.visitor_id()); v != state_.visitors.end() && v->second.sessions.empty())
    schedule_visitor_check(v->second, c.closed_ms);
  // Both sides read the notice, then learn the chat is closed (the agent still
  // holds it until then).
  append_system(c, notice);
  emit(id, closer_id, [&](events::Event& e) {
    auto* closed = e.mutable_chat_closed();
    closed->set_closed_by(closed_by);
    closed->set_reason(reason);
    closed->set_agent_id(c.info.agent_id());
  });
  c.info.set_agent_id("");
}

// ---------------------------------------------------------------- staff frames

void Service::on_set_status(Session& s, std::uint32_t req, const v1::SetAgentStatus& m) {
  Agent& agent = state_.agents.at(s.participant_id);
  const auto status = m.status();
  if (status != v1::AGENT_STATUS_ONLINE && status != v1::AGENT_STATUS_AWAY && status != v1::AGENT_STATUS_OFFLINE)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "status must be online, away or offline");
  if (m.capacity() > agent.account->max_capacity)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT,
                      "capacity is above your maximum of " + std::to_string(agent.account->max_capacity));
  if (status == v1::AGENT_STATUS_OFFLINE && !agent.open.empty())
    return present_.error(s, req, v1::ERROR_CODE_WRONG_STATE, "close or transfer your open chats first");
  set_status(agent, status, s.participant_id);
  if (m.capacity() != 0) agent.capacity = m.capacity();
  changed(agent);
  present_.ack(s, req, {});
}

void Service::on_accept(Session& s, std::uint32_t req, const v1::AcceptChat& m) {
  auto it = state_.conversations.find(m.conversation_id());
  if (it == state_.conversations.end())
    return present_.error(s, req, v1::ERROR_CODE_NOT_FOUND, "no such chat", m.conversation_id());
  Conversation& c = it->second;
  auto key = state_.queues.key_of(m.conversation_id());
  if (!key) return present_.error(s, req, v1::ERROR_CODE_WRONG_STATE, "the chat is not waiting", m.conversation_id());
  Agent& agent = state_.agents.at(s.participant_id);
  if (!eligible(agent, *key, false))
    return present_.error(s, req, v1::ERROR_CODE_FORBIDDEN, "this chat is not in a queue you serve",
                      m.conversation_id());
  if (agent.open.size() >= agent.capacity)
    return present_.error(s, req, v1::ERROR_CODE_AT_CAPACITY, "you have no free chat slot", m.conversation_id());
  present_.ack(s, req, m.conversation_id());
  assign(c, agent, s.participant_id);
}

void Service::on_transfer(Session& s, std::uint32_t req, const v1::TransferChat& m) {
  Conversation* c = member_conversation(s, req, m.conversation_id());
  if (!c) return;
  if (c->info.state() != v1::CONVERSATION_STATE_ASSIGNED)
    return present_.error(s, req, v1::ERROR_CODE_WRONG_STATE, "only an assigned chat can be transferred",
                      m.conversation_id());
  if (takes_chats(s.role) && !is_assigned_agent(s, *c))
    return present_.error(s, req, v1::ERROR_CODE_FORBIDDEN, "only the assigned agent may transfer this chat");
  auto target_it = state_.agents.find(m.to_agent_id());
  if (target_it == state_.agents.end() || !takes_chats(target_it->second.account->role))
    return present_.error(s, req, v1::ERROR_CODE_NOT_FOUND, "no such agent");
  Agent& target = target_it->second;
  if (m.to_agent_id() == c->info.agent_id())
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "the chat is already with that agent");
  const std::uint32_t needed_tier = c->info.tier();
  const std::uint32_t target_tier = target.account->role == v1::ROLE_TIER2 ? 2 : 1;
  if (needed_tier != target_tier)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT,
                      "transfer stays within a tier; use EscalateChat to reach tier 2");
  if (target.sessions.empty() || target.status != v1::AGENT_STATUS_ONLINE)
    return present_.error(s, req, v1::ERROR_CODE_WRONG_STATE, "that agent is not online");
  if (target.open.size() >= target.capacity)
    return present_.error(s, req, v1::ERROR_CODE_AT_CAPACITY, "that agent has no free chat slot");
  if (utf8_length(m.note()) > field::note_chars)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "note is too long");

  const std::string from = c->info.agent_name();
  emit(c->info.conversation_id(), s.participant_id, [&](events::Event& e) {
    e.mutable_chat_transferred()->set_from_agent_id(c->info.agent_id());
    e.mutable_chat_transferred()->set_to_agent_id(target.account->id);
  });
  release(*c, "transferred to " + target.account->display_name, s.participant_id);
  add_note(*c, s.participant_id, state_.name_of(s), "transfer",
           "Transferred from " + from + " to " + target.account->display_name +
               (m.note().empty() ? "" : ": " + m.note()));
  present_.ack(s, req, m.conversation_id());
  assign(*c, target, s.participant_id);
}

void Service::on_escalate(Session& s, std::uint32_t req, const v1::EscalateChat& m) {
  Conversation* c = member_conversation(s, req, m.conversation_id());
  if (!c) return;
  if (c->info.state() != v1::CONVERSATION_STATE_ASSIGNED || c->info.tier() >= 2)
    return present_.error(s, req, v1::ERROR_CODE_WRONG_STATE, "only a tier-1 chat with an agent can be escalated",
                      m.conversation_id());
  if (takes_chats(s.role) && !is_assigned_agent(s, *c))
    return present_.error(s, req, v1::ERROR_CODE_FORBIDDEN, "only the assigned agent may escalate this chat");
  if (blank(m.reason()) || utf8_length(m.reason()) > field::reason_chars)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "reason must be 1 to 500 characters");
  if (utf8_length(m.note()) > field::note_chars)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "note is too long");

  c->escalation_reason = m.reason();
  c->escalated_by = state_.name_of(s);
  // Tier 2 (and supervisors) hear of it first; then the note, the release and
  // the new place in line follow.
  emit(c->info.conversation_id(), s.participant_id,
       [&](events::Event& e) { e.mutable_chat_escalated()->set_from_agent_id(c->info.agent_id()); });
  add_note(*c, s.participant_id, c->escalated_by, "escalation",
           "Escalated to tier 2: " + m.reason() + (m.note().empty() ? "" : "\n" + m.note()));
  release(*c, "escalated to tier 2", s.participant_id);
  changed(*c);
  c->info.set_tier(2);
  c->info.set_state(v1::CONVERSATION_STATE_QUEUED);
  c->info.set_queued_ms(clock_.now_ms());
  c->requeued = false;
  state_.queues.push_back(c->info.conversation_id(), queue_for(2, c->info.category()));
  emit(c->info.conversation_id(), {}, [&](events::Event& e) {
    e.mutable_chat_queued()->set_tier(2);
    e.mutable_chat_queued()->set_category(c->info.category());
  });
  append_system(*c, v1::NOTICE_KIND_ESCALATING);
  present_.ack(s, req, m.conversation_id());
}

void Service::on_add_note(Session& s, std::uint32_t req, const v1::AddNote& m) {
  Conversation* c = member_conversation(s, req, m.conversation_id());
  if (!c) return;
  if (blank(m.text()) || utf8_length(m.text()) > field::note_chars)
    return present_.error(s, req, v1::ERROR_CODE_INVALID_ARGUMENT, "note must be 1 to 2000 characters");
  add_note(*c, s.participant_id, state_.name_of(s), "note", m.text());
  present_.ack(s, req, m.conversation_id());
}

// ---------------------------------------------------------------- domain actions

Conversation* Service::member_conversation(Session& s, std::uint32_t req, const std::string& id,
                                                    bool quiet) {
  auto it = state_.conversations.find(id);
  const bool found = it != state_.conversations.end();
  bool member = false;
  if (found) {
    if (s.role == v1::ROLE_VISITOR) member = it->second.info.visitor_id() == s.participant_id;
    else if (oversees(s.role)) member = true;
    else member = is_assigned_agent(s, it->second);
  }
  if (member) return &it->second;
  if (quiet) return nullptr;
  if (!found || s.role == v1::ROLE_VISITOR)
    present_.error(s, req, v1::ERROR_CODE_NOT_FOUND, "no such chat", id);
  else
    present_.error(s, req, v1::ERROR_CODE_FORBIDDEN, "this chat is not assigned to you", id);
  return nullptr;
}

bool Service::is_assigned_agent(const Session& s, const Conversation& c) const {
  return takes_chats(s.role) && c.info.state() == v1::CONVERSATION_STATE_ASSIGNED &&
         c.info.agent_id() == s.participant_id;
}

void Service::assign(Conversation& c, Agent& agent, const std::string& by) {
  changed(c);
  changed(agent);
  const auto now = clock_.now_ms();
  const auto& id = c.info.conversation_id();
  state_.queues.remove(id);
  c.info.set_state(v1::CONVERSATION_STATE_ASSIGNED);
  c.info.set_agent_id(agent.account->id);
  c.info.set_agent_name(agent.account->display_name);
  c.assigned_ms = now;
  c.requeued = false;
  c.last_agent_id = agent.account->id;
  agent.open.insert(id);
  agent.last_assigned_ms = now;
  // The visitor reads who joined; the event then brings the agent the chat.
  append_system(c, c.info.tier() >= 2 ? v1::NOTICE_KIND_SENIOR_JOINED : v1::NOTICE_KIND_AGENT_JOINED,
                agent.account->display_name);
  emit(id, by, [&](events::Event& e) {
    auto* assigned = e.mutable_chat_assigned();
    assigned->set_agent_id(agent.account->id);
    assigned->set_tier(c.info.tier());
    assigned->set_waited_ms(now - c.info.queued_ms());
    assigned->set_accepted(!by.empty());
  });
}

// Takes the chat away from its agent and tells every session of that agent.
void Service::release(Conversation& c, const std::string& reason, const std::string& by) {
  auto it = state_.agents.find(c.info.agent_id());
  if (it == state_.agents.end()) return;
  changed(c);
  changed(it->second);
  it->second.open.erase(c.info.conversation_id());
  c.info.set_agent_id("");
  c.info.set_agent_name("");
  emit(c.info.conversation_id(), by, [&](events::Event& e) {
    e.mutable_chat_released()->set_agent_id(it->first);
    e.mutable_chat_released()->set_reason(reason);
  });
}

void Service::requeue_front(Conversation& c) {
  changed(c);
  c.info.set_state(v1::CONVERSATION_STATE_QUEUED);
  c.requeued = true;
  state_.queues.push_front(c.info.conversation_id(), queue_for(c.info.tier(), c.info.category()));
  emit(c.info.conversation_id(), {}, [&](events::Event& e) {
    e.mutable_chat_queued()->set_tier(c.info.tier());
    e.mutable_chat_queued()->set_category(c.info.category());
    e.mutable_chat_queued()->set_front(true);
  });
  append_system(c, v1::NOTICE_KIND_AGENT_DISCONNECTED);
}

void Service::mask_secrets(Conversation& c, v1::Message& message) {
  constexpr std::int64_t window_ms = 60'000;
  constexpr std::size_t phrase_words = 12;
  const int side = message.sender_role() == v1::ROLE_VISITOR ? 0 : 1;
  const auto now = message.server_time_ms();
  auto& tail = c.secret_words_tail[side];
  const bool recent = now - c.secret_words_ms[side] <= window_ms;
  const auto runs = secrets::word_runs(message.text());
  const auto earlier = recent ? tail : 0;
  auto masked = earlier > 0 && runs.leading > 0 && earlier + runs.leading >= phrase_words
                    ? secrets::mask_leading_words(message.text())
                    : secrets::mask(message.text());
  const bool phrase_masked =
      std::find(masked.kinds.begin(), masked.kinds.end(), secrets::Kind::seed_phrase) != masked.kinds.end();
  tail = phrase_masked ? 0 : runs.only_words ? earlier + runs.leading : runs.trailing;
  c.secret_words_ms[side] = now;
  if (!masked.changed()) return;
  message.set_text(std::move(masked.text));
  for (auto kind : masked.kinds) message.add_masked_secrets(secrets::name(kind));
  ++secrets_masked_;
}

void Service::append_system(Conversation& c, v1::NoticeKind kind, const std::string& agent_name) {
  append_system(c, notice_of(kind, agent_name));
}

void Service::append_system(Conversation& c, const v1::SystemNotice& notice) {
  v1::Message message;
  message.set_conversation_id(c.info.conversation_id());
  message.set_system(true);
  message.set_sender_name("Parley");
  *message.mutable_notice() = notice;
  message.set_text(notice_text(message.notice()));
  message.set_server_time_ms(clock_.now_ms());
  emit_appended(log_.append(std::move(message)).stored);
}

void Service::emit_appended(const v1::Message& stored) {
  emit(stored.conversation_id(), stored.sender_id(), [&](events::Event& e) {
    auto* appended = e.mutable_message_appended();
    appended->set_seq(stored.seq());
    appended->set_sender_role(stored.sender_role());
    appended->set_system(stored.system());
    appended->set_chars(static_cast<std::uint32_t>(utf8_length(stored.text())));
  });
}

void Service::set_status(Agent& agent, v1::AgentStatus status, const std::string& actor_id) {
  if (agent.status == status) return;
  agent.status = status;
  changed(agent);
  emit({}, actor_id, [&](events::Event& e) {
    e.mutable_agent_status_changed()->set_agent_id(agent.account->id);
    e.mutable_agent_status_changed()->set_status(status);
    e.mutable_agent_status_changed()->set_by_system(actor_id.empty());
  });
}

void Service::add_note(Conversation& c, const std::string& author_id, const std::string& author_name,
                       std::string kind, std::string text) {
  changed(c);
  v1::Note& note = c.notes.emplace_back();
  note.set_conversation_id(c.info.conversation_id());
  note.set_author_id(author_id);
  note.set_author_name(author_name);
  note.set_kind(std::move(kind));
  note.set_text(std::move(text));
  note.set_server_time_ms(clock_.now_ms());
  emit(c.info.conversation_id(), author_id, [&](events::Event& e) { e.mutable_note_added()->set_kind(note.kind()); });
}

void Service::settle() {
  dispatch();
  present_.refresh();
}

// Serves queue fronts in order of (requeued first, longest waiting) while some
// eligible agent has a free slot. Each queue's entries share one category, so
// if its front cannot be served, nothing behind it can be either.
void Service::dispatch() {
  for (;;) {
    Conversation* best = nullptr;
    Agent* best_agent = nullptr;
    for (const auto& [key, entries] : state_.queues.queues()) {
      Conversation& front = state_.conversations.at(entries.front());
      std::vector<RoutingCandidate> candidates;
      for (const auto& [id, agent] : state_.agents) {
        if (!eligible(agent, key, true)) continue;
        candidates.push_back({id, static_cast<std::uint32_t>(agent.open.size()), agent.capacity,
                              agent.last_assigned_ms});
      }
      auto picked = pick_least_loaded(candidates);
      if (!picked) continue;
      auto rank = [](const Conversation& c) { return std::make_pair(!c.requeued, c.info.queued_ms()); };
      if (!best || rank(front) < rank(*best)) {
        best = &front;
        best_agent = &state_.agents.at(*picked);
      }
    }
    if (!best) return;
    assign(*best, *best_agent);
  }
}

void Service::save_record(const Conversation& c, parley::state::v1::StateImage& image) const {
  auto* r = image.add_conversations();
  *r->mutable_info() = c.info;
  for (const auto& note : c.notes) *r->add_notes() = note;
  r->set_first_client_message_id(c.first_client_message_id);
  r->set_visitor_read_seq(c.visitor_read_seq);
  r->set_agent_read_seq(c.agent_read_seq);
  r->set_assigned_ms(c.assigned_ms);
  r->set_requeued(c.requeued);
  r->set_last_agent_id(c.last_agent_id);
  if (c.rating) *r->mutable_rating() = *c.rating;
  r->set_closed_ms(c.closed_ms);
  r->set_senior_reason(c.senior_reason);
  r->set_escalation_reason(c.escalation_reason);
  r->set_escalated_by(c.escalated_by);
  r->set_close_comment(c.close_comment);
  r->set_closed_by(c.closed_by);
  r->set_close_reason(c.close_reason);
}

void Service::save_record(const Visitor& v, parley::state::v1::StateImage& image) const {
  auto* r = image.add_visitors();
  r->set_id(v.id);
  r->set_name(v.name);
  r->set_resume_token(v.resume_token);
  r->set_conversation_id(v.conversation_id);
  r->set_verified_site(v.verified_site);
  r->set_customer_id(v.customer_id);
  r->set_customer_email(v.customer_email);
  r->set_previous_resume_token(v.previous_token);
  r->set_previous_token_until_ms(v.previous_token_until_ms);
}

void Service::save_record(const Agent& a, parley::state::v1::StateImage& image) const {
  auto* r = image.add_agents();
  r->set_id(a.account->id);
  r->set_status(a.status);
  r->set_capacity(a.capacity);
  for (const auto& open : a.open) r->add_open(open);
  r->set_last_assigned_ms(a.last_assigned_ms);
}

void Service::save_queues(parley::state::v1::StateImage& image) const {
  image.set_queues_included(true);
  for (const auto& [key, entries] : state_.queues.queues()) {
    auto* r = image.add_queues();
    r->set_tier(key.tier);
    r->set_category(key.category);
    for (const auto& id : entries) r->add_conversation_ids(id);
  }
}

parley::state::v1::StateImage Service::export_state() const {
  parley::state::v1::StateImage image;
  for (const auto& [id, c] : state_.conversations) save_record(c, image);
  for (const auto& [id, v] : state_.visitors) save_record(v, image);
  for (const auto& [id, a] : state_.agents) save_record(a, image);
  save_queues(image);
  image.set_average_handle_seconds(state_.wait_estimator.average_handle_seconds());
  image.set_store_id(store_id_);
  return image;
}

parley::state::v1::StateImage Service::export_changes() {
  parley::state::v1::StateImage delta = std::exchange(evicted_changes_, {});
  for (const auto& id : changed_conversations_)
    if (auto it = state_.conversations.find(id); it != state_.conversations.end()) save_record(it->second, delta);
  for (const auto& id : changed_visitors_) {
    if (auto it = state_.visitors.find(id); it != state_.visitors.end()) save_record(it->second, delta);
    else delta.add_forgotten_visitors(id);
  }
  for (const auto& id : changed_agents_)
    if (auto it = state_.agents.find(id); it != state_.agents.end()) save_record(it->second, delta);
  if (state_.queues.version() != exported_queue_version_ || store_id_unsaved_) {
    save_queues(delta);
    exported_queue_version_ = state_.queues.version();
    store_id_unsaved_ = false;
  }
  delta.set_store_id(store_id_);  // the queues record carries it
  delta.set_average_handle_seconds(state_.wait_estimator.average_handle_seconds());
  changed_conversations_.clear();
  changed_visitors_.clear();
  changed_agents_.clear();
  return delta;
}

bool Service::import_state(const parley::state::v1::StateImage& image) {
  if (!state_.sessions.empty()) return false;
  // Check references first, so a bad image changes nothing.
  std::set<std::string> conversation_ids;
  for (const auto& r : image.conversations()) conversation_ids.insert(r.info().conversation_id());
  for (const auto& r : image.visitors())
    if (!r.conversation_id().empty() && !conversation_ids.count(r.conversation_id())) return false;
  for (const auto& r : image.agents())
    for (const auto& open : r.open())
      if (!conversation_ids.count(open)) return false;
  for (const auto& q : image.queues())
    for (const auto& id : q.conversation_ids())
      if (!conversation_ids.count(id)) return false;

  const auto now = clock_.now_ms();
  state_.conversations.clear();
  state_.visitors.clear();
  state_.visitor_by_token.clear();
  visitor_checks_.clear();
  if (!image.store_id().empty()) {
    store_id_ = image.store_id();
    store_id_unsaved_ = false;
  } else {
    store_id_unsaved_ = true;  // a new store (or one that was lost): its generation is saved with the next change
  }
  state_.queues = QueueSet();
  for (const auto& r : image.conversations()) {
    Conversation& c = state_.conversations[r.info().conversation_id()];
    c.info = r.info();
    c.notes.assign(r.notes().begin(), r.notes().end());
    c.first_client_message_id = r.first_client_message_id();
    c.visitor_read_seq = r.visitor_read_seq();
    c.agent_read_seq = r.agent_read_seq();
    c.assigned_ms = r.assigned_ms();
    c.requeued = r.requeued();
    c.last_agent_id = r.last_agent_id();
    if (r.has_rating()) c.rating = r.rating();
    c.closed_ms = r.closed_ms();
    c.senior_reason = r.senior_reason();
    c.escalation_reason = r.escalation_reason();
    c.escalated_by = r.escalated_by();
    c.close_comment = r.close_comment();
    c.closed_by = r.closed_by();
    c.close_reason = r.close_reason();
  }
  for (const auto& r : image.visitors()) {
    Visitor& v = state_.visitors[r.id()];
    v.id = r.id();
    v.name = r.name();
    v.resume_token = r.resume_token();
    v.conversation_id = r.conversation_id();
    v.verified_site = r.verified_site();
    v.customer_id = r.customer_id();
    v.customer_email = r.customer_email();
    v.previous_token = r.previous_resume_token();
    v.previous_token_until_ms = r.previous_token_until_ms();
    v.away_since_ms = now;
    state_.visitor_by_token[v.resume_token] = v.id;
    if (!v.previous_token.empty()) state_.visitor_by_token[v.previous_token] = v.id;
    schedule_visitor_check(v, now + limits_.visitor_timeout_ms);
  }
  for (const auto& r : image.agents()) {
    auto it = state_.agents.find(r.id());
    if (it == state_.agents.end()) continue;  // account removed since: its chats are requeued below
    Agent& a = it->second;
    a.status = r.status();
    a.capacity = std::min(r.capacity(), a.account->max_capacity);
    a.open = {r.open().begin(), r.open().end()};
    a.last_assigned_ms = r.last_assigned_ms();
    if (!a.open.empty()) a.grace_deadline_ms = now + limits_.grace_period_ms;
  }
  for (const auto& q : image.queues())
    for (const auto& id : q.conversation_ids()) state_.queues.push_back(id, queue_for(q.tier(), q.category()));
  // What was just loaded is what the store holds; only later changes are news.
  changed_conversations_.clear();
  changed_visitors_.clear();
  changed_agents_.clear();
  exported_queue_version_ = state_.queues.version();
  // Closed chats no visitor can reach any more stay in the store only.
  std::vector<std::string> closed;
  for (const auto& [id, c] : state_.conversations)
    if (c.info.state() == v1::CONVERSATION_STATE_CLOSED) closed.push_back(id);
  for (const auto& id : closed) evict_if_unreachable(id);
  evicted_changes_.Clear();  // they came from the store: nothing to write back
  // A chat whose agent no longer exists goes back to the front of its queue.
  for (auto& [id, c] : state_.conversations)
    if (c.info.state() == v1::CONVERSATION_STATE_ASSIGNED && !state_.agents.count(c.info.agent_id())) {
      c.info.set_agent_id("");
      requeue_front(c);
    }
  state_.wait_estimator.set_average_handle_seconds(image.average_handle_seconds() > 0 ? image.average_handle_seconds() : 180);
  present_.reset();
  return true;
}

bool Service::announce_ticket(const std::string& conversation_id, std::uint64_t number, std::int64_t due_ms) {
  auto it = state_.conversations.find(conversation_id);
  if (it == state_.conversations.end() || it->second.info.state() == v1::CONVERSATION_STATE_CLOSED) return false;
  append_system(it->second, ticket_notice(number, due_ms));
  return true;
}

std::optional<v1::ConversationState> Service::visitor_chat_state(const std::string& resume_token,
                                                                 const std::string& conversation_id) const {
  if (resume_token.empty()) return std::nullopt;
  auto v = state_.visitor_by_token.find(resume_token);
  if (v == state_.visitor_by_token.end()) return std::nullopt;
  const Conversation* c = state_.conversation(conversation_id);
  if (!c || c->info.visitor_id() != v->second) return std::nullopt;
  return c->info.state();
}

bool Service::visitor_chat_waiting(const std::string& resume_token, const std::string& conversation_id) const {
  const auto state = visitor_chat_state(resume_token, conversation_id);
  return state && *state != v1::CONVERSATION_STATE_CLOSED && state_.queues.key_of(conversation_id).has_value();
}

bool Service::divert_to_ticket(const std::string& conversation_id, std::uint64_t number, std::int64_t due_ms) {
  auto it = state_.conversations.find(conversation_id);
  if (it == state_.conversations.end() || it->second.info.state() == v1::CONVERSATION_STATE_CLOSED) return false;
  Conversation& c = it->second;
  if (!state_.queues.key_of(conversation_id)) {  // an agent took it in the meantime: they answer, and know
    append_system(c, ticket_notice(number, due_ms));
    settle();
    return true;
  }
  close_conversation(c, v1::ROLE_VISITOR, c.info.visitor_id(), v1::CLOSE_REASON_REQUEST_LEFT, {},
                     ticket_notice(number, due_ms));
  settle();
  return true;
}

ErasureResult Service::erase_customer(const std::string& customer_id, const std::string& visitor_id,
                                     const std::string& by) {
  if (customer_id.empty() == visitor_id.empty()) return ErasureResult::unsupported;
  auto theirs = [&](const std::string& customer, const std::string& visitor) {
    return customer_id.empty() ? visitor == visitor_id : customer == customer_id;
  };
  std::vector<std::string> visitors, chats;
  for (const auto& [id, v] : state_.visitors)
    if (theirs(v.customer_id, id)) visitors.push_back(id);
  for (const auto& [id, c] : state_.conversations) {
    if (!theirs(c.info.customer_id(), c.info.visitor_id())) continue;
    if (c.info.state() != v1::CONVERSATION_STATE_CLOSED) return ErasureResult::open_chat;
    chats.push_back(id);
  }
  for (const auto& id : visitors) {
    Visitor& v = state_.visitors.at(id);
    // Their open connections end now and no longer name the visitor (who is about to be forgotten).
    for (const auto session : v.sessions)
      if (auto s = state_.sessions.find(session); s != state_.sessions.end()) {
        s->second.authenticated = false;
        s->second.participant_id.clear();
        present_.close(s->second, close_policy_violation, "this visitor's data was erased");
      }
    v.sessions.clear();
    forget_visitor(v);
  }
  // Their closed chats leave memory (most went with their visitor already).
  for (const auto& id : chats) evict_if_unreachable(id);
  emit({}, by, [&](events::Event& e) {
    e.mutable_customer_erased()->set_customer_id(customer_id);
    e.mutable_customer_erased()->set_visitor_id(visitor_id);
  });
  return ErasureResult::erased;
}

void Service::close_all(std::uint16_t code, const std::string& reason) {
  present_.close_all(code, reason);
}

ServiceStats Service::stats() const {
  ServiceStats stats;
  stats.sessions = state_.sessions.size();
  stats.visitors = state_.visitors.size();
  stats.queued_tier1 = state_.queues.size(1);
  stats.queued_tier2 = state_.queues.size(2);
  // Open chats are the queued ones and those agents hold: counted without
  // walking every conversation ever held (/healthz asks often).
  stats.open_conversations = stats.queued_tier1 + stats.queued_tier2;
  for (const auto& [id, agent] : state_.agents) {
    stats.open_conversations += agent.open.size();
    if (agent.status == v1::AGENT_STATUS_ONLINE && !agent.sessions.empty()) ++stats.agents_online;
  }
  stats.secrets_masked = secrets_masked_;
  for (const auto& [key, line] : state_.queues.queues()) {
    if (line.empty()) continue;
    QueueStats queue{key.tier >= 2 ? "tier2" : category_queue_name(key.category), line.size(), 0};
    if (const Conversation* c = state_.conversation(line.front())) queue.oldest_queued_ms = c->info.queued_ms();
    stats.queues.push_back(std::move(queue));
  }
  return stats;
}

}  // namespace parley::chat
