#pragma once
// Tickets: requests that are not live. A module beside the chat core (it never
// touches a chat): who may see and change which ticket, what a change writes,
// and the limits, as plain functions over the stored records. The store runs
// each decision on its writer thread inside one transaction with what it reads
// (the ticket, its thread, the next number), so two agents never both claim a
// ticket and a reply is stored together with the mail that carries it (the
// transactional outbox, server/mail).
//
// One inbox, one history: a ticket keeps the chat it came from
// (source_conversation_id) and the customer (visitor id, verified customer id,
// e-mail), so the console shows a customer's chats and tickets together; its
// own thread is the messages after the chat (e-mail replies, the requester's
// follow-ups from the widget).
//
// Policy (docs/security.md):
//  - staff: tier-1 tickets are seen by every staff member, tier-2 ones by
//    tier 2, supervisors and admins; an agent claims an unassigned ticket or
//    replies to their own; supervisors and admins also reply to, reassign and
//    change any ticket they see. Internal notes: anyone who sees the ticket.
//  - the requester: whoever holds the secret the widget made when it sent the
//    request (only its hash is stored) sees the ticket without notes or staff
//    ids, and may add messages to it until it is closed.
//  - limits: 20 open or pending tickets per e-mail address, 500 messages per
//    ticket, 200 notes, 10 000 characters a message; at a limit the request is
//    refused with limit_reached (nothing is half stored).

#include "parley/v1/protocol.pb.h"
#include "parley/v1/tickets.pb.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::tickets {

namespace v1 = parley::v1;
using Record = parley::desk::v1::TicketRecord;
using Message = parley::desk::v1::TicketMessage;
using Mail = parley::desk::v1::MailRecord;
using Status = parley::desk::v1::TicketStatus;

inline constexpr std::size_t max_open_per_requester = 20;
inline constexpr std::size_t max_messages = 500;
inline constexpr std::size_t max_notes = 200;
inline constexpr std::size_t max_text_chars = 10'000;
inline constexpr std::size_t min_token_bytes = 32;
inline constexpr std::size_t max_token_bytes = 128;

// What a requester sends (the widget's form), or what a chat or a mail becomes.
struct NewRequest {
  std::string token;  // the requester's secret: 32 to 128 of [A-Za-z0-9_-]
  v1::Category category = v1::CATEGORY_OTHER;
  std::string subject;
  std::string text;
  std::string transaction_id;
  std::string page_url;
  parley::desk::v1::Requester requester;
  parley::desk::v1::TicketChannel channel = parley::desk::v1::TICKET_CHANNEL_WEB_FORM;
  std::string source_conversation_id;
  std::string client_message_id;  // of the first message
};

// The ticket id a requester's secret names, and the hash kept to check it.
std::string id_for_token(const std::string& token);
std::string token_hash(const std::string& token);
bool token_matches(const Record& ticket, const std::string& token);

// Why a request cannot be a ticket ("email: ..."), or nothing if it can.
std::optional<std::string> invalid_request(const NewRequest& request);
bool plausible_email(const std::string& address);

struct Staff {
  std::string id;
  std::string name;
  v1::Role role = v1::ROLE_AGENT;
};
bool oversees(const Staff& staff);
bool visible_to(const Staff& staff, const Record& ticket);

// What the store reads for a decision, in the decision's transaction.
struct Context {
  std::optional<Record> ticket;
  std::vector<Message> messages;       // its thread, oldest first
  std::uint64_t next_number = 1001;    // for a new ticket
  std::size_t open_of_requester = 0;   // open or pending tickets of the request's e-mail
  // A received mail's ticket found only through its References (not by a
  // signed reply address): it joins that ticket only if its sender is the requester.
  bool by_reference = false;
};

enum class Outcome { done, unchanged, invalid, forbidden, not_found, wrong_state, limit_reached };

// What to write and what to answer.
struct Decision {
  Outcome outcome = Outcome::invalid;
  std::string message;          // why, when not done
  std::optional<Record> put;    // the ticket as stored
  std::vector<Message> append;  // new thread messages
  std::vector<Mail> mails;      // the outbox entries that go with them
};

// A new ticket from a request (a resend of the same request, same secret,
// answers `unchanged` with the stored ticket). `due_ms`: the queue's reply-by
// deadline (hours::BusinessHours::reply_by). `mail_id`: the acknowledgement's id.
Decision decide_open(const NewRequest& request, const Context& context, std::int64_t now_ms, std::int64_t due_ms,
                     const std::string& mail_id);
// The requester adds a message (from the widget): reopens a pending or solved ticket.
Decision decide_requester_message(const std::string& token, const std::string& text, const std::string& client_message_id,
                                  const Context& context, std::int64_t now_ms);

// A mail to support (server/mail/inbound), as parsed.
struct IncomingMail {
  std::string from_address, from_name;
  std::string subject;
  std::string text;        // what is new in it (quoted history cut), at most max_text_chars
  std::string message_id;  // without angle brackets
  std::string inbox_id;    // where the raw mail is kept
  std::string locale;      // "zh-CN" when it is written in Chinese, else "en"
  std::vector<parley::desk::v1::MailAttachment> attachments;
  // Why it must not be answered ("auto-reply", "bounce", "mailing list", ...);
  // empty when a person wrote it.
  std::string automatic;
};
// What a received mail does, over the ticket it names (context.ticket, if any):
//  - automatic mail is kept (raw) but put on no ticket and never answered:
//    `unchanged`, no mail queued (no mail loops);
//  - on an open, pending or solved ticket it names (by signed reply address,
//    or by reference when its sender is the requester), it is added to the
//    thread and reopens the ticket; nothing is sent back;
//  - otherwise (a new mail, a reply to a closed ticket, a stranger's reply)
//    it opens a ticket that is acknowledged by mail, as a request would;
//    `token` is that ticket's secret (nobody holds it: mail tickets are
//    reached by mail). At the per-address limit: limit_reached.
Decision decide_mail(const IncomingMail& mail, const Context& context, std::int64_t now_ms, std::int64_t due_ms,
                     const std::string& ack_mail_id, const std::string& token);

// Staff actions.
enum class Action { claim, assign, reply, note, set_status };
struct StaffChange {
  Action action = Action::claim;
  std::string text;               // reply, note
  std::string client_message_id;  // reply: a resend is stored once
  Status status = parley::desk::v1::TICKET_STATUS_UNSPECIFIED;  // set_status; reply: the status after it (default pending)
  std::string to_id, to_name;     // assign (empty: unassign)
};
Decision decide_staff(const Staff& staff, const StaffChange& change, const Context& context, std::int64_t now_ms,
                      const std::string& mail_id);

// Where a ticket is against its deadline, for the inbox.
enum class Urgency { none, due_soon, breached };
// Open tickets past due_ms are breached; within `soon_ms` of it, due soon.
Urgency urgency(const Record& ticket, std::int64_t now_ms, std::int64_t soon_ms = 2 * 3'600'000LL);
bool active(Status status);  // open or pending
const char* status_name(Status status);
std::optional<Status> parse_status(const std::string& name);
// The queue whose hours and policy apply: "tier2", or the category's name.
std::string queue_of(const Record& ticket);
std::string queue_name(v1::Category category);

}  // namespace parley::tickets
