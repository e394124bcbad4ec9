#pragma once
// The writer thread every RecordStore engine shares. The hub queues batches
// with commit(); the thread commits every batch queued since its last commit
// in one transaction (group commit: under load one fsync serves many events)
// and posts each batch's completion back to the `completions` executor, in the
// order the batches were queued. Small jobs (staff sign-ins) run on the same
// thread between transactions, so an engine's connection is only ever used by
// this thread.
//
// Failure policy: a group whose transaction fails (disk full, read-only
// directory, database gone) completes with false, and is kept and written
// again before anything newer, so nothing acknowledged later can overtake it;
// the hub closes the affected connections (1012) and clients resend. Limit:
// past max_pending_batches waiting for the writer, new batches fail at once.

#include "store/record_store.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace parley::store {

class GroupCommitStore : public RecordStore {
 public:
  static constexpr std::size_t max_pending_batches = 100'000;

  void commit(StoreBatch batch, std::function<void(bool durable)> done) final;
  void stop_jobs() final;
  void refuse_writes(bool refuse) final;
  std::vector<parley::events::v1::Event> events_of(const std::string& conversation_id) final;
  void transcript(const std::string& conversation_id, std::function<void(std::optional<Transcript>)> done) final;
  void report_events(std::int64_t from_ms, std::int64_t to_ms, std::size_t max_conversations,
                     std::function<void(std::optional<ReportData>)> done) final;
  void history(const std::string& conversation_id,
               std::function<void(std::optional<std::vector<parley::events::v1::Event>>)> done) final;
  void on_committed(std::function<void(const StoreBatch&)> listener) final { committed_ = std::move(listener); }
  void set_legal_hold(const std::string& conversation_id, bool hold, parley::events::v1::Event event,
                      std::function<void(std::optional<bool>)> done) final;
  void expire_closed(std::int64_t closed_before_ms, std::size_t max, std::int64_t now_ms,
                     std::function<void(std::vector<std::string>)> done) final;
  void record_events(std::vector<parley::events::v1::Event> events) final;
  void conversations_of(const std::string& customer_id, const std::string& visitor_id, std::size_t max,
                        std::function<void(std::optional<std::vector<Transcript>>)> done) final;
  void canned_responses(
      std::function<void(std::optional<std::vector<parley::state::v1::CannedResponseRecord>>)> done) final;
  void change_canned_responses(CannedDecide decide, std::function<void(std::optional<canned::Decision>)> done) final;
  void change_ticket(const std::string& id, const std::string& requester_email, TicketDecide decide,
                     std::function<void(std::optional<tickets::Decision>)> done) final;
  void tickets(int min_status, int max_status, std::size_t limit,
               std::function<void(std::optional<std::vector<tickets::Record>>)> done) final;
  void ticket(const std::string& id, std::function<void(bool ok, std::optional<TicketThread>)> done) final;
  void claim_mail(std::int64_t now_ms, std::size_t max, std::int64_t lease_ms,
                  std::function<void(std::optional<std::vector<MailJob>>)> done) final;
  void finish_mail(tickets::Mail mail, std::function<void(bool)> done) final;
  void receive_mail(ReceivedMail mail, TicketDecide decide, std::function<void(std::optional<MailReceipt>)> done) final;
  void inbox_mail(const std::string& inbox_id, std::function<void(bool, std::optional<std::string>)> done) final;
  void erase_requester(const std::string& email, parley::events::v1::Event event,
                       std::function<void(std::optional<std::size_t>)> done) final;
  void expire_tickets(std::int64_t updated_before_ms, std::size_t max, std::int64_t now_ms,
                      std::function<void(std::vector<std::string>)> done) final;
  void queue_chat_mail(tickets::Mail mail, std::size_t max_per_chat, std::function<void(std::optional<bool>)> done) final;
  std::string secret(const std::string& name) final;

 protected:
  explicit GroupCommitStore(boost::asio::any_io_executor completions)
      : completions_(std::move(completions)), completions_open_(std::make_shared<std::atomic<bool>>(true)) {}
  ~GroupCommitStore() override;

  // Engines call start_writer() once connected and stop_writer() first thing
  // in their destructor (the thread calls their virtual functions).
  void start_writer();
  void stop_writer();
  // Runs `job` on the writer thread, between transactions. Jobs still queued
  // when stop_jobs() is called are dropped without running; after it, false
  // and the job is not queued.
  bool run_job(std::function<void()> job);

  // On the writer thread: one transaction for all of `batches`; false if it
  // did not commit (rolled back, nothing of it stored).
  virtual bool write(const std::vector<const StoreBatch*>& batches) = 0;
  // On the writer thread: make every later write fail (or stop doing so).
  virtual void set_refuse_writes(bool refuse) = 0;
  // On the writer thread: the serialized events of a conversation, in order.
  virtual std::vector<std::string> read_events(const std::string& conversation_id) = 0;
  // Reports: the events of the conversations started in [from_ms, to_ms), at
  // most max_conversations of them (the earliest), oldest event first.
  virtual std::vector<std::string> read_report_events(std::int64_t from_ms, std::int64_t to_ms,
                                                      std::size_t max_conversations) = 0;
  // Reports: the events of one kind (the Event oneof's field number) stored
  // with times in [from_ms, to_ms), oldest first, at most `max`.
  virtual std::vector<std::string> read_events_of_kind(int kind, std::int64_t from_ms, std::int64_t to_ms,
                                                       std::size_t max) = 0;
  // On the writer thread: false if there is no such conversation. Throws StoreError.
  virtual bool write_legal_hold(const std::string& id, bool hold) = 0;
  // On the writer thread, one transaction: deletes up to `max` closed
  // conversations (and their messages) closed before the time and not on
  // legal hold; their ids. Throws StoreError.
  virtual std::vector<std::string> delete_closed(std::int64_t closed_before_ms, std::size_t max) = 0;
  // On the writer thread: `body` between BEGIN and COMMIT, rolled back (and
  // the StoreError rethrown) if it throws.
  virtual void in_transaction(const std::function<void()>& body) = 0;
  // Inside a transaction: the stored record or message replaced by this one
  // (erasure). Throws StoreError.
  virtual void rewrite_conversation(const parley::state::v1::ConversationRecord& record) = 0;
  virtual void rewrite_message(const parley::v1::Message& message) = 0;
  // On the writer thread: ids of the conversations with this customer id (or
  // visitor id, when customer_id is empty), oldest first. Throws StoreError.
  virtual std::vector<std::string> read_conversation_ids(const std::string& customer_id, const std::string& visitor_id,
                                                         std::size_t max) = 0;
  // On the writer thread: every canned response, serialized; one upserted
  // (with its owner and whether it is shared as columns) or deleted. Throw StoreError.
  virtual std::vector<std::string> read_canned() = 0;
  virtual void write_canned(const std::string& id, const std::string& owner_id, bool shared, const std::string& record) = 0;
  virtual void delete_canned(const std::string& id) = 0;
  // On the writer thread: tickets, their threads and the outbox, serialized
  // (tables `tickets`, `ticket_messages`, `mail_outbox`). Throw StoreError.
  virtual std::optional<std::string> read_ticket(const std::string& id) = 0;
  virtual std::vector<std::string> read_ticket_messages(const std::string& ticket_id) = 0;  // by seq
  virtual std::uint64_t max_ticket_number() = 0;  // 0 when there is none
  virtual std::size_t count_active_tickets(const std::string& requester_email) = 0;
  virtual std::vector<std::string> read_tickets(int min_status, int max_status, std::size_t limit) = 0;  // by due_ms
  // Tickets changed at or after `updated_from_ms` (a report's candidates: a ticket made in the period
  // was updated since), by updated_ms.
  virtual std::vector<std::string> read_tickets_updated_since(std::int64_t updated_from_ms, std::size_t limit) = 0;
  virtual void write_ticket(const tickets::Record& ticket) = 0;  // upsert
  virtual void write_ticket_message(const tickets::Message& message) = 0;
  virtual std::vector<std::string> read_mails(const std::string& ticket_id) = 0;  // by created_ms
  // Queued, due by now and not leased beyond now; at most max, oldest first.
  virtual std::vector<std::string> read_due_mails(std::int64_t now_ms, std::size_t max) = 0;
  virtual void write_mail(const tickets::Mail& mail, std::int64_t lease_until_ms) = 0;  // upsert
  virtual void write_meta(const std::string& key, const std::string& value) = 0;  // upsert
  // On the writer thread: the inbox of received mail (table `mail_inbox`) and
  // the lookups that thread a mail. Throw StoreError.
  virtual std::optional<std::string> read_ticket_id(std::uint64_t number) = 0;
  virtual std::optional<std::string> read_mail_ticket_id(const std::string& mail_id) = 0;        // outbox
  virtual std::optional<std::string> read_inbox_ticket_id(const std::string& message_id) = 0;    // "" if on no ticket
  virtual std::optional<std::string> read_inbox_raw(const std::string& inbox_id) = 0;
  virtual void write_inbox(const ReceivedMail& mail, const std::string& ticket_id, const std::string& disposition) = 0;
  // On the writer thread: erasure and retention of tickets. The ids of the
  // tickets of a verified customer, a visitor or a requester's e-mail (each
  // key only when not empty); a thread message replaced; a ticket's received
  // mails emptied (raw text gone, disposition "erased", Message-ID kept so a
  // redelivery is still recognised). Throw StoreError.
  virtual std::vector<std::string> read_ticket_ids_of(const std::string& customer_id, const std::string& visitor_id,
                                                      const std::string& email) = 0;
  virtual void rewrite_ticket_message(const tickets::Message& message) = 0;
  // The outbox's mails of a chat (transcripts), serialized, by id. Throws StoreError.
  virtual std::vector<std::string> read_chat_mails(const std::string& conversation_id) = 0;
  virtual void erase_inbox_of(const std::string& ticket_id) = 0;
  // One transaction: up to `max` solved or closed tickets not changed since
  // the time are deleted with their thread, outbox mails and received mails;
  // their (id, number). Throws StoreError.
  virtual std::vector<std::pair<std::string, std::uint64_t>> delete_done_tickets(std::int64_t updated_before_ms,
                                                                                std::size_t max) = 0;

 private:
  std::optional<Transcript> read_transcript(const std::string& conversation_id);  // writer thread; throws
  std::vector<parley::events::v1::Event> read_history(const std::string& conversation_id);  // writer thread; throws
  std::vector<parley::state::v1::CannedResponseRecord> read_canned_records();  // writer thread; throws
  std::optional<TicketThread> read_ticket_thread(const std::string& id);  // writer thread; throws
  // Writer thread, one transaction: anonymise() every stored conversation of
  // the customer (or visitor) and its messages; their ids. Throws StoreError.
  std::vector<std::string> erase_customer_records(const parley::events::v1::CustomerErased& who);
  // Inside a transaction: anonymise() every ticket of the customer, visitor
  // or e-mail (non-empty keys), its thread, its outbox mails and its received
  // mails; how many. Throws StoreError.
  std::size_t erase_tickets(const std::string& customer_id, const std::string& visitor_id, const std::string& email);
  struct Pending {
    StoreBatch batch;
    std::function<void(bool)> done;
  };
  void run_writer();

  boost::asio::any_io_executor completions_;
  std::shared_ptr<std::atomic<bool>> completions_open_;  // false once stop_writer() began
  std::function<void(const StoreBatch&)> committed_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  std::deque<std::function<void()>> jobs_;
  bool jobs_stopped_ = false;
  std::mutex job_running_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace parley::store
