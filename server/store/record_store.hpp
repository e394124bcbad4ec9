#pragma once
// The system of record's port: what the chat core and the server need from a
// database, whichever engine is behind it (store/sqlite: embedded, the
// default; store/postgres: a PostgreSQL server). Both pass one contract suite
// (tests/redis/test_message_log_contract.cpp).
//
// Threads: load() runs once at start-up, before any commit. commit() is called
// on the hub and completes on the `completions` executor the store was made
// with, in the order the batches were queued (store/group_commit.hpp).

#include "auth/staff_sessions.hpp"
#include "canned/canned_responses.hpp"
#include "chat/clock.hpp"
#include "parley/v1/events.pb.h"
#include "parley/v1/protocol.pb.h"
#include "parley/v1/state.pb.h"
#include "tickets/tickets.hpp"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <stdexcept>
#include <string>
#include <vector>

namespace parley::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What one hub event (or several) changed: new log entries and state records.
struct StoreBatch {
  std::vector<parley::v1::Message> messages;
  parley::state::v1::StateImage state;  // a change set (Service::export_changes)
  std::vector<parley::events::v1::Event> events;  // appended to the events table
  // Customers to anonymise after the rest of the batch (CustomerErased events).
  std::vector<parley::events::v1::CustomerErased> erasures;
  // Only in what on_committed() hears after an erasure: the conversations
  // anonymised (the search index forgets them).
  std::vector<std::string> erased_conversations;
  bool empty() const {
    return messages.empty() && events.empty() && erasures.empty() && state.conversations_size() == 0 && state.visitors_size() == 0 &&
           state.agents_size() == 0 && state.forgotten_visitors_size() == 0 && !state.queues_included();
  }
};

struct StoredState {
  parley::state::v1::StateImage image;
  // Every conversation's log, numbered from 1.
  std::map<std::string, std::vector<parley::v1::Message>> logs;
};

// What erasure leaves of a conversation: the record without personal data
// (names, e-mail, customer id, subject, transaction id, page, notes' text, the
// rating's comment) and the messages without text; ids, times, states,
// counts and scores stay, for reports. Applied in place.
void anonymise(parley::state::v1::ConversationRecord& record);
void anonymise(parley::v1::Message& message);
// The same for a ticket: the requester's name, address and ids, subject,
// transaction id, page and notes' text go; a thread message keeps no text and
// no requester name (attachments' names go too); an outbox mail keeps no
// address, and one not yet sent never will be.
void anonymise(tickets::Record& ticket);
void anonymise(tickets::Message& message);
void anonymise(tickets::Mail& mail);

class RecordStore {
 public:
  virtual ~RecordStore() = default;

  // What the chat core needs in memory at start-up: visitors, agents, queues,
  // every conversation that is not closed, and the closed ones a remembered
  // visitor may still resume or rate, with their logs. Other closed
  // conversations stay in the store only, so start-up time and memory follow
  // what is live, not history. Throws StoreError.
  StoredState load();
  // Queues a batch; done(true) once it is committed, done(false) if it could
  // not be (the batch is kept and written again before anything newer).
  virtual void commit(StoreBatch batch, std::function<void(bool durable)> done) = 0;
  // Staff sign-ins kept in this store (they survive a restart).
  virtual std::unique_ptr<auth::StaffSessionStore> staff_sessions(const chat::Clock& clock) = 0;
  // Drops queued small jobs (sign-in lookups) and waits for a running one:
  // the owners of their callbacks are about to go (server shutdown).
  virtual void stop_jobs() = 0;
  // Fault injection for tests: while set, every commit fails as on a full or
  // read-only disk. Returns once it is in force.
  virtual void refuse_writes(bool refuse) = 0;
  // The schema version the database is at.
  virtual int schema_version() const = 0;
  // The stored events of one conversation (empty id: those of no
  // conversation, agent status changes), oldest first. Blocks the calling
  // thread until the writer thread has read them: not for the hub.
  virtual std::vector<parley::events::v1::Event> events_of(const std::string& conversation_id) = 0;

  // One stored conversation, whole: its record (with notes and rating) and
  // its messages. `done` runs on the store's thread, with nothing if there is
  // no such conversation or the store cannot answer now.
  struct Transcript {
    parley::state::v1::ConversationRecord record;
    std::vector<parley::v1::Message> messages;
  };
  virtual void transcript(const std::string& conversation_id, std::function<void(std::optional<Transcript>)> done) = 0;
  // The stored events of one conversation, oldest first (its history: who
  // took it, moved it, viewed or exported it). On the store's thread, nothing
  // if the store cannot answer.
  virtual void history(const std::string& conversation_id,
                       std::function<void(std::optional<std::vector<parley::events::v1::Event>>)> done) = 0;
  // Reports (server/reports): the events of every conversation started in
  // [from_ms, to_ms), oldest first, and the comments of their ratings; at most
  // max_conversations (then `truncated`); the tickets made in the period (at
  // most max_tickets_read looked at, then `tickets_truncated`). On the store's thread; nothing if
  // the store cannot answer.
  static constexpr std::size_t max_tickets_read = 100'000;
  struct ReportData {
    std::vector<parley::events::v1::Event> events;
    std::map<std::string, std::string> comments;  // conversation id -> rating comment
    bool truncated = false;
    std::vector<tickets::Record> tickets;  // made in the period
    bool tickets_truncated = false;
    // The help center: ArticleViewed and ArticleRated events in the period
    // (at most max_help_events of each kind), and the ChatStarted events in
    // the period and the hour after it (at most max_help_events), to tell
    // whether a visitor who opened an article went on to chat.
    std::vector<parley::events::v1::Event> help;
    std::vector<parley::events::v1::Event> chat_starts;
    bool help_truncated = false;
  };
  static constexpr std::size_t max_help_events = 100'000;
  static constexpr std::int64_t chat_starts_after_ms = 3'600'000;
  virtual void report_events(std::int64_t from_ms, std::int64_t to_ms, std::size_t max_conversations,
                             std::function<void(std::optional<ReportData>)> done) = 0;
  // Staff set or clear a conversation's legal hold; `event` (its actor and
  // time filled in) is recorded with it. done: nothing if the store cannot
  // answer, false if there is no such conversation. On the store's thread.
  virtual void set_legal_hold(const std::string& conversation_id, bool hold, parley::events::v1::Event event,
                              std::function<void(std::optional<bool>)> done) = 0;
  // Retention: deletes up to `max` closed conversations closed before the
  // time, not on legal hold, with their messages, in one transaction; records
  // a ConversationDeleted event for each (their counts stay for reports).
  // done gets their ids (empty on failure), on the store's thread.
  virtual void expire_closed(std::int64_t closed_before_ms, std::size_t max, std::int64_t now_ms,
                             std::function<void(std::vector<std::string>)> done) = 0;
  // Every stored conversation of one verified customer (or, if customer_id
  // is empty, of one visitor), oldest first, at most `max`; on the store's
  // thread, nothing if the store cannot answer.
  virtual void conversations_of(const std::string& customer_id, const std::string& visitor_id, std::size_t max,
                                std::function<void(std::optional<std::vector<Transcript>>)> done) = 0;
  // Appends events that are not part of a chat change (an export), in order.
  virtual void record_events(std::vector<parley::events::v1::Event> events) = 0;
  // Canned responses (server/canned): every stored one, on the store's
  // thread; nothing if the store cannot answer.
  virtual void canned_responses(
      std::function<void(std::optional<std::vector<parley::state::v1::CannedResponseRecord>>)> done) = 0;
  // One change decided over every stored response and written, on the store's
  // thread, so that two changes never race past a limit or a shortcut:
  // `decide` sees them all and says what to write. done gets the decision once
  // it is stored (nothing if the store could not read or write).
  using CannedDecide = std::function<canned::Decision(const std::vector<parley::state::v1::CannedResponseRecord>&)>;
  virtual void change_canned_responses(CannedDecide decide, std::function<void(std::optional<canned::Decision>)> done) = 0;

  // Tickets (server/tickets). One decision over one ticket, in one
  // transaction on the store's thread: reads the ticket `id` with its thread,
  // the next ticket number and (if `requester_email` is given) how many open
  // or pending tickets that address has; runs `decide`; writes the ticket, its
  // new messages and the mails that go with them (the outbox), all or
  // nothing. done gets the decision once it is stored (nothing if the store
  // could not read or write).
  using TicketDecide = std::function<tickets::Decision(const tickets::Context&)>;
  virtual void change_ticket(const std::string& id, const std::string& requester_email, TicketDecide decide,
                             std::function<void(std::optional<tickets::Decision>)> done) = 0;
  // Tickets whose status is within [min, max] (TicketStatus numbers), by
  // deadline, at most `limit`; nothing if the store cannot answer.
  virtual void tickets(int min_status, int max_status, std::size_t limit,
                       std::function<void(std::optional<std::vector<tickets::Record>>)> done) = 0;
  // One ticket with its thread and its mails. done(false, ...) if the store
  // cannot answer; (true, nothing) if there is no such ticket.
  struct TicketThread {
    tickets::Record ticket;
    std::vector<tickets::Message> messages;
    std::vector<tickets::Mail> mails;
  };
  virtual void ticket(const std::string& id, std::function<void(bool ok, std::optional<TicketThread>)> done) = 0;
  // The outbox (server/mail): claims up to `max` queued mails due by now for
  // `lease_ms` (a claimed mail is not handed out again before the lease ends,
  // so a mailer that died mid-send is retried), each with its ticket and
  // thread. On the store's thread; nothing if the store cannot answer.
  struct MailJob {
    tickets::Mail mail;
    TicketThread thread;              // a ticket's mail
    std::optional<Transcript> chat;   // a chat's transcript (mail.conversation_id)
  };
  virtual void claim_mail(std::int64_t now_ms, std::size_t max, std::int64_t lease_ms,
                          std::function<void(std::optional<std::vector<MailJob>>)> done) = 0;
  // Stores what became of a mail (sent, queued again for a later attempt,
  // failed); done(false) if it could not be stored (the lease then expires
  // and the mail is tried again: at least once, never lost).
  virtual void finish_mail(tickets::Mail mail, std::function<void(bool)> done) = 0;

  // E-mail in (server/mail/inbound): one received mail, in one transaction.
  // If a mail with its Message-ID is stored already (a redelivery), nothing
  // is written and the receipt says duplicate. Otherwise the ticket it
  // belongs to is looked up: the number its signed reply address names, else
  // the first of its references that is a mail we sent (an outbox id) or one
  // we received that went on a ticket (Context::by_reference); `decide` runs
  // as for change_ticket (with the sender's open tickets counted); the raw
  // mail is stored in the inbox with the decision's writes when the decision
  // is done or unchanged (kept on no ticket: an auto-reply, a bounce), and
  // nothing is written when it is refused. done: nothing if the store could
  // not read or write (the listener then answers 4xx and the relay retries).
  struct ReceivedMail {
    std::string inbox_id;
    std::string message_id;
    std::optional<std::uint64_t> ticket_number;
    std::vector<std::string> sent_mail_ids;  // the references that name our own mails, as outbox ids
    std::vector<std::string> references;     // every referenced Message-ID, nearest first
    std::string sender_email;
    std::int64_t received_ms = 0;
    std::string raw;
  };
  struct MailReceipt {
    bool duplicate = false;
    tickets::Decision decision;
  };
  virtual void receive_mail(ReceivedMail mail, TicketDecide decide, std::function<void(std::optional<MailReceipt>)> done) = 0;
  // The raw mail kept in the inbox under `inbox_id` (its attachments are read
  // from it). done(false, ...) if the store cannot answer; (true, nothing) if there is none.
  virtual void inbox_mail(const std::string& inbox_id, std::function<void(bool ok, std::optional<std::string> raw)> done) = 0;
  // Erasure of a requester known by e-mail: every ticket with that address
  // anonymised (record, thread, outbox mails, received mails) in one
  // transaction with `event` (its CustomerErased names nobody once stored).
  // done: how many tickets, or nothing if the store could not (repeatable).
  // A customer erased by id (StoreBatch::erasures) loses their tickets too.
  virtual void erase_requester(const std::string& email, parley::events::v1::Event event,
                               std::function<void(std::optional<std::size_t>)> done) = 0;
  // Retention of tickets: deletes up to `max` solved or closed tickets not
  // changed since the time, with their threads and mails, in one transaction;
  // records a TicketDeleted event for each. done gets their ids (empty on
  // failure), on the store's thread.
  virtual void expire_tickets(std::int64_t updated_before_ms, std::size_t max, std::int64_t now_ms,
                              std::function<void(std::vector<std::string>)> done) = 0;
  // A chat's transcript for the outbox (a mail with conversation_id and no
  // ticket), unless the chat has `max_per_chat` such mails already. done:
  // true once queued, false at the limit, nothing if the store cannot.
  virtual void queue_chat_mail(tickets::Mail mail, std::size_t max_per_chat, std::function<void(std::optional<bool>)> done) = 0;

  // A random secret kept in the store under `name`, made on first use (the
  // key that signs reply addresses, so they stay valid across restarts and
  // nodes). Blocks until the writer thread has it: for start-up. Throws StoreError.
  virtual std::string secret(const std::string& name) = 0;

  // Called on the store's thread with every batch once it is committed (the
  // search index is fed this way). Set before the first commit.
  virtual void on_committed(std::function<void(const StoreBatch&)> listener) = 0;

 protected:
  // The engine's reads behind load(), as serialized records.
  enum class Records { visitors, agents, open_conversations };
  virtual std::vector<std::string> read_records(Records which) = 0;
  virtual std::optional<std::string> read_conversation(const std::string& id) = 0;
  virtual std::optional<std::string> read_meta(const std::string& key) = 0;
  // The conversation's log in seq order.
  virtual std::vector<std::string> read_messages(const std::string& conversation_id) = 0;
};

}  // namespace parley::store
