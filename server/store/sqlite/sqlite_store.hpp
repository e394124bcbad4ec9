#pragma once
// The embedded system of record: one SQLite database file (WAL journal,
// synchronous=FULL, so a commit that returned survives a crash or power loss).
// Group commit, ordering and the failure policy are GroupCommitStore's. One
// server per data directory (an exclusive lock on the file).

#include "store/group_commit.hpp"

#include <filesystem>

struct sqlite3;

namespace parley::store {
class Statement;
}

namespace parley::store {

class SqliteStore final : public GroupCommitStore {
 public:
  // Opens (creating it and its directory if needed) and migrates the database.
  // Throws StoreError with a one-line reason.
  SqliteStore(const std::filesystem::path& file, boost::asio::any_io_executor completions);
  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  std::unique_ptr<auth::StaffSessionStore> staff_sessions(const chat::Clock& clock) override;
  int schema_version() const override { return schema_version_; }

  // Runs `job` with the connection on the writer thread (store/sqlite tables
  // that are not part of a chat event: staff sign-ins).
  void run_job(std::function<void(sqlite3*)> job) {
    GroupCommitStore::run_job([this, job = std::move(job)] { job(db_); });
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
  std::vector<std::string> rows(Statement& statement);
  bool write(const std::vector<const StoreBatch*>& batches) override;
  void set_refuse_writes(bool refuse) override;
  void exec(const char* sql);
  void migrate();

  sqlite3* db_ = nullptr;
  int schema_version_ = 0;
};

}  // namespace parley::store
