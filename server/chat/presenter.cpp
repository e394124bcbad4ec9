#include "chat/presenter.hpp"

#include "chat/routing.hpp"

#include <algorithm>
#include <tuple>

namespace parley::chat {
namespace {

// A message whose sender_id is a staff login id (Presenter::hide_staff_ids).
bool names_staff(const v1::Message& message) {
  return message.sender_role() != v1::ROLE_VISITOR && !message.sender_id().empty();
}

// Frames that can carry an agent's login id (Presenter::hide_staff_ids).
bool may_name_staff(const v1::ServerFrame& frame) {
  const auto kind = frame.frame_case();
  return kind == v1::ServerFrame::kMessage || kind == v1::ServerFrame::kConversation ||
         kind == v1::ServerFrame::kHistory;
}

// The agent learns of their own joining from the snapshot that follows it.
bool joined_notice(const v1::Message& message) {
  const auto kind = message.notice().kind();
  return message.system() && (kind == v1::NOTICE_KIND_AGENT_JOINED || kind == v1::NOTICE_KIND_SENIOR_JOINED);
}

// History pages: small enough that a page never fills a session's outbox.
constexpr std::size_t page_max_messages = 200;
constexpr std::size_t page_max_bytes = 32 * 1024;

// Staff views (queue lists, roster) go to every staff session: bursts of
// events are merged into at most one push per interval, and a queue view lists
// only its head, so a busy minute costs O(staff), not O(staff x events x queue).
constexpr std::int64_t staff_view_interval_ms = 100;
constexpr int queue_view_max_entries = 100;
constexpr std::size_t chats_in_progress_max = 200;

}  // namespace

// ---------------------------------------------------------------- domain events

void Presenter::on_event(const events::Event& event, SessionId origin) {
  const Conversation* c = state_.conversation(event.conversation_id());
  using E = events::Event;
  switch (event.kind_case()) {
    case E::kChatStarted:
      // Every tab of the visitor opens the chat (the first message follows).
      if (c) to_visitor(*c, snapshot(*c, log_.last_seq(c->info.conversation_id()), false, false));
      return;
    case E::kMessageAppended:
      if (c) message_appended(*c, event.message_appended(), origin);
      return;
    case E::kChatAssigned: {
      if (!c) return;
      shown_queue_status_.erase(c->info.conversation_id());
      v1::ServerFrame joined;
      auto* j = joined.mutable_agent_joined();
      j->set_conversation_id(c->info.conversation_id());
      j->set_agent_name(c->info.agent_name());
      j->set_tier(c->info.tier());
      j->set_senior(c->info.tier() >= 2);
      to_visitor(*c, joined);
      if (const Agent* agent = state_.agent(event.chat_assigned().agent_id()))
        send(agent->sessions, protocol::encode(snapshot(*c, 0, true, true)));
      return;
    }
    case E::kChatReleased: {
      const Agent* agent = state_.agent(event.chat_released().agent_id());
      if (!agent) return;
      v1::ServerFrame frame;
      frame.mutable_released()->set_conversation_id(event.conversation_id());
      frame.mutable_released()->set_reason(event.chat_released().reason());
      send(agent->sessions, protocol::encode(frame));
      return;
    }
    case E::kChatEscalated: {
      if (!c) return;
      v1::ServerFrame frame;
      auto* escalated = frame.mutable_escalated();
      escalated->set_conversation_id(c->info.conversation_id());
      escalated->set_reason(c->escalation_reason);
      escalated->set_by_agent(c->escalated_by);
      to_staff_of_tier(2, frame);
      return;
    }
    case E::kSeniorRequested: {
      if (!c) return;
      v1::ServerFrame frame;
      auto* requested = frame.mutable_senior_requested();
      requested->set_conversation_id(c->info.conversation_id());
      requested->set_reason(c->senior_reason);
      requested->set_visitor_name(c->info.visitor_name());
      to_assigned_and_supervisors(*c, frame);
      return;
    }
    case E::kChatClosed:
      if (c) closed(*c);
      return;
    case E::kChatRated: {
      if (!c || !c->rating) return;
      v1::ServerFrame frame;
      *frame.mutable_rating_recorded() = *c->rating;
      if (const Agent* agent = state_.agent(c->last_agent_id)) send(agent->sessions, protocol::encode(frame));
      to_supervisors(frame);
      return;
    }
    case E::kNoteAdded: {
      if (!c || c->notes.empty()) return;
      v1::ServerFrame frame;
      *frame.mutable_note_added()->mutable_note() = c->notes.back();
      to_assigned_and_supervisors(*c, frame);
      return;
    }
    case E::kAgentStatusChanged:
      // Who can serve a queue changed: the pre-chat forms hear it now, not at
      // the next tick, so a visitor never starts with a stale "nobody online"
      // (the widget offers a request instead of a chat then).
      publish_availability(true);
      return;
    default:
      // Queued, transferred (its release, note and assignment speak for it),
      // erasure: nothing of their own to show.
      return;
  }
}

// A participant's message goes to everyone in the chat but its sender's own
// connection (which got the Ack); a system notice to everyone.
void Presenter::message_appended(const Conversation& c, const events::MessageAppended& appended, SessionId origin) {
  auto stored = log_.read_after(c.info.conversation_id(), appended.seq() - 1, 1);
  if (stored.empty()) return;
  v1::ServerFrame frame;
  *frame.mutable_message() = std::move(stored.front());
  const auto except = frame.message().system() ? no_session : origin;
  if (joined_notice(frame.message())) return to_visitor(c, frame, except);
  to_both(c, frame, except);
}

void Presenter::closed(const Conversation& c) {
  v1::ServerFrame closed_frame;
  auto* closed = closed_frame.mutable_closed();
  closed->set_conversation_id(c.info.conversation_id());
  closed->set_reason(c.close_reason);
  closed->set_closed_by(c.closed_by);
  closed->set_comment(c.close_comment);
  to_both(c, closed_frame);
  v1::ServerFrame prompt;
  prompt.mutable_rating_prompt()->set_conversation_id(c.info.conversation_id());
  prompt.mutable_rating_prompt()->set_min_score(1);
  prompt.mutable_rating_prompt()->set_max_score(5);
  // Nobody served a chat that became a request: there is nothing to rate.
  if (c.close_reason != v1::CLOSE_REASON_REQUEST_LEFT) to_visitor(c, prompt);
  shown_queue_status_.erase(c.info.conversation_id());
  watchers_.erase(c.info.conversation_id());
}

void Presenter::closed_to(const Session& s, const Conversation& c) {
  v1::ServerFrame frame;
  frame.mutable_closed()->set_conversation_id(c.info.conversation_id());
  frame.mutable_closed()->set_reason(c.close_reason);
  frame.mutable_closed()->set_closed_by(c.closed_by);
  send(s.id, frame);
}

// ---------------------------------------------------------------- views

void Presenter::refresh() {
  publish_queue_status();
  staff_views_dirty_ = true;
  if (clock_.now_ms() - staff_views_published_ms_ >= staff_view_interval_ms) publish_staff_views();
}

void Presenter::tick() {
  if (staff_views_dirty_ && clock_.now_ms() - staff_views_published_ms_ >= staff_view_interval_ms)
    publish_staff_views();
  publish_availability();
  // Time alone changes an offer (a wait past the limit, hours ending): looked at once a second.
  if (limits_.offer_requests && clock_.now_ms() - queue_status_checked_ms_ >= 1000) publish_queue_status();
}

// Per tier-1 queue: open by its hours, staffed by someone online who serves
// it, and the wait a chat started now would have.
v1::ServerFrame Presenter::availability() const {
  const auto now = clock_.now_ms();
  v1::ServerFrame frame;
  auto* out = frame.mutable_availability();
  for (int c = v1::CATEGORY_ACCOUNT; c <= v1::CATEGORY_OTHER; ++c) {
    const auto category = static_cast<v1::Category>(c);
    const auto key = queue_for(1, category);
    const auto& schedule = state_.hours->of(category_queue_name(category));
    auto* q = out->add_queues();
    q->set_category(category);
    q->set_time_zone(schedule.time_zone());
    const auto window = schedule.current_or_next(now);
    q->set_open(window && window->open_ms <= now);
    if (window && window->open_ms > now) q->set_next_open_ms(window->open_ms);
    if (q->open() && !schedule.always() && window->close_ms - now < 366LL * 86'400'000) q->set_closes_ms(window->close_ms);
    const auto serving = serving_agents(state_, key);
    q->set_staffed(serving > 0);
    if (q->open() && serving > 0) {
      const auto& queues = state_.queues.queues();
      const auto waiting = queues.count(key) ? queues.at(key).size() : 0;
      q->set_estimated_wait_seconds(state_.wait_estimator.estimate_seconds(static_cast<std::uint32_t>(waiting + 1), serving));
    }
  }
  return frame;
}

bool Presenter::choosing(const Visitor& v) const {
  const Conversation* c = state_.conversation(v.conversation_id);
  return !c || c->info.state() == v1::CONVERSATION_STATE_CLOSED;
}

void Presenter::publish_availability(bool now) {
  const auto t = clock_.now_ms();
  if (!now && t - availability_checked_ms_ < 1000) return;
  availability_checked_ms_ = t;
  auto shared = protocol::encode(availability());
  if (availability_ && *shared == *availability_) return;
  availability_ = shared;
  for (const auto& [id, s] : state_.sessions)
    if (s.authenticated && s.role == v1::ROLE_VISITOR)
      if (const Visitor* v = state_.visitor(s.participant_id); v && choosing(*v)) s.outlet->deliver(shared);
}

protocol::SharedBytes Presenter::current_availability() {
  if (!availability_) {
    availability_ = protocol::encode(availability());
    availability_checked_ms_ = clock_.now_ms();
  }
  return availability_;
}

void Presenter::reset() {
  shown_queue_status_.clear();
  for (auto& view : last_queue_view_) view.clear();
  last_roster_.clear();
  last_chats_in_progress_.clear();
  watchers_.clear();
  availability_.reset();
}

void Presenter::publish_queue_status() {
  queue_status_checked_ms_ = clock_.now_ms();
  for (const auto& [key, entries] : state_.queues.queues()) {
    const auto serving = serving_agents(state_, key);
    std::uint32_t position = 0;
    for (const auto& id : entries) {
      const Conversation& c = state_.conversations.at(id);
      ++position;
      const QueueShown status{position, state_.wait_estimator.estimate_seconds(position, serving),
                              request_offer(c, key, serving)};
      auto& shown = shown_queue_status_[id];
      if (status == shown) continue;
      shown = status;
      to_visitor(c, queue_status(c, status));
    }
  }
}

// Closed hours first (nobody will come), then nobody online, then a wait
// past the limit. Tier 2 has no hours of its own: only staffing and waiting.
v1::RequestOffer Presenter::request_offer(const Conversation& c, QueueKey key, std::uint32_t serving) const {
  if (!limits_.offer_requests) return v1::REQUEST_OFFER_NONE;
  const auto now = clock_.now_ms();
  if (key.tier < 2) {
    const auto window = state_.hours->of(category_queue_name(key.category)).current_or_next(now);
    if (!window || window->open_ms > now) return v1::REQUEST_OFFER_CLOSED;
  }
  if (serving == 0) return v1::REQUEST_OFFER_NOBODY_ONLINE;
  if (limits_.offer_request_after_ms > 0 && now - c.info.queued_ms() >= limits_.offer_request_after_ms)
    return v1::REQUEST_OFFER_WAITED_LONG;
  return v1::REQUEST_OFFER_NONE;
}

v1::ServerFrame Presenter::queue_status(const Conversation& c, const QueueShown& shown) const {
  v1::ServerFrame frame;
  auto* q = frame.mutable_queue_status();
  q->set_conversation_id(c.info.conversation_id());
  q->set_position(shown.position);
  q->set_estimated_wait_seconds(shown.wait_seconds);
  q->set_tier(c.info.tier());
  q->set_request_offer(shown.offer);
  return frame;
}

void Presenter::publish_staff_views() {
  staff_views_dirty_ = false;
  staff_views_published_ms_ = clock_.now_ms();
  for (std::uint32_t tier : {1u, 2u}) {
    auto frame = queue_snapshot(tier);
    std::string bytes = frame.SerializeAsString();
    if (bytes == last_queue_view_[tier]) continue;
    last_queue_view_[tier] = std::move(bytes);
    to_staff_of_tier(tier, frame);
  }
  auto in_progress = chats_in_progress();
  if (std::string bytes = in_progress.SerializeAsString(); bytes != last_chats_in_progress_) {
    last_chats_in_progress_ = std::move(bytes);
    to_supervisors(in_progress);
  }
  auto frame = roster();
  std::string bytes = frame.SerializeAsString();
  if (bytes == last_roster_) return;
  last_roster_ = std::move(bytes);
  auto shared = protocol::encode(frame);
  for (const auto& [id, agent] : state_.agents) send(agent.sessions, shared);
}

v1::ServerFrame Presenter::chats_in_progress() const {
  std::vector<const Conversation*> assigned;
  for (const auto& [id, c] : state_.conversations)
    if (c.info.state() == v1::CONVERSATION_STATE_ASSIGNED) assigned.push_back(&c);
  const auto shown = std::min(assigned.size(), chats_in_progress_max);
  std::partial_sort(assigned.begin(), assigned.begin() + static_cast<std::ptrdiff_t>(shown), assigned.end(),
                    [](const Conversation* a, const Conversation* b) {
                      return std::tie(a->assigned_ms, a->info.conversation_id()) <
                             std::tie(b->assigned_ms, b->info.conversation_id());
                    });
  v1::ServerFrame frame;
  auto* view = frame.mutable_chats_in_progress();
  view->set_total(static_cast<std::uint32_t>(assigned.size()));
  for (std::size_t i = 0; i < shown; ++i) {
    auto* chat = view->add_chats();
    *chat->mutable_info() = assigned[i]->info;
    chat->set_assigned_ms(assigned[i]->assigned_ms);
  }
  return frame;
}

v1::ServerFrame Presenter::queue_snapshot(std::uint32_t tier) const {
  v1::ServerFrame frame;
  auto* view = frame.mutable_queue();
  view->set_tier(tier);
  std::uint32_t total = 0;
  for (const auto& [key, entries] : state_.queues.queues()) {
    if (key.tier != tier) continue;
    std::uint32_t position = 0;
    total += static_cast<std::uint32_t>(entries.size());
    for (const auto& id : entries) {
      if (view->entries_size() >= queue_view_max_entries) break;
      auto* entry = view->add_entries();
      const Conversation& c = state_.conversations.at(id);
      *entry->mutable_info() = c.info;
      entry->set_position(++position);
      if (tier >= 2)
        for (const auto& note : c.notes) *entry->add_notes() = note;
    }
  }
  view->set_total(total);
  return frame;
}

v1::ServerFrame Presenter::roster() const {
  v1::ServerFrame frame;
  std::vector<const Agent*> sorted;
  for (const auto& [id, agent] : state_.agents) sorted.push_back(&agent);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->account->id < b->account->id; });
  for (const Agent* agent : sorted) {
    if (agent->account->disabled) continue;
    auto* p = frame.mutable_roster()->add_agents();
    p->set_agent_id(agent->account->id);
    p->set_name(agent->account->display_name);
    p->set_role(agent->account->role);
    p->set_status(agent->status);
    p->set_capacity(agent->capacity);
    p->set_open_chats(static_cast<std::uint32_t>(agent->open.size()));
    p->set_connected(!agent->sessions.empty());
  }
  return frame;
}

// A snapshot for a client resuming from `cursor`: says so when the log ends
// before what the client already saw.
v1::ServerFrame Presenter::resume_snapshot(const Conversation& c, std::uint64_t cursor, bool for_staff,
                                           bool assigned_to_you) const {
  auto frame = snapshot(c, cursor, for_staff, assigned_to_you);
  if (cursor > frame.conversation().last_seq()) frame.mutable_conversation()->set_history_incomplete(true);
  return frame;
}

v1::ServerFrame Presenter::snapshot(const Conversation& c, std::uint64_t after_seq, bool for_staff,
                                    bool assigned_to_you) const {
  v1::ServerFrame frame;
  auto* snap = frame.mutable_conversation();
  *snap->mutable_info() = c.info;
  auto page = page_after(c.info.conversation_id(), after_seq);
  for (auto& message : page.messages) *snap->add_messages() = std::move(message);
  snap->set_has_more(page.has_more);
  if (for_staff)
    for (const auto& note : c.notes) *snap->add_notes() = note;
  snap->set_assigned_to_you(assigned_to_you);
  snap->set_last_seq(log_.last_seq(c.info.conversation_id()));
  snap->set_peer_read_seq(for_staff ? c.visitor_read_seq : c.agent_read_seq);
  if (for_staff) {
    const Visitor* v = state_.visitor(c.info.visitor_id());
    snap->set_visitor_connected(v && !v->sessions.empty());
    if (v && v->away_since_ms) snap->set_visitor_away_since_ms(*v->away_since_ms);
  }
  return frame;
}

Presenter::Page Presenter::page_after(const std::string& conversation_id, std::uint64_t after_seq) const {
  Page page;
  page.messages = log_.read_after(conversation_id, after_seq, page_max_messages);
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < page.messages.size(); ++i) {
    bytes += page.messages[i].ByteSizeLong();
    if (bytes > page_max_bytes && i > 0) {
      page.messages.resize(i);
      break;
    }
  }
  const auto last = page.messages.empty() ? after_seq : page.messages.back().seq();
  page.has_more = last < log_.last_seq(conversation_id);
  return page;
}

// ---------------------------------------------------------------- replies

v1::ServerFrame Presenter::welcome_frame(const Session& s) const {
  v1::ServerFrame frame;
  auto* welcome = frame.mutable_welcome();
  welcome->set_session_id("s" + std::to_string(s.id));
  welcome->set_server_time_ms(clock_.now_ms());
  welcome->set_protocol_version(protocol::protocol_version);
  auto* limits = welcome->mutable_limits();
  limits->set_max_frame_bytes(limits_.max_frame_bytes);
  limits->set_max_message_chars(limits_.max_message_chars);
  limits->set_messages_per_second(limits_.messages_per_second);
  return frame;
}

void Presenter::welcome_visitor(const Session& s, const Visitor& visitor, bool resumed, const Cursors& cursors) {
  auto frame = welcome_frame(s);
  auto* welcome = frame.mutable_welcome();
  welcome->set_resumed(resumed);
  welcome->set_participant_id(visitor.id);
  welcome->set_role(v1::ROLE_VISITOR);
  welcome->set_display_name(visitor.name);
  welcome->set_resume_token(visitor.resume_token);
  send(s.id, frame);
  if (choosing(visitor)) s.outlet->deliver(current_availability());
  const Conversation* c = state_.conversation(visitor.conversation_id);
  if (!c) return;
  const auto cursor = cursors.find(visitor.conversation_id);
  send(s.id, resume_snapshot(*c, cursor == cursors.end() ? 0 : cursor->second, false, false));
  if (auto position = state_.queues.position(visitor.conversation_id)) {
    auto shown = shown_queue_status_.find(visitor.conversation_id);
    send(s.id, queue_status(*c, shown == shown_queue_status_.end() ? QueueShown{*position} : shown->second));
  }
}

void Presenter::welcome_staff(const Session& s, const Agent& agent, bool resumed, const Cursors& cursors) {
  auto frame = welcome_frame(s);
  auto* welcome = frame.mutable_welcome();
  welcome->mutable_limits()->set_max_open_chats(agent.capacity);
  welcome->set_participant_id(agent.account->id);
  welcome->set_role(s.role);
  welcome->set_display_name(agent.account->display_name);
  welcome->set_resumed(resumed);
  send(s.id, frame);
  auto after = [&](const std::string& id) {
    auto it = cursors.find(id);
    return it == cursors.end() ? 0 : it->second;
  };
  for (const auto& conversation_id : agent.open)
    send(s.id, resume_snapshot(state_.conversations.at(conversation_id), after(conversation_id), true, true));
  for (const auto& [conversation_id, seq] : cursors)
    if (seq > 0 && !state_.conversation(conversation_id))
      error(s, 0, v1::ERROR_CODE_HISTORY_LOST, "this conversation is gone from the server (its history was lost)",
            conversation_id);
  if (oversees(s.role) || s.role == v1::ROLE_AGENT) send(s.id, queue_snapshot(1));
  if (oversees(s.role) || s.role == v1::ROLE_TIER2) send(s.id, queue_snapshot(2));
  if (oversees(s.role)) send(s.id, chats_in_progress());
  send(s.id, roster());
}

void Presenter::error(const Session& s, std::uint32_t req, v1::ErrorCode code, std::string message,
                      std::string conversation_id) {
  send(s.id, protocol::make_error(req, code, std::move(message), std::move(conversation_id)));
}

void Presenter::ack(const Session& s, std::uint32_t req, const std::string& conversation_id,
                    const v1::Message* message, bool duplicate) {
  v1::ServerFrame frame;
  auto* ack = frame.mutable_ack();
  ack->set_request_id(req);
  ack->set_conversation_id(conversation_id);
  ack->set_server_time_ms(clock_.now_ms());
  if (message) {
    ack->set_client_message_id(message->client_message_id());
    ack->set_seq(message->seq());
    ack->set_server_time_ms(message->server_time_ms());
    // The sender's copy must not keep what the server removed.
    if (message->masked_secrets_size() > 0) {
      ack->set_masked_text(message->text());
      *ack->mutable_masked_secrets() = message->masked_secrets();
    }
  }
  ack->set_duplicate(duplicate);
  send(s.id, frame);
}

void Presenter::pong(const Session& s, std::uint64_t nonce) {
  v1::ServerFrame frame;
  frame.mutable_pong()->set_nonce(nonce);
  frame.mutable_pong()->set_server_time_ms(clock_.now_ms());
  send(s.id, frame);
}

void Presenter::history(const Session& s, const std::string& conversation_id, std::uint64_t after_seq) {
  auto page = page_after(conversation_id, after_seq);
  v1::ServerFrame frame;
  auto* history = frame.mutable_history();
  history->set_conversation_id(conversation_id);
  for (auto& message : page.messages) *history->add_messages() = std::move(message);
  history->set_has_more(page.has_more);
  history->set_last_seq(log_.last_seq(conversation_id));
  send(s.id, frame);
}

// ---------------------------------------------------------------- not decisions

void Presenter::typing(const Session& from, const Conversation& c, bool typing) {
  v1::ServerFrame frame;
  auto* t = frame.mutable_typing();
  t->set_conversation_id(c.info.conversation_id());
  t->set_role(from.role);
  t->set_name(state_.name_of(from));
  t->set_typing(typing);
  if (from.role == v1::ROLE_VISITOR) to_agent(c, frame);
  else to_visitor(c, frame);
}

void Presenter::read(const Conversation& c, v1::Role reader, std::uint64_t seq) {
  v1::ServerFrame frame;
  auto* receipt = frame.mutable_read();
  receipt->set_conversation_id(c.info.conversation_id());
  receipt->set_reader_role(reader);
  receipt->set_seq(seq);
  if (reader == v1::ROLE_VISITOR) to_agent(c, frame);
  else to_visitor(c, frame);
}

void Presenter::visitor_presence(const Visitor& v) {
  const Conversation* c = state_.conversation(v.conversation_id);
  if (!c || c->info.state() != v1::CONVERSATION_STATE_ASSIGNED) return;
  v1::ServerFrame frame;
  auto* presence = frame.mutable_visitor_presence();
  presence->set_conversation_id(v.conversation_id);
  presence->set_connected(!v.sessions.empty());
  presence->set_away_since_ms(v.away_since_ms.value_or(0));
  to_agent(*c, frame);
}

void Presenter::close(const Session& s, std::uint16_t code, std::string reason) { s.outlet->close(code, std::move(reason)); }

void Presenter::close_all(std::uint16_t code, const std::string& reason) {
  for (const auto& [id, s] : state_.sessions) s.outlet->close(code, reason);
}

// ---------------------------------------------------------------- delivery

void Presenter::send(SessionId id, const v1::ServerFrame& frame) {
  auto it = state_.sessions.find(id);
  if (it == state_.sessions.end()) return;
  if (it->second.role != v1::ROLE_VISITOR || !may_name_staff(frame))
    return it->second.outlet->deliver(protocol::encode(frame));
  auto visible = frame;
  hide_staff_ids(visible);
  it->second.outlet->deliver(protocol::encode(visible));
}

void Presenter::send(const std::set<SessionId>& to, const protocol::SharedBytes& bytes, SessionId except) {
  for (SessionId id : to) {
    if (id == except) continue;
    if (auto it = state_.sessions.find(id); it != state_.sessions.end()) it->second.outlet->deliver(bytes);
  }
}

void Presenter::to_visitor(const Conversation& c, const v1::ServerFrame& frame, SessionId except) {
  if (!may_name_staff(frame)) return to_visitor(c, protocol::encode(frame), except);
  auto visible = frame;
  hide_staff_ids(visible);
  to_visitor(c, protocol::encode(visible), except);
}

void Presenter::to_visitor(const Conversation& c, const protocol::SharedBytes& bytes, SessionId except) {
  if (const Visitor* v = state_.visitor(c.info.visitor_id())) send(v->sessions, bytes, except);
}

void Presenter::to_agent(const Conversation& c, const v1::ServerFrame& frame, SessionId except) {
  to_agent(c, protocol::encode(frame), except);
}

// The agent who has the chat, and the supervisors watching it.
void Presenter::to_agent(const Conversation& c, const protocol::SharedBytes& bytes, SessionId except) {
  if (const Agent* agent = state_.agent(c.info.agent_id())) send(agent->sessions, bytes, except);
  if (auto it = watchers_.find(c.info.conversation_id()); it != watchers_.end()) send(it->second, bytes, except);
}

bool Presenter::watch(SessionId watcher, const Conversation& c) {
  std::size_t watched = 0;
  for (const auto& [id, sessions] : watchers_) watched += sessions.count(watcher);
  auto& sessions = watchers_[c.info.conversation_id()];
  if (!sessions.contains(watcher) && watched >= max_watched) {
    if (sessions.empty()) watchers_.erase(c.info.conversation_id());
    return false;
  }
  sessions.insert(watcher);
  auto frame = snapshot(c, 0, true, false);
  frame.mutable_conversation()->set_watching(true);
  send(watcher, frame);
  return true;
}

void Presenter::unwatch(SessionId watcher, const std::string& conversation_id) {
  auto it = watchers_.find(conversation_id);
  if (it == watchers_.end()) return;
  it->second.erase(watcher);
  if (it->second.empty()) watchers_.erase(it);
}

bool Presenter::watching(SessionId watcher, const std::string& conversation_id) const {
  auto it = watchers_.find(conversation_id);
  return it != watchers_.end() && it->second.contains(watcher);
}

void Presenter::forget(SessionId session) {
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    it->second.erase(session);
    it = it->second.empty() ? watchers_.erase(it) : std::next(it);
  }
}

// Encoded once for both sides of the chat, unless it names staff by login id:
// then the visitor gets a copy without.
void Presenter::to_both(const Conversation& c, const v1::ServerFrame& frame, SessionId except) {
  const auto bytes = protocol::encode(frame);
  if (frame.has_message() && names_staff(frame.message())) to_visitor(c, frame, except);
  else to_visitor(c, bytes, except);
  to_agent(c, bytes, except);
}

// Supervisors hear of it anyway: watchers are not sent a second copy.
void Presenter::to_assigned_and_supervisors(const Conversation& c, const v1::ServerFrame& frame) {
  const auto bytes = protocol::encode(frame);
  if (const Agent* agent = state_.agent(c.info.agent_id())) send(agent->sessions, bytes);
  to_supervisors(bytes);
}

void Presenter::to_supervisors(const v1::ServerFrame& frame) { to_supervisors(protocol::encode(frame)); }

void Presenter::to_supervisors(const protocol::SharedBytes& bytes) {
  for (const auto& [id, agent] : state_.agents)
    if (oversees(agent.account->role)) send(agent.sessions, bytes);
}

void Presenter::to_staff_of_tier(std::uint32_t tier, const v1::ServerFrame& frame) {
  const auto role = tier >= 2 ? v1::ROLE_TIER2 : v1::ROLE_AGENT;
  auto bytes = protocol::encode(frame);
  for (const auto& [id, agent] : state_.agents)
    if (agent.account->role == role || oversees(agent.account->role)) send(agent.sessions, bytes);
}

std::string Presenter::public_id_of(const std::string& agent_id) const {
  if (agent_id.empty()) return {};
  auto it = state_.accounts.find(agent_id);
  return it != state_.accounts.end() && !it->second.public_id.empty() ? it->second.public_id : "agent";
}

void Presenter::hide_staff_ids(v1::Message& message) const {
  if (names_staff(message)) message.set_sender_id(public_id_of(message.sender_id()));
}

void Presenter::hide_staff_ids(v1::ServerFrame& frame) const {
  switch (frame.frame_case()) {
    case v1::ServerFrame::kMessage:
      return hide_staff_ids(*frame.mutable_message());
    case v1::ServerFrame::kConversation: {
      auto* snap = frame.mutable_conversation();
      snap->mutable_info()->set_agent_id(public_id_of(snap->info().agent_id()));
      for (auto& m : *snap->mutable_messages()) hide_staff_ids(m);
      return;
    }
    case v1::ServerFrame::kHistory:
      for (auto& m : *frame.mutable_history()->mutable_messages()) hide_staff_ids(m);
      return;
    default:
      return;
  }
}

}  // namespace parley::chat
