#pragma once
// The live-chat core: decides what happens to sessions, visitors, agents,
// conversations and queues (routing, presence, transfer, escalation, closing,
// lifetimes) and emits one domain event per decision (chat/events.hpp). It
// builds no frames itself: chat::Presenter turns its events, and its replies
// to whoever asked, into frames for the sessions. Runs on one executor (the
// "hub"); every public member must be called from it. No network or storage
// code here: connections are Outlets, storage is the MessageLog and the
// event listeners.

#include "chat/clock.hpp"
#include "chat/ended_sign_ins.hpp"
#include "chat/events.hpp"
#include "chat/message_log.hpp"
#include "chat/presenter.hpp"
#include "chat/state.hpp"
#include "parley/v1/state.pb.h"
#include "util/token_bucket.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::chat {

// A system notice's English text (Message.text beside its code).
std::string notice_text(const v1::SystemNotice& notice);

enum class ErasureResult { erased, open_chat, unavailable, unsupported };

struct QueueStats {
  std::string name;  // "deposit", ... for tier 1 (category_queue_name), "tier2"
  std::size_t length = 0;
  std::int64_t oldest_queued_ms = 0;  // when the chat at the front was queued (0: empty)
};

struct ServiceStats {
  std::size_t sessions = 0;
  std::size_t visitors = 0;
  std::size_t open_conversations = 0;
  std::size_t queued_tier1 = 0;
  std::size_t queued_tier2 = 0;
  std::size_t agents_online = 0;
  std::uint64_t secrets_masked = 0;  // messages this node masked a secret in, since it started
  std::vector<QueueStats> queues;    // those with someone waiting
  // Several nodes: "leader" or "follower" (this node's part); none on one node.
  std::optional<std::string> cluster_role;
};

class Service {
 public:
  Service(ServiceLimits limits, const AccountDirectory& accounts, MessageLog& log, const Clock& clock);

  // `address` is empty when unknown: then no per-address limit applies.
  void attach(SessionId session, std::shared_ptr<Outlet> outlet, const std::string& address = {});
  void handle(SessionId session, const v1::ClientFrame& frame);
  // with_grace = false: the connection's node died and its time to come back
  // has already passed, so an agent left without sessions goes offline at once.
  void detach(SessionId session, bool with_grace = true);
  // Ends grace periods that ran out by clock.now_ms() (the agent goes offline
  // and their chats return to the front of their queues) and closes
  // connections that never said Hello. Called on a timer by the server.
  void advance();

  // The agents file changed: connections of disabled accounts, of accounts
  // whose password or role changed, are closed (4001) and their chats requeued.
  void update_accounts(const AccountDirectory& accounts);
  // The hours file changed: visitors choosing a queue are told at once.
  void update_hours(std::shared_ptr<const hours::BusinessHours> hours);
  // Logout: closes the agent's connections made with that sign-in (all of the
  // agent's connections if token_id is empty), and refuses any later Hello of
  // that sign-in until `expires_at_ms`, even one whose token was checked
  // before the logout.
  void sign_out(const std::string& agent_id, const std::string& token_id, std::int64_t expires_at_ms = 0);

  // A staff member made a ticket of this chat (server/tickets): the chat
  // says so, with the ticket's number and reply-by time, to everyone in it.
  // False if there is no such open chat.
  bool announce_ticket(const std::string& conversation_id, std::uint64_t number, std::int64_t due_ms);

  // The visitor holding `resume_token` has this chat waiting in a queue (no
  // agent yet): they may leave it as a request (POST /api/requests/from-chat).
  bool visitor_chat_waiting(const std::string& resume_token, const std::string& conversation_id) const;
  // The state of this chat if the visitor holding `resume_token` is its visitor.
  std::optional<v1::ConversationState> visitor_chat_state(const std::string& resume_token,
                                                          const std::string& conversation_id) const;
  // The visitor's waiting chat became request `number`: the chat says so and,
  // if still waiting, closes (CLOSE_REASON_REQUEST_LEFT, no rating prompt).
  // An agent who took it meanwhile keeps it, and reads the notice. False if
  // there is no such open chat.
  bool divert_to_ticket(const std::string& conversation_id, std::uint64_t number, std::int64_t due_ms);

  // A customer's erasure request (by verified customer id, or by visitor id):
  // refused while one of their chats is open; else their visitors are
  // forgotten (resume tokens die), their closed chats leave memory, and a
  // CustomerErased event tells the store to anonymise every conversation of
  // theirs in the same commit. `by`: the staff member asking.
  ErasureResult erase_customer(const std::string& customer_id, const std::string& visitor_id, const std::string& by);

  // Asks every connection to close (e.g. 1001 on shutdown); they detach as they go.
  void close_all(std::uint16_t code, const std::string& reason);

  ServiceStats stats() const;
  const ServiceLimits& limits() const { return limits_; }

  // `listener` hears every domain event from now on (chat/events.hpp). Not
  // owned: it must outlive the Service or never be called again.
  void subscribe(EventListener& listener) { listeners_.push_back(&listener); }

  // Everything a successor needs to continue: chats, queues, visitors' resume
  // tokens, agents' status and chats. Connections are not part of it.
  parley::state::v1::StateImage export_state() const;
  // Loads an image into a Service that has no sessions yet. Agents with open
  // chats get a fresh grace period to reconnect; visitors, a fresh visitor
  // timeout. Returns false (loading nothing) if the image is inconsistent.
  bool import_state(const parley::state::v1::StateImage& image);
  // Only what changed since the last call (or import): the records of changed
  // chats, visitors and agents, and the queues if any moved. Empty if nothing did.
  parley::state::v1::StateImage export_changes();

 private:
  void end_staff_session(SessionId id, const char* reason);
  using Frame = v1::ClientFrame;
  void verify_visitor(Visitor& visitor, const v1::VerifiedIdentity& identity);
  static void mark_verified(v1::ConversationInfo& info, const Visitor& visitor);

  // Frame handlers. `req` is the frame's request_id, echoed in Ack/Error.
  void on_hello(Session& s, const Frame& f);
  void on_visitor_hello(Session& s, const Frame& f, const Presenter::Cursors& cursors);
  void on_staff_hello(Session& s, const Frame& f, const Presenter::Cursors& cursors);
  void on_start_chat(Session& s, std::uint32_t req, const v1::StartChat& m);
  void on_send_message(Session& s, std::uint32_t req, const v1::SendMessage& m);
  void on_typing(Session& s, const v1::Typing& m);
  void on_mark_read(Session& s, std::uint32_t req, const v1::MarkRead& m);
  void on_set_status(Session& s, std::uint32_t req, const v1::SetAgentStatus& m);
  void on_accept(Session& s, std::uint32_t req, const v1::AcceptChat& m);
  void on_transfer(Session& s, std::uint32_t req, const v1::TransferChat& m);
  void on_escalate(Session& s, std::uint32_t req, const v1::EscalateChat& m);
  void on_add_note(Session& s, std::uint32_t req, const v1::AddNote& m);
  void on_request_senior(Session& s, std::uint32_t req, const v1::RequestSenior& m);
  void on_close(Session& s, std::uint32_t req, const v1::CloseChat& m);
  void on_rate(Session& s, std::uint32_t req, const v1::RateChat& m);
  void on_fetch_history(Session& s, std::uint32_t req, const v1::FetchHistory& m);
  void on_watch(Session& s, std::uint32_t req, const v1::WatchChat& m);

  // Returns the conversation if the session may act on it, else sends the
  // error (NOT_FOUND to visitors, so they cannot probe for other chats) unless quiet.
  Conversation* member_conversation(Session& s, std::uint32_t req, const std::string& id, bool quiet = false);
  bool is_assigned_agent(const Session& s, const Conversation& c) const;

  // `by`: the staff member who took it (AcceptChat, a transfer); empty when routed.
  void assign(Conversation& c, Agent& agent, const std::string& by = {});
  // Closes the chat for everyone: leaves its queue, frees the agent's slot,
  // appends `notice`; its ChatClosed event tells both sides and prompts the
  // visitor for a rating.
  void close_conversation(Conversation& c, v1::Role closed_by, const std::string& closer_id, v1::CloseReason reason,
                          const std::string& comment, const v1::SystemNotice& notice);
  void release(Conversation& c, const std::string& reason, const std::string& by = {});
  void requeue_front(Conversation& c);
  void append_system(Conversation& c, v1::NoticeKind kind, const std::string& agent_name = {});
  void append_system(Conversation& c, const v1::SystemNotice& notice);
  // Masks the secrets in a message's text before it is stored (server/secrets),
  // also the end of a seed phrase whose start came in the sender's messages of
  // the last minute; notes what was removed on the message.
  void mask_secrets(Conversation& c, v1::Message& message);
  void add_note(Conversation& c, const std::string& author_id, const std::string& author_name,
                std::string kind, std::string text);
  // After every event: route what can be routed, then refresh queue positions
  // and staff views (the Presenter sends only what changed).
  void settle();
  void dispatch();

  // One domain event about `conversation_id` (may be empty) caused by `actor_id`
  // (empty: the system); `fill` sets its kind. Every listener hears it.
  // The Presenter hears it first (the frames it means), then the listeners.
  template <class Fill>
  void emit(const std::string& conversation_id, const std::string& actor_id, Fill fill) {
    events::Event event;
    event.set_at_ms(clock_.now_ms());
    event.set_conversation_id(conversation_id);
    event.set_actor_id(actor_id);
    fill(event);
    present_.on_event(event, origin_);
    for (auto* listener : listeners_) listener->on_event(event);
  }
  void emit_appended(const v1::Message& stored);
  void set_status(Agent& agent, v1::AgentStatus status, const std::string& actor_id);
  std::vector<EventListener*> listeners_;
  std::uint64_t secrets_masked_ = 0;

  ServiceLimits limits_;
  util::KeyedTokenBuckets new_chats_by_address_;
  MessageLog& log_;
  const Clock& clock_;

  ChatState state_;
  Presenter present_{state_, log_, clock_, limits_};
  // The session whose frame is being handled (Presenter::on_event), or none.
  SessionId origin_ = no_session;
  EndedSignIns ended_sign_ins_;
  // When to look at a visitor who is gone again (close their abandoned queued
  // chat, forget them): one entry per away visitor, so each tick looks only at
  // what is due instead of at every visitor ever seen.
  VisitorChecks visitor_checks_;
  // The store generation in every resume token (StateImage::store_id).
  std::string store_id_;
  bool store_id_unsaved_ = true;
  void schedule_visitor_check(Visitor& v, std::int64_t at_ms);
  void unschedule_visitor_check(Visitor& v);
  void check_visitor(const std::string& id, std::int64_t now);
  // When an away visitor may be forgotten; nothing while their chat is with an agent.
  std::optional<std::int64_t> forget_at(const Visitor& v) const;
  void forget_visitor(Visitor& v);
  // A closed conversation no visitor can reach leaves memory (if the log
  // keeps it elsewhere); its last changes still go out with export_changes().
  void evict_if_unreachable(const std::string& conversation_id);
  parley::state::v1::StateImage evicted_changes_;
  std::string new_resume_token() const;
  void save_record(const Conversation& c, parley::state::v1::StateImage& image) const;
  void save_record(const Visitor& v, parley::state::v1::StateImage& image) const;
  void save_record(const Agent& a, parley::state::v1::StateImage& image) const;
  void save_queues(parley::state::v1::StateImage& image) const;
  // What changed since export_changes() last ran.
  void changed(const Conversation& c) { changed_conversations_.insert(c.info.conversation_id()); }
  void changed(const Visitor& v) { changed_visitors_.insert(v.id); }
  void changed(const Agent& a) { changed_agents_.insert(a.account->id); }
  std::set<std::string> changed_conversations_, changed_visitors_, changed_agents_;
  std::uint64_t exported_queue_version_ = 0;
};

}  // namespace parley::chat
