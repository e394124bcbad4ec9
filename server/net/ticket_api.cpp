// Tickets over HTTP (server/tickets holds the rules, the store runs them):
//
// The requester (the widget, no account):
//   POST /api/requests              a new request (JSON); the client's secret `token` names it
//   GET  /api/requests/mine         Authorization: Bearer <token>: the request and its replies
//   POST /api/requests/mine/messages  the requester adds to it
// From this server's pages or an --allowed-origin (CORS); 5 new requests a
// minute per client address.
//
// Staff (Bearer session token, as the other staff APIs):
//   GET  /api/tickets?view=all|mine|unassigned&status=active|open|pending|solved|closed&queue=NAME
//   GET  /api/tickets/ID
//   GET  /api/tickets/ID/attachments/INBOX_ID/N   a file a mail carried (offered types and sizes only)
//   POST /api/tickets/ID/claim | reply | note | status | assign
//   POST /api/tickets/from-chat     the chat's agent makes a ticket of it; the chat is told the deadline

#include "chat/text.hpp"
#include "mail/inbound.hpp"
#include "net/api_helpers.hpp"
#include "util/random.hpp"

#include <algorithm>
#include <cctype>

namespace parley::net {
namespace {

using namespace api;
namespace tv1 = parley::desk::v1;

// RFC 5987: a file name in a header, every byte outside the unreserved set %-escaped.
std::string percent_encoded(const std::string& name) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

const char* urgency_name(tickets::Urgency u) {
  switch (u) {
    case tickets::Urgency::breached: return "breached";
    case tickets::Urgency::due_soon: return "due_soon";
    default: return "";
  }
}

const char* channel_name(tv1::TicketChannel c) {
  switch (c) {
    case tv1::TICKET_CHANNEL_WEB_FORM: return "web_form";
    case tv1::TICKET_CHANNEL_CHAT: return "chat";
    case tv1::TICKET_CHANNEL_EMAIL: return "email";
    default: return "console";
  }
}

const char* mail_status_name(tickets::Mail::Status s) {
  switch (s) {
    case tickets::Mail::STATUS_QUEUED: return "queued";
    case tickets::Mail::STATUS_SENT: return "sent";
    case tickets::Mail::STATUS_FAILED: return "failed";
    default: return "unknown";
  }
}

json::object mail_json(const tickets::Mail& m) {
  return {{"id", m.id()},
          {"kind", m.kind() == tickets::Mail::KIND_ACKNOWLEDGEMENT ? "acknowledgement" : "reply"},
          {"seq", m.seq()},
          {"to", m.to()},
          {"status", mail_status_name(m.status())},
          {"attempts", m.attempts()},
          {"last_error", m.last_error()},
          {"next_attempt_ms", m.next_attempt_ms()},
          {"sent_ms", m.sent_ms()}};
}

json::object summary_json(const tickets::Record& t, std::int64_t now) {
  return {{"id", t.id()},
          {"number", t.number()},
          {"status", tickets::status_name(t.status())},
          {"channel", channel_name(t.channel())},
          {"category", v1::Category_Name(t.category())},
          {"queue", tickets::queue_of(t)},
          {"tier", t.tier()},
          {"subject", t.subject()},
          {"requester_name", t.requester().name()},
          {"requester_email", t.requester().email()},
          {"owner_id", t.owner_id()},
          {"owner_name", t.owner_name()},
          {"created_ms", t.created_ms()},
          {"updated_ms", t.updated_ms()},
          {"due_ms", t.due_ms()},
          {"urgency", urgency_name(tickets::urgency(t, now))},
          {"messages", t.last_seq()},
          {"source_conversation_id", t.source_conversation_id()}};
}

json::object staff_ticket_json(const store::RecordStore::TicketThread& thread, std::int64_t now) {
  const auto& t = thread.ticket;
  auto out = summary_json(t, now);
  out["transaction_id"] = t.transaction_id();
  out["page_url"] = t.page_url();
  out["locale"] = t.requester().locale();
  out["time_zone"] = t.requester().time_zone();
  out["customer_id"] = t.requester().customer_id();
  out["verified"] = !t.requester().customer_id().empty();
  out["visitor_id"] = t.requester().visitor_id();
  out["first_response_ms"] = t.first_response_ms();
  json::array messages, notes, mails;
  for (const auto& m : thread.messages) {
    json::object o{{"seq", m.seq()},
                   {"from", m.author_role() == v1::ROLE_VISITOR ? "requester" : "staff"},
                   {"author_name", m.author_name()},
                   {"text", m.text()},
                   {"time_ms", m.time_ms()},
                   {"channel", channel_name(m.channel())},
                   {"mail", nullptr}};
    json::array files;
    for (const auto& a : m.attachments())
      files.push_back({{"file_name", a.file_name()},
                       {"content_type", a.content_type()},
                       {"size", a.size()},
                       {"refused", a.refused()},
                       {"url", a.refused().empty() ? "/api/tickets/" + t.id() + "/attachments/" + m.inbox_id() + "/" +
                                                         std::to_string(a.index())
                                                   : ""}});
    o["attachments"] = std::move(files);
    for (const auto& mail : thread.mails)
      if (mail.kind() == tickets::Mail::KIND_REPLY && mail.seq() == m.seq()) o["mail"] = mail_json(mail);
    messages.push_back(std::move(o));
  }
  for (const auto& n : t.notes())
    notes.push_back({{"author_name", n.author_name()}, {"text", n.text()}, {"time_ms", n.server_time_ms()}});
  for (const auto& m : thread.mails) mails.push_back(mail_json(m));
  out["thread"] = std::move(messages);
  out["notes"] = std::move(notes);
  out["mails"] = std::move(mails);
  return out;
}

// What the requester sees: no notes, no staff ids, no other addresses.
json::object requester_json(const store::RecordStore::TicketThread& thread) {
  const auto& t = thread.ticket;
  json::array messages;
  for (const auto& m : thread.messages)
    messages.push_back({{"seq", m.seq()},
                        {"from", m.author_role() == v1::ROLE_VISITOR ? "you" : "support"},
                        {"author_name", m.author_role() == v1::ROLE_VISITOR ? "" : m.author_name()},
                        {"text", m.text()},
                        {"time_ms", m.time_ms()}});
  return {{"number", t.number()},
          {"status", tickets::status_name(t.status())},
          {"subject", t.subject()},
          {"category", v1::Category_Name(t.category())},
          {"email", t.requester().email()},
          {"created_ms", t.created_ms()},
          {"due_ms", t.due_ms()},
          {"messages", std::move(messages)}};
}

http::status outcome_status(tickets::Outcome o) {
  using O = tickets::Outcome;
  switch (o) {
    case O::done:
    case O::unchanged: return http::status::ok;
    case O::invalid: return http::status::bad_request;
    case O::forbidden: return http::status::forbidden;
    case O::not_found: return http::status::not_found;
    case O::wrong_state: return http::status::conflict;
    case O::limit_reached: return http::status::too_many_requests;
  }
  return http::status::internal_server_error;
}

const char* outcome_code(tickets::Outcome o) {
  using O = tickets::Outcome;
  switch (o) {
    case O::invalid: return "invalid_request";
    case O::forbidden: return "forbidden";
    case O::not_found: return "not_found";
    case O::wrong_state: return "wrong_state";
    case O::limit_reached: return "limit_reached";
    default: return "ok";
  }
}

std::optional<json::object> json_body(const Request& req) {
  error_code ec;
  auto body = json::parse(req.body(), ec);
  if (ec || !body.is_object()) return std::nullopt;
  return std::move(body.as_object());
}

// A string member: "" if absent, nothing if present but not a string.
std::optional<std::string> field(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::string();
  if (!it->value().is_string()) return std::nullopt;
  return std::string(it->value().as_string());
}

// What a chat says, for the ticket made of it: one line per message (system
// notices left out), at most the ticket's message length (the start is kept:
// it states the problem; the chat itself stays in the records).
std::string chat_text(const std::vector<v1::Message>& messages) {
  std::string out;
  for (const auto& m : messages) {
    if (m.system()) continue;
    const auto who = m.sender_name().empty() ? (m.sender_role() == v1::ROLE_VISITOR ? "Visitor" : "Support") : m.sender_name();
    out += who + ": " + m.text() + "\n";
  }
  static const std::string cut = "\n[… the rest is in the chat]";
  if (chat::utf8_length(out) > tickets::max_text_chars)
    out = chat::truncate_utf8(out, tickets::max_text_chars - chat::utf8_length(cut)) + cut;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// A ticket's request made of a stored chat: what it is about, everything
// said in it, and who asked (visitor, verified customer, locale, zone).
tickets::NewRequest request_of_chat(const store::RecordStore::Transcript& t, std::string token, const std::string& email) {
  const auto& info = t.record.info();
  tickets::NewRequest r;
  r.token = std::move(token);
  r.category = info.category() == v1::CATEGORY_UNSPECIFIED ? v1::CATEGORY_OTHER : info.category();
  r.subject = info.subject();
  r.text = chat_text(t.messages);
  if (r.text.empty()) r.text = "(the chat had no messages)";
  r.transaction_id = info.transaction_id();
  r.page_url = info.page_url();
  r.requester.set_name(info.visitor_name());
  r.requester.set_email(email);
  r.requester.set_locale(info.locale());
  r.requester.set_time_zone(info.time_zone());
  r.requester.set_visitor_id(info.visitor_id());
  r.requester.set_customer_id(info.customer_id());
  r.requester.set_verified_site(info.verified_site());
  r.channel = parley::desk::v1::TICKET_CHANNEL_CHAT;
  r.source_conversation_id = info.conversation_id();
  return r;
}

// The queue whose reply-by policy a ticket made of this chat follows.
std::string chat_queue(const v1::ConversationInfo& info) {
  return info.tier() >= 2 ? std::string("tier2")
                          : tickets::queue_name(info.category() == v1::CATEGORY_UNSPECIFIED ? v1::CATEGORY_OTHER : info.category());
}

// POST /api/tickets/from-chat {"conversation_id", "email" (default: the
// chat's), "subject" (default: the chat's)}: the chat's agent (or a
// supervisor or admin) makes a ticket of it, owned by them, acknowledged by
// mail; the chat is told the number and the deadline. 201 {"ticket"}; made
// before: 200 with the same ticket.
template <class Reply, class Unavailable>
void make_ticket_of_chat(ServerContext& context, const Request& req, const tickets::Staff& staff, std::int64_t now, Reply reply,
                         Unavailable unavailable) {
  auto body = json_body(req);
  if (!body) return reply(error_response(req, http::status::bad_request, "invalid_request", "send a JSON object"));
  auto conversation = field(*body, "conversation_id");
  auto email = field(*body, "email");
  auto subject = field(*body, "subject");
  if (!conversation || !email || !subject || conversation->empty() || conversation->size() > 64)
    return reply(error_response(req, http::status::bad_request, "invalid_request", "conversation_id (and optional email, subject) as strings"));
  auto* store = context.store;
  store->transcript(*conversation, [&context, req, reply, unavailable, staff, now, conversation = *conversation, email = *email,
                                    subject = *subject](std::optional<store::RecordStore::Transcript> t) {
    if (!t) return reply(error_response(req, http::status::not_found, "not_found", "no such chat"));
    const auto& info = t->record.info();
    if (info.agent_id() != staff.id && !tickets::oversees(staff))
      return reply(error_response(req, http::status::forbidden, "forbidden", "only the chat's agent, a supervisor or an admin makes a ticket of it"));
    auto r = request_of_chat(*t, util::hash_hex("parley-chat-ticket\x1f" + context.chat_ticket_key + "\x1f" + conversation, 32),
                             email.empty() ? info.email() : email);
    if (!subject.empty()) r.subject = subject;
    const auto tier = std::max<std::uint32_t>(1, info.tier());
    const auto due = context.hours.load()->reply_by(chat_queue(info), now);
    auto* records = context.store;
    records->change_ticket(
        tickets::id_for_token(r.token), r.requester.email(),
        [r, now, due, staff, tier, mail_id = util::random_token("m_", 12)](const tickets::Context& c) {
          auto d = tickets::decide_open(r, c, now, due, mail_id);
          if (d.outcome == tickets::Outcome::done) {  // the agent keeps the investigation
            d.put->set_owner_id(staff.id);
            d.put->set_owner_name(staff.name);
            d.put->set_tier(tier);
          }
          return d;
        },
        [&context, req, reply, unavailable, records, now, conversation](std::optional<tickets::Decision> d) {
          if (!d) return unavailable();
          if (d->outcome != tickets::Outcome::done && d->outcome != tickets::Outcome::unchanged)
            return reply(error_response(req, outcome_status(d->outcome), outcome_code(d->outcome), d->message));
          const bool made = d->outcome == tickets::Outcome::done;
          if (made) {
            if (!d->mails.empty() && context.mail_queued) context.mail_queued();
            asio::post(context.hub, [&gateway = context.service, conversation, number = d->put->number(), due = d->put->due_ms()] {
              gateway.announce_ticket(conversation, number, due, false, [](bool) {});  // a closed chat is told nothing
            });
          }
          records->ticket(d->put->id(), [req, reply, unavailable, now, made](bool ok, std::optional<store::RecordStore::TicketThread> made_ticket) {
            if (!ok || !made_ticket) return unavailable();
            reply(json_response(req, made ? http::status::created : http::status::ok, {{"ticket", staff_ticket_json(*made_ticket, now)}}));
          });
        });
  });
}

// POST /api/requests/from-chat {"token", "email", "conversation_id",
// "resume_token"}: a visitor whose chat waits in a queue (nobody online, hours
// over, a long wait) leaves it as a request instead: a ticket with everything
// the chat holds, named by the visitor's secret `token` like a form's request,
// acknowledged by mail; the chat says so and closes. The resume token proves
// the chat is theirs. 201 {"request"}; the same token again: 200 with it.
// `answer(decision, true)` replies as POST /api/requests does: the request,
// 201 when made now, 200 when made before, or the decision's refusal.
template <class Reply, class Unavailable, class Answer>
void leave_chat_as_request(ServerContext& context, const Request& req, const std::string& token, const std::string& email,
                           const std::string& conversation, const std::string& resume, std::int64_t now, Reply reply,
                           Unavailable unavailable, Answer answer) {
  auto* store = context.store;
  const auto id = tickets::id_for_token(token);
  // Made before (a resend after a lost answer): the same request, whatever became of the chat.
  auto made_before = [req, reply, unavailable, store, id, token, conversation] {
    store->ticket(id, [req, reply, unavailable, token, conversation](bool ok, std::optional<store::RecordStore::TicketThread> t) {
      if (!ok) return unavailable();
      if (!t || !tickets::token_matches(t->ticket, token) || t->ticket.source_conversation_id() != conversation)
        return reply(error_response(req, http::status::not_found, "not_waiting", "no chat of yours is waiting"));
      reply(json_response(req, http::status::ok, {{"request", requester_json(*t)}}));
    });
  };
  asio::post(context.hub, [&context, unavailable, answer, store, id, token, email, conversation, resume, now, made_before] {
    if (!context.service.visitor_chat_waiting(resume, conversation)) return made_before();
    store->transcript(conversation, [&context, unavailable, answer, store, id, token, email, now](
                                        std::optional<store::RecordStore::Transcript> chat) {
      if (!chat) return unavailable();  // waiting, so stored: the store did not answer
      auto r = request_of_chat(*chat, token, email);
      const auto due = context.hours.load()->reply_by(chat_queue(chat->record.info()), now);
      store->change_ticket(
          id, email,
          [r, now, due, mail_id = util::random_token("m_", 12)](const tickets::Context& c) {
            return tickets::decide_open(r, c, now, due, mail_id);
          },
          [&context, answer](std::optional<tickets::Decision> d) {
            if (!d || (d->outcome != tickets::Outcome::done && d->outcome != tickets::Outcome::unchanged))
              return answer(std::move(d), true);
            if (!d->mails.empty() && context.mail_queued) context.mail_queued();
            // The chat closes before the visitor is answered, so the widget
            // never shows a queue for a chat that is a request now.
            asio::post(context.hub, [&gateway = context.service, decision = std::move(*d), answer]() mutable {
              const auto& t = *decision.put;
              gateway.announce_ticket(t.source_conversation_id(), t.number(), t.due_ms(), true,
                                      [decision, answer](bool) mutable { answer(std::move(decision), true); });
            });
          });
    });
  });
}

// POST /api/transcripts {"email", "conversation_id", "resume_token"}: the
// visitor of a closed chat has its transcript mailed (the outbox, in their
// language and zone), at most max_transcripts_per_chat times. 202 {"queued",
// "email"}; not theirs or not closed: 404 not_found; the limit: 429 limit_reached.
inline constexpr std::size_t max_transcripts_per_chat = 3;
template <class Reply, class Unavailable>
void mail_transcript(ServerContext& context, const Request& req, const std::string& email, const std::string& conversation,
                     const std::string& resume, std::int64_t now, Reply reply, Unavailable unavailable) {
  asio::post(context.hub, [&context, req, reply, unavailable, email, conversation, resume, now] {
    const auto state = context.service.visitor_chat_state(resume, conversation);
    if (state != v1::CONVERSATION_STATE_CLOSED)
      return reply(error_response(req, http::status::not_found, "not_found", "no closed chat of yours"));
    auto* store = context.store;
    store->transcript(conversation, [&context, req, reply, unavailable, store, email, conversation, now](
                                        std::optional<store::RecordStore::Transcript> chat) {
      if (!chat) return unavailable();
      tickets::Mail mail;
      mail.set_id(util::random_token("m_", 12));
      mail.set_kind(tickets::Mail::KIND_TRANSCRIPT);
      mail.set_conversation_id(conversation);
      mail.set_to(email);
      mail.set_locale(chat->record.info().locale());
      mail.set_time_zone(chat->record.info().time_zone());
      mail.set_created_ms(now);
      mail.set_next_attempt_ms(now);
      mail.set_status(tickets::Mail::STATUS_QUEUED);
      store->queue_chat_mail(mail, max_transcripts_per_chat, [&context, req, reply, unavailable, email](std::optional<bool> queued) {
        if (!queued) return unavailable();
        if (!*queued)
          return reply(error_response(req, http::status::too_many_requests, "limit_reached",
                                      "this chat's transcript was mailed " + std::to_string(max_transcripts_per_chat) + " times already"));
        if (context.mail_queued) context.mail_queued();
        reply(json_response(req, http::status::accepted, {{"queued", true}, {"email", email}}));
      });
    });
  });
}

std::optional<v1::Category> category_of(const std::string& name) {
  if (name.empty()) return v1::CATEGORY_OTHER;
  for (int c = v1::CATEGORY_ACCOUNT; c <= v1::CATEGORY_OTHER; ++c)
    if (tickets::queue_name(static_cast<v1::Category>(c)) == name || v1::Category_Name(static_cast<v1::Category>(c)) == name)
      return static_cast<v1::Category>(c);
  return std::nullopt;
}

// The origin may call the requester API: this server's pages or an allowed site.
bool origin_allowed(const Request& req, const std::vector<std::string>& allowed) {
  const std::string origin(req[http::field::origin]);
  return same_origin(req) || std::find(allowed.begin(), allowed.end(), origin) != allowed.end();
}

template <class Response>
Response with_cors(const Request& req, Response res) {
  if (!req[http::field::origin].empty()) {
    res.set(http::field::access_control_allow_origin, req[http::field::origin]);
    res.set(http::field::vary, "Origin");
  }
  return res;
}

}  // namespace

template <class Stream>
void HttpSession<Stream>::handle_requests_api(Request req, const std::string& path) {
  if (!origin_allowed(req, context_.allowed_origins))
    return write(error_response(req, http::status::forbidden, "origin_not_allowed", "this site may not send requests here"));
  if (req.method() == http::verb::options) {  // the CORS preflight of a widget on the host site
    http::response<http::string_body> res{http::status::no_content, req.version()};
    res.set(http::field::access_control_allow_methods, "GET, POST");
    res.set(http::field::access_control_allow_headers, "Content-Type, Authorization");
    res.set(http::field::access_control_max_age, "600");
    res.keep_alive(req.keep_alive());
    return write(with_cors(req, std::move(res)));
  }
  auto* store = context_.store;
  auto reply = [self = this->shared_from_this(), req](http::response<http::string_body> res) {
    self->reply_from_shard([self, res = with_cors(req, std::move(res))]() mutable { self->write(std::move(res)); });
  };
  if (!store)
    return reply(error_response(req, http::status::service_unavailable, "no_records",
                                "requests need a server with records (--data-dir or --database)"));
  const bool create = path == "/api/requests";
  const bool mine = path == "/api/requests/mine";
  const bool follow_up = path == "/api/requests/mine/messages";
  const bool from_chat = path == "/api/requests/from-chat";
  const bool transcript = path == "/api/transcripts";
  if (!create && !mine && !follow_up && !from_chat && !transcript)
    return reply(error_response(req, http::status::not_found, "not_found", "no such API"));
  const auto method = mine ? http::verb::get : http::verb::post;
  if (req.method() != method)
    return reply(error_response(req, http::status::method_not_allowed, "method_not_allowed",
                                "use " + std::string(http::to_string(method))));
  if (method == http::verb::post && !is_json(req))
    return reply(error_response(req, http::status::unsupported_media_type, "expected_json", "send application/json"));
  const auto now = now_ms();
  // Per client address, counted once a request is well formed (a bad one
  // costs nothing and is told what is wrong).
  auto rate_limited = [&](util::KeyedTokenBuckets& buckets) {
    std::lock_guard lock(context_.request_limits.mutex);
    const auto key = client_address(req);
    if (buckets.try_take(key, now)) return false;
    auto res = error_response(req, http::status::too_many_requests, "rate_limited", "too many requests; wait a minute");
    res.set(http::field::retry_after, std::to_string(std::max<std::int64_t>(1, buckets.wait_ms(key, now) / 1000)));
    reply(std::move(res));
    return true;
  };
  auto unavailable = [req, reply] {
    reply(error_response(req, http::status::service_unavailable, "unavailable", "the store cannot answer now; retry"));
  };
  auto answer = [req, reply, unavailable, store, now](std::optional<tickets::Decision> d, bool created) {
    if (!d) return unavailable();
    if (d->outcome != tickets::Outcome::done && d->outcome != tickets::Outcome::unchanged)
      return reply(error_response(req, outcome_status(d->outcome), outcome_code(d->outcome), d->message));
    const bool fresh = created && d->outcome == tickets::Outcome::done;
    store->ticket(d->put->id(), [req, reply, unavailable, fresh](bool ok, std::optional<store::RecordStore::TicketThread> t) {
      if (!ok || !t) return unavailable();
      reply(json_response(req, fresh ? http::status::created : http::status::ok, {{"request", requester_json(*t)}}));
    });
    (void)now;
  };

  if (transcript) {
    auto body = json_body(req);
    auto email = body ? field(*body, "email") : std::nullopt;
    auto conversation = body ? field(*body, "conversation_id") : std::nullopt;
    auto resume = body ? field(*body, "resume_token") : std::nullopt;
    if (!email || !conversation || !resume || conversation->empty() || conversation->size() > 64 || resume->empty() ||
        resume->size() > 256)
      return reply(error_response(req, http::status::bad_request, "invalid_request",
                                  "send {\"email\", \"conversation_id\", \"resume_token\"} as strings"));
    if (!tickets::plausible_email(*email))
      return reply(error_response(req, http::status::bad_request, "invalid_request", "email: one plain address"));
    if (rate_limited(context_.request_limits.new_requests)) return;
    mail_transcript(context_, req, *email, *conversation, *resume, now, reply, unavailable);
    return;
  }
  if (from_chat) {
    auto body = json_body(req);
    auto token = body ? field(*body, "token") : std::nullopt;
    auto email = body ? field(*body, "email") : std::nullopt;
    auto conversation = body ? field(*body, "conversation_id") : std::nullopt;
    auto resume = body ? field(*body, "resume_token") : std::nullopt;
    if (!token || !email || !conversation || !resume || conversation->empty() || conversation->size() > 64 ||
        resume->empty() || resume->size() > 256)
      return reply(error_response(req, http::status::bad_request, "invalid_request",
                                  "send {\"token\", \"email\", \"conversation_id\", \"resume_token\"} as strings"));
    tickets::NewRequest probe;  // the fields the visitor gives, checked before anything is looked up
    probe.token = *token;
    probe.text = "-";
    probe.requester.set_email(*email);
    if (auto why = tickets::invalid_request(probe)) return reply(error_response(req, http::status::bad_request, "invalid_request", *why));
    if (rate_limited(context_.request_limits.new_requests)) return;
    leave_chat_as_request(context_, req, *token, *email, *conversation, *resume, now, reply, unavailable, answer);
    return;
  }
  if (create) {
    auto body = json_body(req);
    tickets::NewRequest r;
    auto take = [&](const char* key, std::string& out) {
      auto v = body ? field(*body, key) : std::nullopt;
      if (!v) return false;
      out = std::move(*v);
      return true;
    };
    std::string category, name, email, locale, zone, customer_id;
    if (!body || !take("token", r.token) || !take("category", category) || !take("subject", r.subject) || !take("text", r.text) ||
        !take("email", email) || !take("name", name) || !take("transaction_id", r.transaction_id) || !take("locale", locale) ||
        !take("time_zone", zone) || !take("page_url", r.page_url) || !take("client_message_id", r.client_message_id))
      return reply(error_response(req, http::status::bad_request, "invalid_request",
                                  "send {\"token\", \"email\", \"text\", \"category\", \"subject\", \"name\", "
                                  "\"transaction_id\", \"locale\", \"time_zone\"} as strings"));
    auto cat = category_of(category);
    if (!cat) return reply(error_response(req, http::status::bad_request, "invalid_request", "category: unknown"));
    r.category = *cat;
    r.requester.set_name(name);
    r.requester.set_email(email);
    r.requester.set_locale(locale);
    r.requester.set_time_zone(zone);
    if (auto why = tickets::invalid_request(r)) return reply(error_response(req, http::status::bad_request, "invalid_request", *why));
    if (rate_limited(context_.request_limits.new_requests)) return;
    const auto hours = context_.hours.load();
    const auto due = hours->reply_by(tickets::queue_name(r.category), now);
    const auto id = tickets::id_for_token(r.token);
    auto poke = context_.mail_queued;
    store->change_ticket(
        id, email,
        [r, now, due, mail_id = util::random_token("m_", 12)](const tickets::Context& c) {
          return tickets::decide_open(r, c, now, due, mail_id);
        },
        [answer, poke](std::optional<tickets::Decision> d) {
          if (d && !d->mails.empty() && poke) poke();
          answer(std::move(d), true);
        });
    return;
  }
  const std::string token(bearer_token(req));
  if (token.size() < tickets::min_token_bytes || token.size() > tickets::max_token_bytes)
    return reply(error_response(req, http::status::unauthorized, "no_request", "send the request's token as 'Authorization: Bearer <token>'"));
  const auto id = tickets::id_for_token(token);
  if (mine) {
    store->ticket(id, [req, reply, unavailable, token](bool ok, std::optional<store::RecordStore::TicketThread> t) {
      if (!ok) return unavailable();
      if (!t || !tickets::token_matches(t->ticket, token))
        return reply(error_response(req, http::status::not_found, "not_found", "no such request"));
      reply(json_response(req, http::status::ok, {{"request", requester_json(*t)}}));
    });
    return;
  }
  auto body = json_body(req);
  auto text = body ? field(*body, "text") : std::nullopt;
  auto client_id = body ? field(*body, "client_message_id") : std::nullopt;
  if (!text || !client_id)
    return reply(error_response(req, http::status::bad_request, "invalid_request", "send {\"text\", \"client_message_id\"}"));
  if (rate_limited(context_.request_limits.follow_ups)) return;
  store->change_ticket(
      id, "",
      [token, text = *text, client_id = *client_id, now](const tickets::Context& c) {
        return tickets::decide_requester_message(token, text, client_id, c, now);
      },
      [answer](std::optional<tickets::Decision> d) { answer(std::move(d), false); });
}

template <class Stream>
void HttpSession<Stream>::handle_ticket_api(Request incoming, const std::string& path) {
  // /api/tickets or /api/tickets/ID[/ACTION]
  std::string id, action;
  if (path != "/api/tickets") {
    auto rest = path.substr(std::string_view("/api/tickets/").size());
    const auto slash = rest.find('/');
    id = rest.substr(0, slash);
    action = slash == std::string::npos ? "" : rest.substr(slash + 1);
  }
  static const std::vector<std::string> actions{"", "claim", "reply", "note", "status", "assign"};
  // attachments/INBOX_ID/INDEX: a file a mail of this ticket carried.
  std::string inbox_id;
  unsigned attachment_index = 0;
  if (action.rfind("attachments/", 0) == 0) {
    const auto rest = action.substr(std::string_view("attachments/").size());
    const auto slash = rest.find('/');
    inbox_id = rest.substr(0, slash);
    const auto n = slash == std::string::npos ? std::string() : rest.substr(slash + 1);
    if (inbox_id.empty() || inbox_id.size() > 64 || n.empty() || n.size() > 3 ||
        !std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return write(error_response(incoming, http::status::not_found, "not_found", "no such attachment"));
    attachment_index = static_cast<unsigned>(std::stoul(n));
  } else if (id == "from-chat" && !action.empty()) {
    return write(error_response(incoming, http::status::not_found, "not_found", "no such ticket API"));
  } else if ((path != "/api/tickets" && (id.empty() || id.size() > 64)) || std::find(actions.begin(), actions.end(), action) == actions.end()) {
    return write(error_response(incoming, http::status::not_found, "not_found", "no such ticket API"));
  }
  const bool from_chat = id == "from-chat";
  const auto method = (action.empty() || !inbox_id.empty()) && !from_chat ? http::verb::get : http::verb::post;
  if (incoming.method() != method)
    return write(error_response(incoming, http::status::method_not_allowed, "method_not_allowed",
                                "use " + std::string(http::to_string(method))));
  if (method == http::verb::post && (!is_json(incoming) || !same_origin(incoming)))
    return write(error_response(incoming, http::status::unsupported_media_type, "expected_json",
                                "send application/json from this server's pages"));
  as_staff(std::move(incoming), [self = this->shared_from_this(), id, action, inbox_id, attachment_index, from_chat](
                                    const Request& req, const auth::StaffMember& member, auto reply) {
    auto* store = self->context_.store;
    if (!store)
      return reply(error_response(req, http::status::service_unavailable, "no_records",
                                  "tickets need a server with records (--data-dir or --database)"));
    const tickets::Staff staff{member.agent_id, member.display_name.empty() ? member.agent_id : member.display_name, member.role};
    auto unavailable = [req, reply] {
      reply(error_response(req, http::status::service_unavailable, "unavailable", "the store cannot answer now; retry"));
    };
    const auto now = now_ms();
    if (id.empty()) {
      const auto view = query_param(req.target(), "view");
      auto status = query_param(req.target(), "status");
      const auto queue = query_param(req.target(), "queue");
      if (!view.empty() && view != "all" && view != "mine" && view != "unassigned")
        return reply(error_response(req, http::status::bad_request, "invalid_request", "view: all, mine or unassigned"));
      int min = tv1::TICKET_STATUS_OPEN, max = tv1::TICKET_STATUS_PENDING;
      if (!status.empty() && status != "active") {
        auto s = tickets::parse_status(status);
        if (!s) return reply(error_response(req, http::status::bad_request, "invalid_request", "status: active, open, pending, solved or closed"));
        min = max = *s;
      }
      store->tickets(min, max, 1000, [req, reply, unavailable, staff, view, queue, now](std::optional<std::vector<tickets::Record>> all) {
        if (!all) return unavailable();
        json::array out;
        for (const auto& t : *all) {
          if (!tickets::visible_to(staff, t)) continue;
          if (view == "mine" && t.owner_id() != staff.id) continue;
          if (view == "unassigned" && !t.owner_id().empty()) continue;
          if (!queue.empty() && tickets::queue_of(t) != queue) continue;
          out.push_back(summary_json(t, now));
          if (out.size() >= 200) break;
        }
        reply(json_response(req, http::status::ok, {{"tickets", std::move(out)}, {"now_ms", now}}));
      });
      return;
    }
    if (from_chat) return make_ticket_of_chat(self->context_, req, staff, now, reply, unavailable);
    if (!inbox_id.empty()) {
      // Only a file listed on a message of a ticket this member sees, and
      // offered (type and size within the limits of mail/inbound.hpp).
      store->ticket(id, [req, reply, unavailable, staff, store, inbox_id, attachment_index](
                            bool ok, std::optional<store::RecordStore::TicketThread> t) {
        if (!ok) return unavailable();
        const parley::desk::v1::MailAttachment* listed = nullptr;
        if (t && tickets::visible_to(staff, t->ticket))
          for (const auto& m : t->messages)
            if (m.inbox_id() == inbox_id)
              for (const auto& a : m.attachments())
                if (a.index() == attachment_index) listed = &a;
        if (!listed) return reply(error_response(req, http::status::not_found, "not_found", "no such attachment"));
        if (!listed->refused().empty())
          return reply(error_response(req, http::status::forbidden, "not_offered", "not offered for download: " + listed->refused()));
        store->inbox_mail(inbox_id, [req, reply, unavailable, attachment_index](bool read, std::optional<std::string> raw) {
          if (!read) return unavailable();
          auto file = raw ? mail::attachment(*raw, attachment_index) : std::nullopt;
          // Judged again from the bytes: what is served is what was listed.
          if (!file || !mail::accepted_type(file->content_type) || file->bytes.size() > mail::max_attachment_bytes)
            return reply(error_response(req, http::status::not_found, "not_found", "no such attachment"));
          http::response<http::string_body> res{http::status::ok, req.version()};
          res.set(http::field::server, "parley");
          res.set(http::field::content_type, file->content_type);
          res.set(http::field::content_disposition, "attachment; filename*=UTF-8''" + percent_encoded(file->file_name));
          res.set(http::field::cache_control, "private, no-store");
          res.set("X-Content-Type-Options", "nosniff");
          res.set("Content-Security-Policy", "sandbox; default-src 'none'");
          res.keep_alive(req.keep_alive());
          res.body() = std::move(file->bytes);
          res.prepare_payload();
          reply(std::move(res));
        });
      });
      return;
    }
    if (action.empty()) {
      store->ticket(id, [req, reply, unavailable, staff, now](bool ok, std::optional<store::RecordStore::TicketThread> t) {
        if (!ok) return unavailable();
        if (!t || !tickets::visible_to(staff, t->ticket)) return reply(error_response(req, http::status::not_found, "not_found", "no such ticket"));
        reply(json_response(req, http::status::ok, {{"ticket", staff_ticket_json(*t, now)}}));
      });
      return;
    }
    auto body = json_body(req);
    if (!body) return reply(error_response(req, http::status::bad_request, "invalid_request", "send a JSON object"));
    tickets::StaffChange change;
    auto text = field(*body, "text");
    auto client_id = field(*body, "client_message_id");
    auto status = field(*body, "status");
    auto to = field(*body, "agent_id");
    if (!text || !client_id || !status || !to)
      return reply(error_response(req, http::status::bad_request, "invalid_request", "text, client_message_id, status and agent_id are strings"));
    change.text = *text;
    change.client_message_id = *client_id;
    if (!status->empty()) {
      auto s = tickets::parse_status(*status);
      if (!s) return reply(error_response(req, http::status::bad_request, "invalid_request", "status: open, pending, solved or closed"));
      change.status = *s;
    }
    if (action == "claim") change.action = tickets::Action::claim;
    if (action == "reply") change.action = tickets::Action::reply;
    if (action == "note") change.action = tickets::Action::note;
    if (action == "status") change.action = tickets::Action::set_status;
    if (action == "assign") {
      change.action = tickets::Action::assign;
      if (!to->empty()) {
        const auto accounts = self->context_.staff_auth.accounts();
        auto it = accounts->find(*to);
        if (it == accounts->end() || it->second.disabled)
          return reply(error_response(req, http::status::bad_request, "invalid_request", "agent_id: no such account"));
        change.to_id = it->second.id;
        change.to_name = it->second.display_name.empty() ? it->second.id : it->second.display_name;
      }
    }
    auto poke = self->context_.mail_queued;
    store->change_ticket(
        id, "",
        [staff, change, now, mail_id = util::random_token("m_", 12)](const tickets::Context& c) {
          return tickets::decide_staff(staff, change, c, now, mail_id);
        },
        [req, reply, unavailable, store, now, poke](std::optional<tickets::Decision> d) {
          if (!d) return unavailable();
          if (d->outcome != tickets::Outcome::done && d->outcome != tickets::Outcome::unchanged)
            return reply(error_response(req, outcome_status(d->outcome), outcome_code(d->outcome), d->message));
          if (!d->mails.empty() && poke) poke();
          store->ticket(d->put->id(), [req, reply, unavailable, now](bool ok, std::optional<store::RecordStore::TicketThread> t) {
            if (!ok || !t) return unavailable();
            reply(json_response(req, http::status::ok, {{"ticket", staff_ticket_json(*t, now)}}));
          });
        });
  });
}

template void HttpSession<plain_stream>::handle_requests_api(Request, const std::string&);
template void HttpSession<tls_stream>::handle_requests_api(Request, const std::string&);
template void HttpSession<plain_stream>::handle_ticket_api(Request, const std::string&);
template void HttpSession<tls_stream>::handle_ticket_api(Request, const std::string&);

}  // namespace parley::net
