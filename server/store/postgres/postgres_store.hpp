#pragma once
// The system of record in a PostgreSQL server (--database postgres://...):
// the same tables as the embedded store, created by numbered migrations
// (store/postgres/migrations) applied at start under an advisory lock. Group
// commit, ordering and the failure policy are GroupCommitStore's; a group is
// one transaction sent as a libpq pipeline (one round trip per few hundred
// statements, not one per statement).
//
// A lost connection (PostgreSQL restarted, network cut) fails the group that
// met it; the next one reconnects first (connect_timeout 5 s), so while the
// database is away nothing is acknowledged and clients are told to resend.
// One writer per database: a session advisory lock refuses a second server;
// the leader of several nodes takes it over from its predecessor.

#include "store/group_commit.hpp"

#include <string>

struct pg_conn;

namespace parley::store {

class PostgresStore final : public GroupCommitStore {
 public:
  // Connects, takes the database for this server and migrates it. Throws
  // StoreError with a one-line reason (never the password). Another server
  // using the database is refused, unless `takeover` says this one has the
  // right to it now (the leader of several nodes): then the previous writer's
  // sessions are ended first, so nothing it still sends can be stored, and its
  // reconnects are refused.
  enum class Takeover { no, yes };
  PostgresStore(std::string url, boost::asio::any_io_executor completions, Takeover takeover = Takeover::no);
  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  std::unique_ptr<auth::StaffSessionStore> staff_sessions(const chat::Clock& clock) override;
  int schema_version() const override { return schema_version_; }

  // Runs `job` on the writer thread with a working connection, or with
  // nullptr when the database cannot be reached.
  void run_job(std::function<void(pg_conn*)> job) {
    GroupCommitStore::run_job([this, job = std::move(job)] { job(connection()); });
  }

 private:
  std::vector<std::string> read_records(Records which) override;
  std::optional<std::string> read_conversation(const std::string& id) override;
  std::optional<std::string> read_meta(const std::string& key) override;
  std::vector<std::string> read_messages(const std::string& conversation_id) override;
  std::vector<std::string> read_events(const std::string& conversation_id) override;
  std::vector<std::string> read_report_events(std::int64_t from_ms, std::int64_t to_ms, std::size_t max_conversations) override;
  std::vector<std::string> read_events_of_kind(int kind, std::int64_t from_ms, std::int64_t to_ms, std::size_t max) override;
  bool write_legal_hold(const std::string& id, bool hold) override;
  std::vector<std::string> delete_closed(std::int64_t closed_before_ms, std::size_t max) override;
  void in_transaction(const std::function<void()>& body) override;
  void rewrite_conversation(const parley::state::v1::ConversationRecord& record) override;
  void rewrite_message(const parley::v1::Message& message) override;
  std::vector<std::string> read_conversation_ids(const std::string& customer_id, const std::string& visitor_id,
                                                 std::size_t max) override;
  std::vector<std::string> read_canned() override;
  void write_canned(const std::string& id, const std::string& owner_id, bool shared, const std::string& record) override;
  void delete_canned(const std::string& id) override;
  std::optional<std::string> read_ticket(const std::string& id) override;
  std::vector<std::string> read_ticket_messages(const std::string& ticket_id) override;
  std::uint64_t max_ticket_number() override;
  std::size_t count_active_tickets(const std::string& requester_email) override;
  std::vector<std::string> read_tickets(int min_status, int max_status, std::size_t limit) override;
  std::vector<std::string> read_tickets_updated_since(std::int64_t updated_from_ms, std::size_t limit) override;
  void write_ticket(const tickets::Record& ticket) override;
  void write_ticket_message(const tickets::Message& message) override;
  std::vector<std::string> read_mails(const std::string& ticket_id) override;
  std::vector<std::string> read_due_mails(std::int64_t now_ms, std::size_t max) override;
  void write_mail(const tickets::Mail& mail, std::int64_t lease_until_ms) override;
  void write_meta(const std::string& key, const std::string& value) override;
  std::optional<std::string> read_ticket_id(std::uint64_t number) override;
  std::optional<std::string> read_mail_ticket_id(const std::string& mail_id) override;
  std::optional<std::string> read_inbox_ticket_id(const std::string& message_id) override;
  std::optional<std::string> read_inbox_raw(const std::string& inbox_id) override;
  void write_inbox(const ReceivedMail& mail, const std::string& ticket_id, const std::string& disposition) override;
  std::vector<std::string> read_ticket_ids_of(const std::string& customer_id, const std::string& visitor_id,
                                              const std::string& email) override;
  void rewrite_ticket_message(const tickets::Message& message) override;
  std::vector<std::string> read_chat_mails(const std::string& conversation_id) override;
  void erase_inbox_of(const std::string& ticket_id) override;
  std::vector<std::pair<std::string, std::uint64_t>> delete_done_tickets(std::int64_t updated_before_ms, std::size_t max) override;
  bool write(const std::vector<const StoreBatch*>& batches) override;
  void set_refuse_writes(bool refuse) override;
  // The connection, re-established (with its lock and settings) if it was
  // lost; nullptr if the database cannot be reached now.
  pg_conn* connection();
  pg_conn* reader();  // connection() (the transaction's, inside in_transaction) or StoreError
  pg_conn* transaction_conn_ = nullptr;
  // Takes the one-writer lock (waiting briefly when `opening`) and sets the
  // session up; throws StoreError.
  void prepare_session(bool opening);
  void migrate();

  std::string url_;
  pg_conn* conn_ = nullptr;
  int schema_version_ = 0;
  bool ready_ = false;  // connected, locked and set up
  bool refuse_writes_ = false;
  bool reported_down_ = false;
  bool takeover_ = false;  // until the first lock is held
};

// The URL with any password replaced by "***", for messages and logs.
std::string redact_database_url(const std::string& url);

}  // namespace parley::store
