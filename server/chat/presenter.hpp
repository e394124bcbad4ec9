#pragma once
// The live chat as its clients see it: builds wire frames from the core's
// state and hands them to the sessions' outlets, encoded once per audience.
// Driven by the chat core's domain events (on_event: a message appended, a
// chat assigned, released, escalated, closed, rated, a note added ...), plus
// the replies to whoever asked (Welcome, Ack, Error, History) and what is not
// a decision (typing, read marks, visitor presence, queue positions and staff
// views, recomputed after every event by refresh()).
//
// Reads the state, never changes it; the only state it keeps is what it
// last showed (queue positions per waiting chat, staff views), so it can send
// only what changed. Runs on the hub, called by chat::Service.

#include "chat/clock.hpp"
#include "chat/events.hpp"
#include "chat/message_log.hpp"
#include "chat/state.hpp"

#include <array>
#include <set>
#include <cstdint>
#include <string>
#include <unordered_map>

namespace parley::chat {

class Presenter {
 public:
  Presenter(const ChatState& state, const MessageLog& log, const Clock& clock, const ServiceLimits& limits)
      : state_(state), log_(log), clock_(clock), limits_(limits) {}

  // The frames a decision means for everyone it concerns. `origin`: the
  // session whose frame caused it (it got an Ack instead of its own message
  // back), or no_session.
  void on_event(const events::Event& event, SessionId origin);

  // After every event: queue positions to waiting visitors whose place or
  // estimate changed; queue views and the roster to staff where they changed,
  // at most every 100 ms (see tick()).
  void refresh();
  // Time passed: staff views held back by the interval go out now.
  void tick();
  // Staff views must be rebuilt (a chat's details changed in place).
  void staff_views_changed() { staff_views_dirty_ = true; }
  // Availability (business hours, staffing, the wait) to visitors who have
  // no open chat, if it changed; at most once a second (from tick()), or now.
  void publish_availability(bool now = false);
  // A new state was loaded: forget what was shown.
  void reset();

  // ---- replies to one session
  using Cursors = std::unordered_map<std::string, std::uint64_t>;
  // Welcome, then the visitor's chat from their cursor and their place in line.
  void welcome_visitor(const Session& s, const Visitor& visitor, bool resumed, const Cursors& cursors);
  // Welcome, then the agent's open chats from their cursors, HISTORY_LOST for
  // chats the client knew that are gone, the queues the role sees, the roster.
  void welcome_staff(const Session& s, const Agent& agent, bool resumed, const Cursors& cursors);
  void error(const Session& s, std::uint32_t req, v1::ErrorCode code, std::string message,
             std::string conversation_id = {});
  void ack(const Session& s, std::uint32_t req, const std::string& conversation_id,
           const v1::Message* message = nullptr, bool duplicate = false);
  void pong(const Session& s, std::uint64_t nonce);
  void history(const Session& s, const std::string& conversation_id, std::uint64_t after_seq);
  // A supervisor who closed a chat they do not hold learns it is closed.
  void closed_to(const Session& s, const Conversation& c);

  // ---- what is not a decision
  void typing(const Session& from, const Conversation& c, bool typing);
  // Supervisors following chats (WatchChat): a watcher gets the chat's
  // snapshot now, then what its agent gets. At most max_watched per session
  // (false beyond); forgotten when the chat closes or the session goes.
  static constexpr std::size_t max_watched = 20;
  bool watch(SessionId watcher, const Conversation& c);
  void unwatch(SessionId watcher, const std::string& conversation_id);
  bool watching(SessionId watcher, const std::string& conversation_id) const;
  void forget(SessionId session);
  void read(const Conversation& c, v1::Role reader, std::uint64_t seq);
  // The agent of the visitor's open chat sees them come and go.
  void visitor_presence(const Visitor& v);

  void close(const Session& s, std::uint16_t code, std::string reason);
  void close_all(std::uint16_t code, const std::string& reason);

 private:
  // What each waiting visitor was last shown: position, estimated wait, offer.
  struct QueueShown {
    std::uint32_t position = 0;
    std::uint32_t wait_seconds = 0;
    v1::RequestOffer offer = v1::REQUEST_OFFER_NONE;
    bool operator==(const QueueShown&) const = default;
  };
  v1::ServerFrame welcome_frame(const Session& s) const;
  v1::ServerFrame availability() const;
  // What visitors were last told (computed at most once a second by tick(),
  // so a Hello does not compute it again); computed now if nothing was yet.
  protocol::SharedBytes current_availability();
  // A visitor without an open chat (the pre-chat form): they are told availability.
  bool choosing(const Visitor& v) const;
  void publish_queue_status();
  void publish_staff_views();
  // Whether waiting in this queue is worth it (ServiceLimits::offer_requests).
  v1::RequestOffer request_offer(const Conversation& c, QueueKey key, std::uint32_t serving) const;
  v1::ServerFrame queue_status(const Conversation& c, const QueueShown& shown) const;
  v1::ServerFrame queue_snapshot(std::uint32_t tier) const;
  v1::ServerFrame roster() const;
  v1::ServerFrame chats_in_progress() const;
  v1::ServerFrame resume_snapshot(const Conversation& c, std::uint64_t cursor, bool for_staff, bool assigned_to_you) const;
  v1::ServerFrame snapshot(const Conversation& c, std::uint64_t after_seq, bool for_staff, bool assigned_to_you) const;
  struct Page {
    std::vector<v1::Message> messages;
    bool has_more = false;
  };
  Page page_after(const std::string& conversation_id, std::uint64_t after_seq) const;

  void message_appended(const Conversation& c, const events::MessageAppended& appended, SessionId origin);
  void closed(const Conversation& c);

  void send(SessionId id, const v1::ServerFrame& frame);
  void send(const std::set<SessionId>& to, const protocol::SharedBytes& bytes, SessionId except = no_session);
  void to_visitor(const Conversation& c, const v1::ServerFrame& frame, SessionId except = no_session);
  void to_visitor(const Conversation& c, const protocol::SharedBytes& bytes, SessionId except = no_session);
  void to_agent(const Conversation& c, const v1::ServerFrame& frame, SessionId except = no_session);
  void to_agent(const Conversation& c, const protocol::SharedBytes& bytes, SessionId except = no_session);
  void to_both(const Conversation& c, const v1::ServerFrame& frame, SessionId except = no_session);
  void to_supervisors(const v1::ServerFrame& frame);
  void to_supervisors(const protocol::SharedBytes& bytes);
  void to_assigned_and_supervisors(const Conversation& c, const v1::ServerFrame& frame);
  void to_staff_of_tier(std::uint32_t tier, const v1::ServerFrame& frame);
  // Visitors see agents by display name and public id, never by login id.
  void hide_staff_ids(v1::ServerFrame& frame) const;
  void hide_staff_ids(v1::Message& message) const;
  std::string public_id_of(const std::string& agent_id) const;

  const ChatState& state_;
  const MessageLog& log_;
  const Clock& clock_;
  const ServiceLimits& limits_;

  // Per waiting chat: the (position, estimate) its visitor was last shown.
  std::unordered_map<std::string, QueueShown> shown_queue_status_;
  std::int64_t queue_status_checked_ms_ = 0;
  std::array<std::string, 3> last_queue_view_;  // per tier: what staff were last shown
  std::string last_roster_;
  std::string last_chats_in_progress_;
  // Conversation id -> the supervisor sessions watching it.
  std::unordered_map<std::string, std::set<SessionId>> watchers_;
  bool staff_views_dirty_ = false;
  std::int64_t staff_views_published_ms_ = 0;
  protocol::SharedBytes availability_;  // the encoded Availability last computed and sent
  std::int64_t availability_checked_ms_ = 0;
};

}  // namespace parley::chat
