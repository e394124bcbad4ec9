#pragma once
// What the live-chat core knows: connections, visitors, agents, conversations
// and queues. chat::Service owns it and is the only one that changes it (its
// decisions); chat::Presenter reads it to build frames. Runs on the hub, like
// both of them. Plain data: no policy here.

#include "chat/accounts.hpp"
#include "chat/queues.hpp"
#include "hours/business_hours.hpp"
#include "protocol/codec.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::chat {

using SessionId = std::uint64_t;
// Never a real session: ids start at 1, so 0 can mean "nobody" in send(..., except).
inline constexpr SessionId no_session = 0;

// One client connection as the domain sees it. Implementations must not call
// back into the Service synchronously (net::WebSocketSession posts).
class Outlet {
 public:
  virtual ~Outlet() = default;
  virtual void deliver(protocol::SharedBytes frame) = 0;
  // WebSocket close code and reason, e.g. 1008 "authentication failed".
  virtual void close(std::uint16_t code, std::string reason) = 0;
};

struct ServiceLimits {
  std::uint32_t max_frame_bytes = 64 * 1024;
  std::uint32_t max_message_chars = 4000;
  std::uint32_t messages_per_second = 10;
  std::int64_t grace_period_ms = 30'000;
  std::int64_t hello_timeout_ms = 10'000;  // unauthenticated connections are closed after this
  std::int64_t visitor_timeout_ms = 120'000;  // a queued chat whose visitor is gone this long is closed
  // A visitor's resume token, once their chat is closed and not rated, lasts
  // this long (rated: until they have been gone visitor_timeout_ms).
  std::int64_t resume_token_ttl_ms = 24LL * 3600 * 1000;
  // A rotated resume token stays valid this long, for other tabs that hold it.
  std::int64_t previous_token_grace_ms = 60'000;
  // Per chat: more is refused with LIMIT_REACHED (system notices are exempt).
  std::uint32_t max_conversation_messages = 2000;
  std::size_t max_conversation_text_bytes = 1024 * 1024;
  double new_chats_per_address_per_minute = 10;  // bursts of as many; across every node
  // Whether a waiting visitor may be offered to leave a request instead
  // (QueueStatus.request_offer): only where tickets are kept (records on one
  // node). Offered when the queue closes, nobody who serves it is online, or
  // after this long in the queue (0: not for waiting alone).
  bool offer_requests = false;
  std::int64_t offer_request_after_ms = 300'000;
};

struct Session {
  SessionId id = 0;
  std::shared_ptr<Outlet> outlet;
  std::int64_t attached_ms = 0;
  std::string address;
  bool authenticated = false;
  v1::Role role = v1::ROLE_UNSPECIFIED;
  std::string participant_id;
  // Staff: the sign-in this connection belongs to.
  std::string token_id;
  std::string credential_stamp;
  std::int64_t expires_at_ms = 0;
};

// When to look at a visitor who is gone again (Service::visitor_checks_).
using VisitorChecks = std::multimap<std::int64_t, std::string>;

struct Visitor {
  std::string id;
  std::string name;
  std::string resume_token;
  std::string previous_token;  // accepted until previous_token_until_ms
  std::int64_t previous_token_until_ms = 0;
  std::optional<VisitorChecks::iterator> check;  // its entry in the visitor checks
  std::set<SessionId> sessions;
  std::string conversation_id;  // current or most recent chat
  // Set once a host site vouched for this visitor (Hello.verified).
  std::string verified_site;
  std::string customer_id;
  std::string customer_email;
  std::optional<std::int64_t> away_since_ms;  // set while no session is connected
};

struct Agent {
  const AgentAccount* account = nullptr;
  v1::AgentStatus status = v1::AGENT_STATUS_OFFLINE;
  std::uint32_t capacity = 0;
  std::set<SessionId> sessions;
  std::set<std::string> open;
  std::int64_t last_assigned_ms = 0;
  std::optional<std::int64_t> grace_deadline_ms;  // set while disconnected
};

struct Conversation {
  v1::ConversationInfo info;
  std::vector<v1::Note> notes;
  std::string first_client_message_id;
  std::uint64_t visitor_read_seq = 0;
  std::uint64_t agent_read_seq = 0;
  std::int64_t assigned_ms = 0;
  bool requeued = false;  // back in line after losing its agent: served first
  std::string last_agent_id;
  std::optional<v1::RatingRecorded> rating;
  std::int64_t closed_ms = 0;
  std::size_t text_bytes = 0;  // of the messages appended since this node held the chat
  // What the people involved wrote beside the messages, kept with the record
  // (staff and supervisors see it; the visitor sees only the close comment).
  std::string senior_reason;      // the visitor's RequestSenior reason
  std::string escalation_reason;  // the agent's EscalateChat reason (internal)
  std::string escalated_by;       // display name of who escalated it
  std::string close_comment;      // the closer's CloseChat comment
  v1::Role closed_by = v1::ROLE_UNSPECIFIED;
  v1::CloseReason close_reason = v1::CLOSE_REASON_UNSPECIFIED;
  // A seed phrase sent in parts: how many BIP39 words the visitor's [0] and
  // staff's [1] last message ended with, and when (not stored: a window of a minute).
  std::size_t secret_words_tail[2] = {0, 0};
  std::int64_t secret_words_ms[2] = {0, 0};
};

struct ChatState {
  AccountDirectory accounts;
  std::unordered_map<SessionId, Session> sessions;
  std::unordered_map<std::string, Visitor> visitors;
  std::unordered_map<std::string, std::string> visitor_by_token;
  std::unordered_map<std::string, Agent> agents;
  std::unordered_map<std::string, Conversation> conversations;
  QueueSet queues;
  WaitEstimator wait_estimator;
  // The queues' business hours (the hours file); round the clock without one.
  std::shared_ptr<const hours::BusinessHours> hours = std::make_shared<const hours::BusinessHours>();

  const Conversation* conversation(const std::string& id) const {
    auto it = conversations.find(id);
    return it == conversations.end() ? nullptr : &it->second;
  }
  const Visitor* visitor(const std::string& id) const {
    auto it = visitors.find(id);
    return it == visitors.end() ? nullptr : &it->second;
  }
  const Agent* agent(const std::string& id) const {
    auto it = agents.find(id);
    return it == agents.end() ? nullptr : &it->second;
  }
  // Display name of an authenticated session's participant.
  std::string name_of(const Session& s) const {
    if (s.role == v1::ROLE_VISITOR) return visitors.at(s.participant_id).name;
    return agents.at(s.participant_id).account->display_name;
  }
};

}  // namespace parley::chat
