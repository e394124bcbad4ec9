#include "store/sqlite/sqlite_store.hpp"
#include "log/log.hpp"

#include "store/sqlite/sqlite_staff_sessions.hpp"
#include "store/sqlite/statement.hpp"
#include "store/sqlite_migrations.hpp"

#include <sqlite3.h>

#include <iostream>

namespace parley::store {

SqliteStore::SqliteStore(const std::filesystem::path& file, boost::asio::any_io_executor completions)
    : GroupCommitStore(std::move(completions)) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  if (ec) throw StoreError("cannot create " + file.parent_path().string() + ": " + ec.message());
  if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string reason = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    throw StoreError("cannot open " + file.string() + ": " + reason);
  }
  try {
    sqlite3_busy_timeout(db_, 5000);
    // WAL: readers never block the writer. synchronous=FULL: a commit is on disk when it returns.
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
    // One server per data directory: a second one would interleave sequence numbers.
    exec("PRAGMA locking_mode=EXCLUSIVE");
    exec("BEGIN IMMEDIATE; COMMIT");
    migrate();
  } catch (const StoreError& e) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(file.string() + ": " + e.what());
  }
  start_writer();
}

SqliteStore::~SqliteStore() {
  stop_writer();
  sqlite3_close(db_);
}

std::unique_ptr<auth::StaffSessionStore> SqliteStore::staff_sessions(const chat::Clock& clock) {
  return std::make_unique<SqliteStaffSessions>(*this, clock);
}

void SqliteStore::set_refuse_writes(bool refuse) { exec(refuse ? "PRAGMA query_only=1" : "PRAGMA query_only=0"); }

void SqliteStore::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string reason = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw StoreError(reason);
  }
}

void SqliteStore::migrate() {
  exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  {
    Statement current(db_, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
    if (current.step() == SQLITE_ROW) schema_version_ = static_cast<int>(current.column_int(0));
  }
  const auto& migrations = embedded::sqlite_migrations;
  constexpr int known = static_cast<int>(std::size(embedded::sqlite_migrations));
  if (schema_version_ > known)
    throw StoreError("the database is at schema version " + std::to_string(schema_version_) +
                     ", newer than this server knows (" + std::to_string(known) + "); upgrade parley-server");
  for (int v = schema_version_ + 1; v <= known; ++v) {
    in_transaction([&] {
      exec(migrations[v - 1]);
      exec(("INSERT INTO schema_version (version) VALUES (" + std::to_string(v) + ")").c_str());
    });
    schema_version_ = v;
  }
}

// Start-up reads (RecordStore::load), before the writer runs.
std::vector<std::string> SqliteStore::read_records(Records which) {
  const char* sql = which == Records::visitors ? "SELECT record FROM visitors"
                    : which == Records::agents ? "SELECT record FROM agents"
                                               : "SELECT record FROM conversations WHERE state != ?";
  Statement rows(db_, sql);
  if (which == Records::open_conversations) rows.integer(1, parley::v1::CONVERSATION_STATE_CLOSED);
  std::vector<std::string> out;
  while (rows.step() == SQLITE_ROW) out.push_back(rows.column_blob(0));
  return out;
}

std::optional<std::string> SqliteStore::read_conversation(const std::string& id) {
  Statement row(db_, "SELECT record FROM conversations WHERE id = ?");
  row.text(1, id);
  if (row.step() != SQLITE_ROW) return std::nullopt;
  return row.column_blob(0);
}

std::optional<std::string> SqliteStore::read_meta(const std::string& key) {
  Statement row(db_, "SELECT value FROM meta WHERE key = ?");
  row.text(1, key);
  if (row.step() != SQLITE_ROW) return std::nullopt;
  return row.column_blob(0);
}

std::vector<std::string> SqliteStore::read_messages(const std::string& conversation_id) {
  Statement rows(db_, "SELECT record FROM messages WHERE conversation_id = ? ORDER BY seq");
  rows.text(1, conversation_id);
  std::vector<std::string> out;
  while (rows.step() == SQLITE_ROW) out.push_back(rows.column_blob(0));
  return out;
}

bool SqliteStore::write_legal_hold(const std::string& id, bool hold) {
  return Statement(db_, "UPDATE conversations SET legal_hold = ? WHERE id = ?").integer(1, hold ? 1 : 0).text(2, id).run() &&
         sqlite3_changes(db_) > 0;
}

std::vector<std::string> SqliteStore::delete_closed(std::int64_t closed_before_ms, std::size_t max) {
  std::vector<std::string> ids;
  in_transaction([&] {
    {
      Statement rows(db_,
                     "SELECT id FROM conversations WHERE state = ? AND closed_ms > 0 AND closed_ms < ? AND legal_hold = 0 "
                     "LIMIT ?");
      rows.integer(1, parley::v1::CONVERSATION_STATE_CLOSED).integer(2, closed_before_ms).integer(3, static_cast<std::int64_t>(max));
      while (rows.step() == SQLITE_ROW) ids.push_back(rows.column_blob(0));
    }
    Statement messages(db_, "DELETE FROM messages WHERE conversation_id = ?");
    Statement conversation(db_, "DELETE FROM conversations WHERE id = ?");
    for (const auto& id : ids)
      if (!messages.text(1, id).run() || !conversation.text(1, id).run()) throw StoreError(sqlite3_errmsg(db_));
  });
  return ids;
}

std::vector<std::string> SqliteStore::read_conversation_ids(const std::string& customer_id, const std::string& visitor_id,
                                                            std::size_t max) {
  Statement rows(db_, customer_id.empty()
                          ? "SELECT id FROM conversations WHERE visitor_id = ? LIMIT ?"
                          : "SELECT id FROM conversations WHERE customer_id = ? LIMIT ?");
  rows.text(1, customer_id.empty() ? visitor_id : customer_id).integer(2, static_cast<std::int64_t>(max));
  std::vector<std::string> out;
  while (rows.step() == SQLITE_ROW) out.push_back(rows.column_blob(0));
  return out;
}

std::vector<std::string> SqliteStore::read_canned() {
  Statement rows(db_, "SELECT record FROM canned_responses ORDER BY id");
  std::vector<std::string> out;
  int rc;
  while ((rc = rows.step()) == SQLITE_ROW) out.push_back(rows.column_blob(0));
  if (rc != SQLITE_DONE) throw StoreError(sqlite3_errmsg(db_));
  return out;
}

void SqliteStore::write_canned(const std::string& id, const std::string& owner_id, bool shared, const std::string& record) {
  if (!Statement(db_,
                 "INSERT INTO canned_responses (id, owner_id, shared, record) VALUES (?, ?, ?, ?) "
                 "ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, shared = excluded.shared, record = excluded.record")
           .text(1, id)
           .text(2, owner_id)
           .integer(3, shared ? 1 : 0)
           .blob(4, record)
           .run())
    throw StoreError(sqlite3_errmsg(db_));
}

void SqliteStore::delete_canned(const std::string& id) {
  if (!Statement(db_, "DELETE FROM canned_responses WHERE id = ?").text(1, id).run()) throw StoreError(sqlite3_errmsg(db_));
}

void SqliteStore::write_meta(const std::string& key, const std::string& value) {
  if (!Statement(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").text(1, key).blob(2, value).run())
    throw StoreError(sqlite3_errmsg(db_));
}

std::vector<std::string> SqliteStore::rows(Statement& statement) {
  std::vector<std::string> out;
  int rc;
  while ((rc = statement.step()) == SQLITE_ROW) out.push_back(statement.column_blob(0));
  if (rc != SQLITE_DONE) throw StoreError(sqlite3_errmsg(db_));
  return out;
}

std::optional<std::string> SqliteStore::read_ticket(const std::string& id) {
  Statement q(db_, "SELECT record FROM tickets WHERE id = ?");
  q.text(1, id);
  auto out = rows(q);
  if (out.empty()) return std::nullopt;
  return std::move(out.front());
}

std::vector<std::string> SqliteStore::read_ticket_messages(const std::string& ticket_id) {
  Statement q(db_, "SELECT record FROM ticket_messages WHERE ticket_id = ? ORDER BY seq");
  q.text(1, ticket_id);
  return rows(q);
}

std::uint64_t SqliteStore::max_ticket_number() {
  Statement q(db_, "SELECT COALESCE(MAX(number), 0) FROM tickets");
  if (q.step() != SQLITE_ROW) throw StoreError(sqlite3_errmsg(db_));
  return static_cast<std::uint64_t>(q.column_int(0));
}

std::size_t SqliteStore::count_active_tickets(const std::string& requester_email) {
  Statement q(db_, "SELECT COUNT(*) FROM tickets WHERE requester_email = ? AND status IN (?, ?)");
  q.text(1, requester_email).integer(2, desk::v1::TICKET_STATUS_OPEN).integer(3, desk::v1::TICKET_STATUS_PENDING);
  if (q.step() != SQLITE_ROW) throw StoreError(sqlite3_errmsg(db_));
  return static_cast<std::size_t>(q.column_int(0));
}

std::vector<std::string> SqliteStore::read_tickets(int min_status, int max_status, std::size_t limit) {
  Statement q(db_, "SELECT record FROM tickets WHERE status BETWEEN ? AND ? ORDER BY due_ms, number LIMIT ?");
  q.integer(1, min_status).integer(2, max_status).integer(3, static_cast<std::int64_t>(limit));
  return rows(q);
}

std::vector<std::string> SqliteStore::read_tickets_updated_since(std::int64_t updated_from_ms, std::size_t limit) {
  Statement q(db_, "SELECT record FROM tickets WHERE updated_ms >= ? ORDER BY updated_ms, number LIMIT ?");
  q.integer(1, updated_from_ms).integer(2, static_cast<std::int64_t>(limit));
  return rows(q);
}

void SqliteStore::write_ticket(const tickets::Record& t) {
  if (!Statement(db_,
                 "INSERT INTO tickets (id, number, status, due_ms, updated_ms, requester_email, customer_id, visitor_id, record) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, "
                 "due_ms = excluded.due_ms, updated_ms = excluded.updated_ms, requester_email = excluded.requester_email, "
                 "customer_id = excluded.customer_id, visitor_id = excluded.visitor_id, record = excluded.record")
           .text(1, t.id())
           .integer(2, static_cast<std::int64_t>(t.number()))
           .integer(3, t.status())
           .integer(4, t.due_ms())
           .integer(5, t.updated_ms())
           .text(6, t.requester().email())
           .text(7, t.requester().customer_id())
           .text(8, t.requester().visitor_id())
           .blob(9, t.SerializeAsString())
           .run())
    throw StoreError(sqlite3_errmsg(db_));
}

void SqliteStore::write_ticket_message(const tickets::Message& m) {
  if (!Statement(db_, "INSERT INTO ticket_messages (ticket_id, seq, record) VALUES (?, ?, ?)")
           .text(1, m.ticket_id())
           .integer(2, static_cast<std::int64_t>(m.seq()))
           .blob(3, m.SerializeAsString())
           .run())
    throw StoreError(sqlite3_errmsg(db_));
}

std::vector<std::string> SqliteStore::read_mails(const std::string& ticket_id) {
  Statement q(db_, "SELECT record FROM mail_outbox WHERE ticket_id = ? ORDER BY id");
  q.text(1, ticket_id);
  return rows(q);
}

std::vector<std::string> SqliteStore::read_due_mails(std::int64_t now_ms, std::size_t max) {
  Statement q(db_,
              "SELECT record FROM mail_outbox WHERE status = ? AND next_attempt_ms <= ? AND lease_until_ms <= ? "
              "ORDER BY next_attempt_ms LIMIT ?");
  q.integer(1, tickets::Mail::STATUS_QUEUED).integer(2, now_ms).integer(3, now_ms).integer(4, static_cast<std::int64_t>(max));
  return rows(q);
}

void SqliteStore::write_mail(const tickets::Mail& m, std::int64_t lease_until_ms) {
  if (!Statement(db_,
                 "INSERT INTO mail_outbox (id, ticket_id, status, next_attempt_ms, lease_until_ms, record, conversation_id) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?) "
                 "ON CONFLICT (id) DO UPDATE SET status = excluded.status, next_attempt_ms = excluded.next_attempt_ms, "
                 "lease_until_ms = excluded.lease_until_ms, record = excluded.record")
           .text(1, m.id())
           .text(2, m.ticket_id())
           .integer(3, m.status())
           .integer(4, m.next_attempt_ms())
           .integer(5, lease_until_ms)
           .blob(6, m.SerializeAsString())
           .text(7, m.conversation_id())
           .run())
    throw StoreError(sqlite3_errmsg(db_));
}

std::vector<std::string> SqliteStore::read_chat_mails(const std::string& conversation_id) {
  Statement q(db_, "SELECT record FROM mail_outbox WHERE conversation_id = ? ORDER BY id");
  q.text(1, conversation_id);
  return rows(q);
}

namespace {
std::optional<std::string> first(std::vector<std::string> rows) {
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}
}  // namespace

std::optional<std::string> SqliteStore::read_ticket_id(std::uint64_t number) {
  Statement q(db_, "SELECT id FROM tickets WHERE number = ?");
  q.integer(1, static_cast<std::int64_t>(number));
  return first(rows(q));
}

std::optional<std::string> SqliteStore::read_mail_ticket_id(const std::string& mail_id) {
  Statement q(db_, "SELECT ticket_id FROM mail_outbox WHERE id = ?");
  q.text(1, mail_id);
  return first(rows(q));
}

std::optional<std::string> SqliteStore::read_inbox_ticket_id(const std::string& message_id) {
  Statement q(db_, "SELECT ticket_id FROM mail_inbox WHERE message_id = ?");
  q.text(1, message_id);
  return first(rows(q));
}

std::optional<std::string> SqliteStore::read_inbox_raw(const std::string& inbox_id) {
  Statement q(db_, "SELECT raw FROM mail_inbox WHERE id = ?");
  q.text(1, inbox_id);
  return first(rows(q));
}

void SqliteStore::write_inbox(const ReceivedMail& mail, const std::string& ticket_id, const std::string& disposition) {
  if (!Statement(db_, "INSERT INTO mail_inbox (id, message_id, received_ms, ticket_id, disposition, raw) VALUES (?, ?, ?, ?, ?, ?)")
           .text(1, mail.inbox_id)
           .text(2, mail.message_id)
           .integer(3, mail.received_ms)
           .text(4, ticket_id)
           .text(5, disposition)
           .blob(6, mail.raw)
           .run())
    throw StoreError(sqlite3_errmsg(db_));
}

std::vector<std::string> SqliteStore::read_ticket_ids_of(const std::string& customer_id, const std::string& visitor_id,
                                                         const std::string& email) {
  Statement q(db_,
              "SELECT id FROM tickets WHERE (?1 <> '' AND customer_id = ?1) OR (?2 <> '' AND visitor_id = ?2) "
              "OR (?3 <> '' AND requester_email = ?3) ORDER BY number");
  q.text(1, customer_id).text(2, visitor_id).text(3, email);
  return rows(q);
}

void SqliteStore::rewrite_ticket_message(const tickets::Message& m) {
  if (!Statement(db_, "UPDATE ticket_messages SET record = ? WHERE ticket_id = ? AND seq = ?")
           .blob(1, m.SerializeAsString())
           .text(2, m.ticket_id())
           .integer(3, static_cast<std::int64_t>(m.seq()))
           .run())
    throw StoreError(sqlite3_errmsg(db_));
}

void SqliteStore::erase_inbox_of(const std::string& ticket_id) {
  if (!Statement(db_, "UPDATE mail_inbox SET raw = x'', disposition = 'erased' WHERE ticket_id = ?").text(1, ticket_id).run())
    throw StoreError(sqlite3_errmsg(db_));
}

std::vector<std::pair<std::string, std::uint64_t>> SqliteStore::delete_done_tickets(std::int64_t updated_before_ms,
                                                                                   std::size_t max) {
  std::vector<std::pair<std::string, std::uint64_t>> gone;
  in_transaction([&] {
    {
      Statement q(db_, "SELECT id, number FROM tickets WHERE status IN (?, ?) AND updated_ms < ? ORDER BY updated_ms LIMIT ?");
      q.integer(1, desk::v1::TICKET_STATUS_SOLVED)
          .integer(2, desk::v1::TICKET_STATUS_CLOSED)
          .integer(3, updated_before_ms)
          .integer(4, static_cast<std::int64_t>(max));
      int rc;
      while ((rc = q.step()) == SQLITE_ROW)
        gone.emplace_back(q.column_blob(0), static_cast<std::uint64_t>(q.column_int(1)));
      if (rc != SQLITE_DONE) throw StoreError(sqlite3_errmsg(db_));
    }
    for (const char* sql : {"DELETE FROM ticket_messages WHERE ticket_id = ?", "DELETE FROM mail_outbox WHERE ticket_id = ?",
                            "DELETE FROM mail_inbox WHERE ticket_id = ?", "DELETE FROM tickets WHERE id = ?"}) {
      Statement d(db_, sql);
      for (const auto& g : gone)
        if (!d.text(1, g.first).run()) throw StoreError(sqlite3_errmsg(db_));
    }
  });
  return gone;
}

void SqliteStore::in_transaction(const std::function<void()>& body) {
  exec("BEGIN IMMEDIATE");
  try {
    body();
    exec("COMMIT");
  } catch (const StoreError&) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void SqliteStore::rewrite_conversation(const parley::state::v1::ConversationRecord& record) {
  if (!Statement(db_, "UPDATE conversations SET record = ?, customer_id = ? WHERE id = ?")
           .blob(1, record.SerializeAsString())
           .text(2, record.info().customer_id())
           .text(3, record.info().conversation_id())
           .run())
    throw StoreError(sqlite3_errmsg(db_));
}

void SqliteStore::rewrite_message(const parley::v1::Message& message) {
  if (!Statement(db_, "UPDATE messages SET record = ? WHERE conversation_id = ? AND seq = ?")
           .blob(1, message.SerializeAsString())
           .text(2, message.conversation_id())
           .integer(3, static_cast<std::int64_t>(message.seq()))
           .run())
    throw StoreError(sqlite3_errmsg(db_));
}

std::vector<std::string> SqliteStore::read_report_events(std::int64_t from_ms, std::int64_t to_ms,
                                                        std::size_t max_conversations) {
  // kind 10: ChatStarted (the oneof's field number).
  Statement rows(db_,
                 "SELECT record FROM events WHERE conversation_id IN (SELECT conversation_id FROM events "
                 "WHERE kind = 10 AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id LIMIT ?) ORDER BY id");
  rows.integer(1, from_ms).integer(2, to_ms).integer(3, static_cast<std::int64_t>(max_conversations));
  std::vector<std::string> out;
  while (rows.step() == SQLITE_ROW) out.push_back(rows.column_blob(0));
  return out;
}

std::vector<std::string> SqliteStore::read_events_of_kind(int kind, std::int64_t from_ms, std::int64_t to_ms, std::size_t max) {
  Statement rows(db_, "SELECT record FROM events WHERE kind = ? AND at_ms >= ? AND at_ms < ? ORDER BY at_ms, id LIMIT ?");
  rows.integer(1, kind).integer(2, from_ms).integer(3, to_ms).integer(4, static_cast<std::int64_t>(max));
  std::vector<std::string> out;
  while (rows.step() == SQLITE_ROW) out.push_back(rows.column_blob(0));
  return out;
}

std::vector<std::string> SqliteStore::read_events(const std::string& conversation_id) {
  Statement rows(db_, "SELECT record FROM events WHERE conversation_id = ? ORDER BY id");
  rows.text(1, conversation_id);
  std::vector<std::string> out;
  while (rows.step() == SQLITE_ROW) out.push_back(rows.column_blob(0));
  return out;
}

// One transaction for every batch of the group.
bool SqliteStore::write(const std::vector<const StoreBatch*>& batches) {
  try {
    exec("BEGIN IMMEDIATE");
  } catch (const StoreError& e) {
    log::error("store", "could not begin a transaction; not acknowledging", {{"error", e.what()}});
    return false;
  }
  try {
    Statement message(db_,
                      "INSERT OR IGNORE INTO messages (conversation_id, seq, sender_id, client_message_id, created_ms, "
                      "record) VALUES (?, ?, ?, ?, ?, ?)");
    // An upsert, not a replace: legal_hold belongs to staff and is left alone.
    Statement conversation(db_,
                           "INSERT INTO conversations (id, state, record, closed_ms, customer_id, visitor_id) "
                           "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state, "
                           "record = excluded.record, closed_ms = excluded.closed_ms, "
                           "customer_id = excluded.customer_id, visitor_id = excluded.visitor_id");
    Statement visitor(db_, "INSERT OR REPLACE INTO visitors (id, record) VALUES (?, ?)");
    Statement forget(db_, "DELETE FROM visitors WHERE id = ?");
    Statement agent(db_, "INSERT OR REPLACE INTO agents (id, record) VALUES (?, ?)");
    Statement meta(db_, "INSERT OR REPLACE INTO meta (key, value) VALUES ('queues', ?)");
    Statement event(db_, "INSERT INTO events (at_ms, conversation_id, actor_id, kind, record) VALUES (?, ?, ?, ?, ?)");
    bool ok = true;
    for (const auto* batch : batches) {
      const auto& b = *batch;
      for (const auto& m : b.messages)
        ok = ok && message.text(1, m.conversation_id())
                       .integer(2, static_cast<std::int64_t>(m.seq()))
                       .text(3, m.sender_id())
                       .text(4, m.client_message_id())
                       .integer(5, m.server_time_ms())
                       .blob(6, m.SerializeAsString())
                       .run();
      for (const auto& r : b.state.conversations())
        ok = ok && conversation.text(1, r.info().conversation_id())
                       .integer(2, r.info().state())
                       .blob(3, r.SerializeAsString())
                       .integer(4, r.closed_ms())
                       .text(5, r.info().customer_id())
                       .text(6, r.info().visitor_id())
                       .run();
      for (const auto& r : b.state.visitors()) ok = ok && visitor.text(1, r.id()).blob(2, r.SerializeAsString()).run();
      for (const auto& id : b.state.forgotten_visitors()) ok = ok && forget.text(1, id).run();
      for (const auto& r : b.state.agents()) ok = ok && agent.text(1, r.id()).blob(2, r.SerializeAsString()).run();
      for (const auto& e : b.events)
        ok = ok && event.integer(1, e.at_ms())
                       .text(2, e.conversation_id())
                       .text(3, e.actor_id())
                       .integer(4, e.kind_case())
                       .blob(5, e.SerializeAsString())
                       .run();
      if (b.state.queues_included()) {
        parley::state::v1::StateImage queues;
        *queues.mutable_queues() = b.state.queues();
        queues.set_queues_included(true);
        queues.set_average_handle_seconds(b.state.average_handle_seconds());
        queues.set_store_id(b.state.store_id());
        ok = ok && meta.blob(1, queues.SerializeAsString()).run();
      }
    }
    if (!ok) throw StoreError(sqlite3_errmsg(db_));
    exec("COMMIT");
    return true;
  } catch (const StoreError& e) {
    log::error("store", "could not commit; not acknowledging", {{"error", e.what()}});
    char* ignored = nullptr;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, &ignored);
    sqlite3_free(ignored);
    return false;
  }
}

}  // namespace parley::store
