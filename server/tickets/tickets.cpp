#include "tickets/tickets.hpp"

#include "chat/field_limits.hpp"
#include "chat/text.hpp"
#include "secrets/detector.hpp"
#include "util/random.hpp"

#include <algorithm>
#include <cctype>

namespace parley::tickets {
namespace tv1 = parley::desk::v1;
namespace {

bool token_chars(const std::string& token) {
  return std::all_of(token.begin(), token.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::optional<std::string> too_long(const std::string& value, std::size_t max, const char* field) {
  if (chat::utf8_length(value) > max) return std::string(field) + ": at most " + std::to_string(max) + " characters";
  return std::nullopt;
}

std::optional<std::string> invalid_text(const std::string& text) {
  if (chat::blank(text)) return std::string("text: write what the request is about");
  return too_long(text, max_text_chars, "text");
}

Decision refuse(Outcome outcome, std::string message) {
  Decision d;
  d.outcome = outcome;
  d.message = std::move(message);
  return d;
}

Message thread_message(const Record& t, v1::Role role, const std::string& author_id, const std::string& author_name,
                       const std::string& text, const std::string& client_message_id, tv1::TicketChannel channel,
                       std::int64_t now_ms) {
  Message m;
  m.set_ticket_id(t.id());
  m.set_seq(t.last_seq() + 1);
  m.set_author_role(role);
  m.set_author_id(author_id);
  m.set_author_name(author_name);
  // Secrets never stored (server/secrets): from the form, mail or staff alike.
  auto masked = secrets::mask(text);
  m.set_text(std::move(masked.text));
  for (auto kind : masked.kinds) m.add_masked_secrets(secrets::name(kind));
  m.set_time_ms(now_ms);
  m.set_client_message_id(client_message_id);
  m.set_channel(channel);
  return m;
}

Mail mail_for(const Record& t, std::uint64_t seq, Mail::Kind kind, const std::string& id, std::int64_t now_ms) {
  Mail mail;
  mail.set_id(id);
  mail.set_ticket_id(t.id());
  mail.set_seq(seq);
  mail.set_kind(kind);
  mail.set_to(t.requester().email());
  mail.set_created_ms(now_ms);
  mail.set_next_attempt_ms(now_ms);
  mail.set_status(Mail::STATUS_QUEUED);
  return mail;
}

bool resent(const Context& c, const std::string& client_message_id) {
  return !client_message_id.empty() && std::any_of(c.messages.begin(), c.messages.end(), [&](const Message& m) {
           return m.client_message_id() == client_message_id;
         });
}

}  // namespace

std::string id_for_token(const std::string& token) { return "t_" + util::hash_hex("parley-ticket-id:" + token, 16).substr(0, 20); }

std::string token_hash(const std::string& token) { return util::hash_hex("parley-ticket-access:" + token, 32); }

bool token_matches(const Record& ticket, const std::string& token) {
  return !ticket.requester_token_hash().empty() && util::secure_equals(ticket.requester_token_hash(), token_hash(token));
}

bool plausible_email(const std::string& a) {
  const auto at = a.find('@');
  if (a.size() > chat::field::email_bytes || at == std::string::npos || at == 0 || at != a.rfind('@') || at + 1 >= a.size())
    return false;
  const auto domain = a.substr(at + 1);
  if (domain.find('.') == std::string::npos || domain.front() == '.' || domain.back() == '.') return false;
  // No spaces, controls, angle brackets or commas: it goes into a mail header.
  return std::none_of(a.begin(), a.end(), [](unsigned char c) {
    return c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' || c == '\\' || c == '(' || c == ')';
  });
}

std::optional<std::string> invalid_request(const NewRequest& r) {
  if (r.token.size() < min_token_bytes || r.token.size() > max_token_bytes || !token_chars(r.token))
    return std::string("token: 32 to 128 letters, digits, '-' or '_' made by the client");
  if (!plausible_email(r.requester.email())) return std::string("email: an address replies can be sent to");
  if (!v1::Category_IsValid(r.category) || r.category == v1::CATEGORY_UNSPECIFIED) return std::string("category: unknown");
  if (auto e = invalid_text(r.text)) return e;
  if (auto e = too_long(r.subject, chat::field::subject_chars, "subject")) return e;
  if (auto e = too_long(r.transaction_id, chat::field::transaction_id_chars, "transaction_id")) return e;
  if (auto e = too_long(r.requester.name(), chat::field::name_chars, "name")) return e;
  if (r.page_url.size() > chat::field::url_bytes) return std::string("page_url: too long");
  if (r.requester.locale().size() > chat::field::locale_bytes) return std::string("locale: too long");
  if (r.requester.time_zone().size() > chat::field::time_zone_bytes) return std::string("time_zone: too long");
  if (r.client_message_id.size() > chat::field::client_id_bytes) return std::string("client_message_id: too long");
  return std::nullopt;
}

bool oversees(const Staff& s) { return s.role == v1::ROLE_SUPERVISOR || s.role == v1::ROLE_ADMIN; }

bool visible_to(const Staff& s, const Record& t) {
  if (t.tier() <= 1) return s.role != v1::ROLE_UNSPECIFIED && s.role != v1::ROLE_VISITOR;
  return s.role == v1::ROLE_TIER2 || oversees(s);
}

bool active(Status status) { return status == tv1::TICKET_STATUS_OPEN || status == tv1::TICKET_STATUS_PENDING; }

const char* status_name(Status status) {
  switch (status) {
    case tv1::TICKET_STATUS_OPEN: return "open";
    case tv1::TICKET_STATUS_PENDING: return "pending";
    case tv1::TICKET_STATUS_SOLVED: return "solved";
    case tv1::TICKET_STATUS_CLOSED: return "closed";
    default: return "unknown";
  }
}

std::optional<Status> parse_status(const std::string& name) {
  for (auto s : {tv1::TICKET_STATUS_OPEN, tv1::TICKET_STATUS_PENDING, tv1::TICKET_STATUS_SOLVED, tv1::TICKET_STATUS_CLOSED})
    if (name == status_name(s)) return s;
  return std::nullopt;
}

std::string queue_name(v1::Category category) {
  switch (category) {
    case v1::CATEGORY_ACCOUNT: return "account";
    case v1::CATEGORY_DEPOSIT: return "deposit";
    case v1::CATEGORY_WITHDRAWAL: return "withdrawal";
    case v1::CATEGORY_TRADING: return "trading";
    case v1::CATEGORY_REFUND: return "refund";
    default: return "other";
  }
}

std::string queue_of(const Record& t) { return t.tier() >= 2 ? "tier2" : queue_name(t.category()); }

Urgency urgency(const Record& t, std::int64_t now_ms, std::int64_t soon_ms) {
  if (t.status() != tv1::TICKET_STATUS_OPEN || t.due_ms() <= 0) return Urgency::none;
  if (now_ms >= t.due_ms()) return Urgency::breached;
  return t.due_ms() - now_ms <= soon_ms ? Urgency::due_soon : Urgency::none;
}

Decision decide_open(const NewRequest& r, const Context& c, std::int64_t now_ms, std::int64_t due_ms, const std::string& mail_id) {
  if (auto why = invalid_request(r)) return refuse(Outcome::invalid, *why);
  if (c.ticket) {
    if (!token_matches(*c.ticket, r.token)) return refuse(Outcome::forbidden, "this request token belongs to another request");
    Decision d;
    d.outcome = Outcome::unchanged;  // a resend: the same ticket
    d.put = c.ticket;
    return d;
  }
  if (c.open_of_requester >= max_open_per_requester)
    return refuse(Outcome::limit_reached, "this e-mail address has " + std::to_string(max_open_per_requester) +
                                              " open requests; we answer them first");
  Record t;
  t.set_id(id_for_token(r.token));
  t.set_number(c.next_number);
  t.set_status(tv1::TICKET_STATUS_OPEN);
  t.set_channel(r.channel);
  t.set_category(r.category);
  t.set_tier(1);
  t.set_subject(secrets::mask(r.subject).text);
  t.set_transaction_id(r.transaction_id);
  *t.mutable_requester() = r.requester;
  t.set_created_ms(now_ms);
  t.set_updated_ms(now_ms);
  t.set_due_ms(due_ms);
  t.set_source_conversation_id(r.source_conversation_id);
  t.set_requester_token_hash(token_hash(r.token));
  t.set_page_url(r.page_url);
  t.set_customer_waiting_since_ms(now_ms);
  const auto name = r.requester.name().empty() ? r.requester.email() : r.requester.name();
  Decision d;
  d.append.push_back(thread_message(t, v1::ROLE_VISITOR, "", name, r.text, r.client_message_id, r.channel, now_ms));
  t.set_last_seq(1);
  d.mails.push_back(mail_for(t, 0, Mail::KIND_ACKNOWLEDGEMENT, mail_id, now_ms));
  d.outcome = Outcome::done;
  d.put = std::move(t);
  return d;
}

Decision decide_requester_message(const std::string& token, const std::string& text, const std::string& client_message_id,
                                  const Context& c, std::int64_t now_ms) {
  if (!c.ticket || !token_matches(*c.ticket, token)) return refuse(Outcome::not_found, "no such request");
  if (auto why = invalid_text(text)) return refuse(Outcome::invalid, *why);
  if (client_message_id.size() > chat::field::client_id_bytes) return refuse(Outcome::invalid, "client_message_id: too long");
  if (resent(c, client_message_id)) {
    Decision d;
    d.outcome = Outcome::unchanged;
    d.put = c.ticket;
    return d;
  }
  auto t = *c.ticket;
  if (t.status() == tv1::TICKET_STATUS_CLOSED) return refuse(Outcome::wrong_state, "this request is closed; send a new one");
  if (t.last_seq() >= max_messages) return refuse(Outcome::limit_reached, "this request is too long; send a new one");
  Decision d;
  const auto name = t.requester().name().empty() ? t.requester().email() : t.requester().name();
  d.append.push_back(thread_message(t, v1::ROLE_VISITOR, "", name, text, client_message_id, tv1::TICKET_CHANNEL_WEB_FORM, now_ms));
  t.set_last_seq(t.last_seq() + 1);
  t.set_status(tv1::TICKET_STATUS_OPEN);
  if (t.customer_waiting_since_ms() == 0) t.set_customer_waiting_since_ms(now_ms);
  t.set_updated_ms(now_ms);
  d.outcome = Outcome::done;
  d.put = std::move(t);
  return d;
}

Decision decide_staff(const Staff& s, const StaffChange& change, const Context& c, std::int64_t now_ms, const std::string& mail_id) {
  if (!c.ticket || !visible_to(s, *c.ticket)) return refuse(Outcome::not_found, "no such ticket");
  auto t = *c.ticket;
  const bool mine = t.owner_id() == s.id;
  const bool unowned = t.owner_id().empty();
  Decision d;
  d.outcome = Outcome::done;
  auto take = [&] {
    t.set_owner_id(s.id);
    t.set_owner_name(s.name);
  };
  switch (change.action) {
    case Action::claim:
      if (mine) return Decision{Outcome::unchanged, "", t, {}, {}};
      if (!unowned && !oversees(s)) return refuse(Outcome::wrong_state, "already claimed by " + t.owner_name());
      if (t.status() == tv1::TICKET_STATUS_CLOSED) return refuse(Outcome::wrong_state, "this ticket is closed");
      take();
      break;
    case Action::assign:
      if (!oversees(s)) return refuse(Outcome::forbidden, "only supervisors and admins assign tickets to others");
      t.set_owner_id(change.to_id);
      t.set_owner_name(change.to_name);
      break;
    case Action::note: {
      if (chat::blank(change.text)) return refuse(Outcome::invalid, "text: the note is empty");
      if (auto e = too_long(change.text, chat::field::note_chars, "text")) return refuse(Outcome::invalid, *e);
      if (static_cast<std::size_t>(t.notes_size()) >= max_notes) return refuse(Outcome::limit_reached, "this ticket has too many notes");
      auto* n = t.add_notes();
      n->set_conversation_id(t.id());
      n->set_author_id(s.id);
      n->set_author_name(s.name);
      n->set_text(secrets::mask(change.text).text);
      n->set_server_time_ms(now_ms);
      n->set_kind("note");
      break;
    }
    case Action::reply: {
      if (auto why = invalid_text(change.text)) return refuse(Outcome::invalid, *why);
      if (change.client_message_id.size() > chat::field::client_id_bytes)
        return refuse(Outcome::invalid, "client_message_id: too long");
      if (resent(c, change.client_message_id)) return Decision{Outcome::unchanged, "", t, {}, {}};
      if (!mine && !unowned && !oversees(s)) return refuse(Outcome::forbidden, "this ticket is " + t.owner_name() + "'s");
      if (t.status() == tv1::TICKET_STATUS_CLOSED) return refuse(Outcome::wrong_state, "this ticket is closed");
      if (t.last_seq() >= max_messages) return refuse(Outcome::limit_reached, "this ticket has too many messages");
      const auto after = change.status == tv1::TICKET_STATUS_UNSPECIFIED ? tv1::TICKET_STATUS_PENDING : change.status;
      if (after == tv1::TICKET_STATUS_CLOSED) return refuse(Outcome::invalid, "status: a reply leaves a ticket open, pending or solved");
      if (unowned) take();
      d.append.push_back(thread_message(t, s.role, s.id, s.name, change.text, change.client_message_id,
                                        tv1::TICKET_CHANNEL_UNSPECIFIED, now_ms));
      t.set_last_seq(t.last_seq() + 1);
      if (t.first_response_ms() == 0) t.set_first_response_ms(now_ms);
      t.set_customer_waiting_since_ms(0);
      t.set_status(after);
      if (after == tv1::TICKET_STATUS_SOLVED) t.set_solved_ms(now_ms);
      if (!t.requester().email().empty()) d.mails.push_back(mail_for(t, t.last_seq(), Mail::KIND_REPLY, mail_id, now_ms));
      break;
    }
    case Action::set_status: {
      if (change.status == tv1::TICKET_STATUS_UNSPECIFIED) return refuse(Outcome::invalid, "status: open, pending, solved or closed");
      if (!mine && !unowned && !oversees(s)) return refuse(Outcome::forbidden, "this ticket is " + t.owner_name() + "'s");
      if (t.status() == change.status) return Decision{Outcome::unchanged, "", t, {}, {}};
      if (t.status() == tv1::TICKET_STATUS_CLOSED && !oversees(s))
        return refuse(Outcome::wrong_state, "a closed ticket is reopened by a supervisor");
      t.set_status(change.status);
      if (change.status == tv1::TICKET_STATUS_SOLVED) t.set_solved_ms(now_ms);
      if (unowned) take();
      break;
    }
  }
  t.set_updated_ms(now_ms);
  d.put = std::move(t);
  return d;
}

namespace {
bool same_address(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

void carry_mail(Message& m, const IncomingMail& mail) {
  m.set_mail_message_id(mail.message_id);
  m.set_inbox_id(mail.inbox_id);
  for (const auto& a : mail.attachments) *m.add_attachments() = a;
}

std::string mail_text(const IncomingMail& mail) {
  if (!chat::blank(mail.text)) return mail.text;
  return mail.attachments.empty() ? "(an empty mail)" : "(attachments only)";
}
}  // namespace

Decision decide_mail(const IncomingMail& mail, const Context& c, std::int64_t now_ms, std::int64_t due_ms,
                     const std::string& ack_mail_id, const std::string& token) {
  if (!mail.automatic.empty()) return refuse(Outcome::unchanged, "kept, not answered: " + mail.automatic);
  if (!plausible_email(mail.from_address)) return refuse(Outcome::invalid, "the sender's address cannot be answered");
  const auto name = mail.from_name.empty() ? mail.from_address : mail.from_name;
  const bool joins = c.ticket && c.ticket->status() != tv1::TICKET_STATUS_CLOSED &&
                     (!c.by_reference || same_address(c.ticket->requester().email(), mail.from_address));
  if (joins) {
    auto t = *c.ticket;
    if (t.last_seq() >= max_messages) return refuse(Outcome::limit_reached, "this request is too long; write a new one");
    Decision d;
    auto& m = d.append.emplace_back(
        thread_message(t, v1::ROLE_VISITOR, "", name, mail_text(mail), "", tv1::TICKET_CHANNEL_EMAIL, now_ms));
    carry_mail(m, mail);
    t.set_last_seq(t.last_seq() + 1);
    t.set_status(tv1::TICKET_STATUS_OPEN);
    if (t.customer_waiting_since_ms() == 0) t.set_customer_waiting_since_ms(now_ms);
    t.set_updated_ms(now_ms);
    d.outcome = Outcome::done;
    d.put = std::move(t);
    return d;
  }
  NewRequest r;
  r.token = token;
  r.category = v1::CATEGORY_OTHER;
  r.subject = chat::truncate_utf8(mail.subject, chat::field::subject_chars);
  r.text = mail_text(mail);
  r.requester.set_name(chat::truncate_utf8(mail.from_name, chat::field::name_chars));
  r.requester.set_email(mail.from_address);
  r.requester.set_locale(mail.locale);
  r.channel = tv1::TICKET_CHANNEL_EMAIL;
  Context fresh = c;
  fresh.ticket.reset();
  fresh.messages.clear();
  auto d = decide_open(r, fresh, now_ms, due_ms, ack_mail_id);
  if (d.outcome != Outcome::done) return d;
  carry_mail(d.append.front(), mail);
  if (c.ticket) {  // a reply to a closed ticket, or from someone else: say which it follows
    auto* n = d.put->add_notes();
    n->set_conversation_id(d.put->id());
    n->set_author_name("Parley");
    n->set_text("This mail answers #" + std::to_string(c.ticket->number()) +
                (c.ticket->status() == tv1::TICKET_STATUS_CLOSED ? ", which is closed." : ", from another address than its requester's."));
    n->set_server_time_ms(now_ms);
    n->set_kind("system");
  }
  return d;
}

}  // namespace parley::tickets
