#include "store/postgres/postgres_store.hpp"
#include "log/log.hpp"

#include "store/postgres/pg_result.hpp"
#include "store/postgres/postgres_staff_sessions.hpp"
#include "store/postgres_migrations.hpp"

#include <iostream>
#include <regex>
#include <utility>

namespace parley::store {
namespace {

// Advisory lock keys ("parley" and "parley-migrate" as numbers).
constexpr const char* server_lock = "SELECT pg_try_advisory_lock(123563833845113)";
// Taking the database over from a writer that lost its right to it (a
// cluster leader whose lease ran out): end the sessions that hold the lock,
// then wait for it. pg_locks shows a bigint key as its high and low halves.
constexpr const char* end_lock_holders =
    "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND objsubid = 1 AND (classid::int8 << 32 | objid::int8) = 123563833845113 AND pid <> pg_backend_pid()";
constexpr const char* wait_for_server_lock = "SELECT pg_advisory_lock(123563833845113)";
constexpr const char* migration_lock = "SELECT pg_advisory_xact_lock(123563833845114)";
// Statements per pipeline round trip: the server's replies to them must fit
// in the socket buffers, or a blocking client and server would wait on each other.
constexpr std::size_t pipeline_chunk = 500;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Sends commands in pipeline mode and collects their results every
// pipeline_chunk commands; the first failure is kept as the reason.
class Pipeline {
 public:
  explicit Pipeline(PGconn* conn) : conn_(conn) { ok_ = PQenterPipelineMode(conn_) == 1; }
  ~Pipeline() {
    if (PQpipelineStatus(conn_) != PQ_PIPELINE_OFF) {
      sync();
      PQexitPipelineMode(conn_);
    }
  }
  void send(const char* sql, const std::vector<pg::Param>& params = {}) {
    if (!ok_) return;
    const pg::ParamArrays a(params);
    if (PQsendQueryParams(conn_, sql, a.count(), nullptr, a.values.data(), a.lengths.data(), a.formats.data(), 0) != 1)
      return fail(PQerrorMessage(conn_));
    if (++pending_ >= pipeline_chunk) sync();
  }
  // Waits for every result sent so far; false if any failed.
  bool sync() {
    if (pending_ == 0 && synced_) return ok_;
    if (PQpipelineSync(conn_) != 1) {
      fail(PQerrorMessage(conn_));
      pending_ = 0;
      return ok_;
    }
    // Each command: its result, then a null; then the sync's own result.
    for (;;) {
      pg::Result r(PQgetResult(conn_));
      if (!r) {
        if (PQstatus(conn_) != CONNECTION_OK) {
          fail(PQerrorMessage(conn_));
          break;
        }
        continue;
      }
      const auto status = PQresultStatus(r.get());
      if (status == PGRES_PIPELINE_SYNC) break;
      if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_PIPELINE_ABORTED) continue;
      fail(PQresultErrorMessage(r.get()));
      if (PQstatus(conn_) != CONNECTION_OK) break;
    }
    pending_ = 0;
    synced_ = true;
    return ok_;
  }
  bool ok() const { return ok_; }
  const std::string& reason() const { return reason_; }

 private:
  void fail(const char* why) {
    if (ok_) reason_ = trimmed(why ? why : "unknown error");
    ok_ = false;
  }
  PGconn* conn_;
  bool ok_ = true;
  bool synced_ = false;
  std::size_t pending_ = 0;
  std::string reason_;
};

}  // namespace

std::string redact_database_url(const std::string& url) {
  // scheme://user:password@host... -> scheme://user:***@host...
  static const std::regex with_password(R"(^([a-z]+://[^:/@]*):[^@/]*@)");
  std::string out = std::regex_replace(url, with_password, "$1:***@");
  // password=... as a query parameter or keyword.
  static const std::regex keyword(R"((password=)[^& ]*)");
  return std::regex_replace(out, keyword, "$1***");
}

PostgresStore::PostgresStore(std::string url, boost::asio::any_io_executor completions, Takeover takeover)
    : GroupCommitStore(std::move(completions)), url_(std::move(url)), takeover_(takeover == Takeover::yes) {
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {url_.c_str(), "5", "parley-server", nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  try {
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK)
      throw StoreError("cannot connect: " + trimmed(conn_ ? PQerrorMessage(conn_) : "out of memory"));
    prepare_session(true);
    migrate();
    ready_ = true;
  } catch (const StoreError& e) {
    PQfinish(conn_);
    conn_ = nullptr;
    throw StoreError(redact_database_url(url_) + ": " + e.what());
  }
  start_writer();
}

PostgresStore::~PostgresStore() {
  stop_writer();
  PQfinish(conn_);
}

std::unique_ptr<auth::StaffSessionStore> PostgresStore::staff_sessions(const chat::Clock& clock) {
  return std::make_unique<PostgresStaffSessions>(*this, clock);
}

void PostgresStore::prepare_session(bool opening) {
  // One server per database: the lock lasts as long as this connection.
  auto locked = pg::checked(conn_, server_lock);
  if (PQntuples(locked.get()) != 1 || pg::column(locked, 0, 0) != std::string(1, '\1')) {
    if (std::exchange(takeover_, false)) {
      // Only when this store is opened to take over: a reconnect never takes
      // it back from whoever took it over meanwhile.
      log::warn("store", "taking the database over from its previous writer");
      pg::checked(conn_, end_lock_holders);
      pg::checked(conn_, "SET lock_timeout = '10s'");
      pg::checked(conn_, wait_for_server_lock);
      pg::checked(conn_, "RESET lock_timeout");
    } else {
      // A writer that has just closed (a restart) may hold the lock a moment
      // longer, until PostgreSQL has ended its session: opening waits up to 5 s
      // for it. A reconnect does not wait: whoever holds it took it over.
      bool got = false;
      if (opening) {
        pg::checked(conn_, "SET lock_timeout = '5s'");
        got = PQresultStatus(pg::exec(conn_, wait_for_server_lock).get()) == PGRES_TUPLES_OK;
        pg::checked(conn_, "RESET lock_timeout");
      }
      if (!got) throw StoreError("another parley-server is using this database");
    }
  }
  takeover_ = false;
  pg::checked(conn_, "SET client_min_messages = warning");
  pg::checked(conn_, refuse_writes_ ? "SET default_transaction_read_only = on" : "SET default_transaction_read_only = off");
}

pg_conn* PostgresStore::connection() {
  if (ready_ && PQstatus(conn_) == CONNECTION_OK) return conn_;
  ready_ = false;
  try {
    if (PQstatus(conn_) != CONNECTION_OK) PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) throw StoreError(trimmed(PQerrorMessage(conn_)));
    prepare_session(false);
  } catch (const StoreError& e) {
    if (!reported_down_)
      log::error("store", "the database cannot be used; not acknowledging until it is back",
                 {{"database", redact_database_url(url_)}, {"error", e.what()}});
    reported_down_ = true;
    return nullptr;
  }
  ready_ = true;
  if (reported_down_) log::info("store", "reconnected to the database", {{"database", redact_database_url(url_)}});
  reported_down_ = false;
  return conn_;
}

void PostgresStore::set_refuse_writes(bool refuse) {
  refuse_writes_ = refuse;
  if (auto* conn = connection())
    pg::exec(conn, refuse ? "SET default_transaction_read_only = on" : "SET default_transaction_read_only = off");
}

void PostgresStore::migrate() {
  pg::checked(conn_, "BEGIN");
  try {
    pg::checked(conn_, migration_lock);  // several servers starting at once migrate one after another
    pg::checked(conn_, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    auto current = pg::checked(conn_, "SELECT COALESCE(MAX(version), 0)::int8 FROM schema_version");
    schema_version_ = static_cast<int>(pg::column_int(current, 0, 0));
    const auto& migrations = embedded::postgres_migrations;
    constexpr int known = static_cast<int>(std::size(embedded::postgres_migrations));
    if (schema_version_ > known)
      throw StoreError("the database is at schema version " + std::to_string(schema_version_) +
                       ", newer than this server knows (" + std::to_string(known) + "); upgrade parley-server");
    for (int v = schema_version_ + 1; v <= known; ++v) {
      pg::checked(conn_, pg::exec_script(conn_, migrations[v - 1]));
      pg::checked(conn_, "INSERT INTO schema_version (version) VALUES ($1::int4)", {pg::integer(v)});
    }
    pg::checked(conn_, "COMMIT");
    schema_version_ = known;
  } catch (const StoreError&) {
    pg::exec(conn_, "ROLLBACK");
    throw;
  }
}

// Reads: at start-up (RecordStore::load, before the writer runs) and as jobs on
// the writer thread (transcripts); each reconnects first if it must.
pg_conn* PostgresStore::reader() {
  // Inside a transaction a lost connection is an error, never a reconnect
  // (the rest of the transaction must not run on a new session, unwrapped).
  if (transaction_conn_) {
    if (PQstatus(transaction_conn_) != CONNECTION_OK) throw StoreError("the connection was lost in a transaction");
    return transaction_conn_;
  }
  auto* conn = connection();
  if (!conn) throw StoreError("the database cannot be reached");
  return conn;
}

std::vector<std::string> PostgresStore::read_records(Records which) {
  auto rows = which == Records::visitors ? pg::checked(reader(), "SELECT record FROM visitors")
              : which == Records::agents
                  ? pg::checked(reader(), "SELECT record FROM agents")
                  : pg::checked(reader(), "SELECT record FROM conversations WHERE state != $1::int4",
                                {pg::integer(parley::v1::CONVERSATION_STATE_CLOSED)});
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(rows.get()); ++i) out.push_back(pg::column(rows, i, 0));
  return out;
}

std::optional<std::string> PostgresStore::read_conversation(const std::string& id) {
  auto row = pg::checked(reader(), "SELECT record FROM conversations WHERE id = $1", {pg::text(id)});
  if (PQntuples(row.get()) != 1) return std::nullopt;
  return pg::column(row, 0, 0);
}

std::optional<std::string> PostgresStore::read_meta(const std::string& key) {
  auto row = pg::checked(reader(), "SELECT value FROM meta WHERE key = $1", {pg::text(key)});
  if (PQntuples(row.get()) != 1) return std::nullopt;
  return pg::column(row, 0, 0);
}

std::vector<std::string> PostgresStore::read_messages(const std::string& conversation_id) {
  auto rows = pg::checked(reader(), "SELECT record FROM messages WHERE conversation_id = $1 ORDER BY seq",
                          {pg::text(conversation_id)});
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(rows.get()); ++i) out.push_back(pg::column(rows, i, 0));
  return out;
}

std::vector<std::string> PostgresStore::read_report_events(std::int64_t from_ms, std::int64_t to_ms,
                                                          std::size_t max_conversations) {
  // kind 10: ChatStarted (the oneof's field number).
  auto rows = pg::checked(reader(),
                          "SELECT record FROM events WHERE conversation_id IN (SELECT conversation_id FROM events "
                          "WHERE kind = 10 AND at_ms >= $1::int8 AND at_ms < $2::int8 ORDER BY at_ms, id LIMIT $3::int8) "
                          "ORDER BY id",
                          {pg::integer(from_ms), pg::integer(to_ms), pg::integer(static_cast<std::int64_t>(max_conversations))});
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(rows.get()); ++i) out.push_back(pg::column(rows, i, 0));
  return out;
}

std::vector<std::string> PostgresStore::read_events_of_kind(int kind, std::int64_t from_ms, std::int64_t to_ms,
                                                           std::size_t max) {
  auto rows = pg::checked(reader(),
                          "SELECT record FROM events WHERE kind = $1::int4 AND at_ms >= $2::int8 AND at_ms < $3::int8 "
                          "ORDER BY at_ms, id LIMIT $4::int8",
                          {pg::integer(kind), pg::integer(from_ms), pg::integer(to_ms), pg::integer(static_cast<std::int64_t>(max))});
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(rows.get()); ++i) out.push_back(pg::column(rows, i, 0));
  return out;
}

std::vector<std::string> PostgresStore::read_events(const std::string& conversation_id) {
  auto rows = pg::checked(reader(), "SELECT record FROM events WHERE conversation_id = $1 ORDER BY id", {pg::text(conversation_id)});
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(rows.get()); ++i) out.push_back(pg::column(rows, i, 0));
  return out;
}

std::vector<std::string> PostgresStore::read_conversation_ids(const std::string& customer_id,
                                                              const std::string& visitor_id, std::size_t max) {
  auto rows = pg::checked(reader(),
                          customer_id.empty() ? "SELECT id FROM conversations WHERE visitor_id = $1 LIMIT $2::int8"
                                              : "SELECT id FROM conversations WHERE customer_id = $1 LIMIT $2::int8",
                          {pg::text(customer_id.empty() ? visitor_id : customer_id), pg::integer(static_cast<std::int64_t>(max))});
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(rows.get()); ++i) out.push_back(pg::column(rows, i, 0));
  return out;
}

void PostgresStore::in_transaction(const std::function<void()>& body) {
  auto* conn = reader();
  pg::checked(conn, "BEGIN");
  transaction_conn_ = conn;
  try {
    body();
    pg::checked(conn, "COMMIT");
    transaction_conn_ = nullptr;
  } catch (const StoreError&) {
    transaction_conn_ = nullptr;
    if (PQstatus(conn) == CONNECTION_OK) pg::exec(conn, "ROLLBACK");
    throw;
  }
}

void PostgresStore::rewrite_conversation(const parley::state::v1::ConversationRecord& record) {
  pg::checked(reader(), "UPDATE conversations SET record = $1, customer_id = $2 WHERE id = $3",
              {pg::bytes(record.SerializeAsString()), pg::text(record.info().customer_id()),
               pg::text(record.info().conversation_id())});
}

void PostgresStore::rewrite_message(const parley::v1::Message& message) {
  pg::checked(reader(), "UPDATE messages SET record = $1 WHERE conversation_id = $2 AND seq = $3::int8",
              {pg::bytes(message.SerializeAsString()), pg::text(message.conversation_id()),
               pg::integer(static_cast<std::int64_t>(message.seq()))});
}

std::vector<std::string> PostgresStore::read_canned() {
  auto rows = pg::checked(reader(), "SELECT record FROM canned_responses ORDER BY id");
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(rows.get()); ++i) out.push_back(pg::column(rows, i, 0));
  return out;
}

void PostgresStore::write_canned(const std::string& id, const std::string& owner_id, bool shared,
                                 const std::string& record) {
  pg::checked(reader(),
              "INSERT INTO canned_responses (id, owner_id, shared, record) VALUES ($1, $2, $3::bool, $4) "
              "ON CONFLICT (id) DO UPDATE SET owner_id = EXCLUDED.owner_id, shared = EXCLUDED.shared, record = EXCLUDED.record",
              {pg::text(id), pg::text(owner_id), pg::text(shared ? "true" : "false"), pg::bytes(record)});
}

void PostgresStore::delete_canned(const std::string& id) {
  pg::checked(reader(), "DELETE FROM canned_responses WHERE id = $1", {pg::text(id)});
}

namespace {
std::vector<std::string> first_column(const pg::Result& r) {
  std::vector<std::string> out;
  for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(pg::column(r, i, 0));
  return out;
}
}  // namespace

void PostgresStore::write_meta(const std::string& key, const std::string& value) {
  pg::checked(reader(), "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
              {pg::text(key), pg::bytes(value)});
}

std::optional<std::string> PostgresStore::read_ticket(const std::string& id) {
  auto out = first_column(pg::checked(reader(), "SELECT record FROM tickets WHERE id = $1", {pg::text(id)}));
  if (out.empty()) return std::nullopt;
  return std::move(out.front());
}

std::vector<std::string> PostgresStore::read_ticket_messages(const std::string& ticket_id) {
  return first_column(
      pg::checked(reader(), "SELECT record FROM ticket_messages WHERE ticket_id = $1 ORDER BY seq", {pg::text(ticket_id)}));
}

std::uint64_t PostgresStore::max_ticket_number() {
  auto r = pg::checked(reader(), "SELECT COALESCE(MAX(number), 0)::int8 FROM tickets");
  return static_cast<std::uint64_t>(pg::column_int(r, 0, 0));
}

std::size_t PostgresStore::count_active_tickets(const std::string& requester_email) {
  auto r = pg::checked(reader(), "SELECT COUNT(*)::int8 FROM tickets WHERE requester_email = $1 AND status IN ($2::int4, $3::int4)",
                       {pg::text(requester_email), pg::integer(desk::v1::TICKET_STATUS_OPEN),
                        pg::integer(desk::v1::TICKET_STATUS_PENDING)});
  return static_cast<std::size_t>(pg::column_int(r, 0, 0));
}

std::vector<std::string> PostgresStore::read_tickets(int min_status, int max_status, std::size_t limit) {
  return first_column(pg::checked(
      reader(), "SELECT record FROM tickets WHERE status BETWEEN $1::int4 AND $2::int4 ORDER BY due_ms, number LIMIT $3::int8",
      {pg::integer(min_status), pg::integer(max_status), pg::integer(static_cast<std::int64_t>(limit))}));
}

std::vector<std::string> PostgresStore::read_tickets_updated_since(std::int64_t updated_from_ms, std::size_t limit) {
  return first_column(pg::checked(
      reader(), "SELECT record FROM tickets WHERE updated_ms >= $1::int8 ORDER BY updated_ms, number LIMIT $2::int8",
      {pg::integer(updated_from_ms), pg::integer(static_cast<std::int64_t>(limit))}));
}

void PostgresStore::write_ticket(const tickets::Record& t) {
  pg::checked(reader(),
              "INSERT INTO tickets (id, number, status, due_ms, updated_ms, requester_email, customer_id, visitor_id, record) "
              "VALUES ($1, $2::int8, $3::int4, $4::int8, $5::int8, $6, $7, $8, $9) ON CONFLICT (id) DO UPDATE SET "
              "status = EXCLUDED.status, due_ms = EXCLUDED.due_ms, updated_ms = EXCLUDED.updated_ms, "
              "requester_email = EXCLUDED.requester_email, customer_id = EXCLUDED.customer_id, "
              "visitor_id = EXCLUDED.visitor_id, record = EXCLUDED.record",
              {pg::text(t.id()), pg::integer(static_cast<std::int64_t>(t.number())), pg::integer(t.status()),
               pg::integer(t.due_ms()), pg::integer(t.updated_ms()), pg::text(t.requester().email()),
               pg::text(t.requester().customer_id()), pg::text(t.requester().visitor_id()), pg::bytes(t.SerializeAsString())});
}

void PostgresStore::write_ticket_message(const tickets::Message& m) {
  pg::checked(reader(), "INSERT INTO ticket_messages (ticket_id, seq, record) VALUES ($1, $2::int8, $3)",
              {pg::text(m.ticket_id()), pg::integer(static_cast<std::int64_t>(m.seq())), pg::bytes(m.SerializeAsString())});
}

std::vector<std::string> PostgresStore::read_mails(const std::string& ticket_id) {
  return first_column(pg::checked(reader(), "SELECT record FROM mail_outbox WHERE ticket_id = $1 ORDER BY id",
                                  {pg::text(ticket_id)}));
}

std::vector<std::string> PostgresStore::read_due_mails(std::int64_t now_ms, std::size_t max) {
  // FOR UPDATE SKIP LOCKED: were several writers to share the database, each
  // would claim different mails.
  return first_column(pg::checked(reader(),
                                  "SELECT record FROM mail_outbox WHERE status = $1::int4 AND next_attempt_ms <= $2::int8 "
                                  "AND lease_until_ms <= $2::int8 ORDER BY next_attempt_ms LIMIT $3::int8 FOR UPDATE SKIP LOCKED",
                                  {pg::integer(tickets::Mail::STATUS_QUEUED), pg::integer(now_ms),
                                   pg::integer(static_cast<std::int64_t>(max))}));
}

void PostgresStore::write_mail(const tickets::Mail& m, std::int64_t lease_until_ms) {
  pg::checked(reader(),
              "INSERT INTO mail_outbox (id, ticket_id, status, next_attempt_ms, lease_until_ms, record, conversation_id) "
              "VALUES ($1, $2, $3::int4, $4::int8, $5::int8, $6, $7) ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, "
              "next_attempt_ms = EXCLUDED.next_attempt_ms, lease_until_ms = EXCLUDED.lease_until_ms, record = EXCLUDED.record",
              {pg::text(m.id()), pg::text(m.ticket_id()), pg::integer(m.status()), pg::integer(m.next_attempt_ms()),
               pg::integer(lease_until_ms), pg::bytes(m.SerializeAsString()), pg::text(m.conversation_id())});
}

std::vector<std::string> PostgresStore::read_chat_mails(const std::string& conversation_id) {
  return first_column(pg::checked(reader(), "SELECT record FROM mail_outbox WHERE conversation_id = $1 ORDER BY id",
                                  {pg::text(conversation_id)}));
}

namespace {
std::optional<std::string> first(std::vector<std::string> rows) {
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}
}  // namespace

std::optional<std::string> PostgresStore::read_ticket_id(std::uint64_t number) {
  return first(first_column(pg::checked(reader(), "SELECT id FROM tickets WHERE number = $1::int8",
                                        {pg::integer(static_cast<std::int64_t>(number))})));
}

std::optional<std::string> PostgresStore::read_mail_ticket_id(const std::string& mail_id) {
  return first(first_column(pg::checked(reader(), "SELECT ticket_id FROM mail_outbox WHERE id = $1", {pg::text(mail_id)})));
}

std::optional<std::string> PostgresStore::read_inbox_ticket_id(const std::string& message_id) {
  return first(first_column(pg::checked(reader(), "SELECT ticket_id FROM mail_inbox WHERE message_id = $1", {pg::text(message_id)})));
}

std::optional<std::string> PostgresStore::read_inbox_raw(const std::string& inbox_id) {
  return first(first_column(pg::checked(reader(), "SELECT raw FROM mail_inbox WHERE id = $1", {pg::text(inbox_id)})));
}

void PostgresStore::write_inbox(const ReceivedMail& mail, const std::string& ticket_id, const std::string& disposition) {
  pg::checked(reader(),
              "INSERT INTO mail_inbox (id, message_id, received_ms, ticket_id, disposition, raw) "
              "VALUES ($1, $2, $3::int8, $4, $5, $6)",
              {pg::text(mail.inbox_id), pg::text(mail.message_id), pg::integer(mail.received_ms), pg::text(ticket_id),
               pg::text(disposition), pg::bytes(mail.raw)});
}

bool PostgresStore::write_legal_hold(const std::string& id, bool hold) {
  auto r = pg::checked(reader(), "UPDATE conversations SET legal_hold = $1::bool WHERE id = $2",
                       {pg::text(hold ? "true" : "false"), pg::text(id)});
  return std::string(PQcmdTuples(r.get())) != "0";
}

std::vector<std::string> PostgresStore::read_ticket_ids_of(const std::string& customer_id, const std::string& visitor_id,
                                                           const std::string& email) {
  return first_column(pg::checked(reader(),
                                  "SELECT id FROM tickets WHERE ($1 <> '' AND customer_id = $1) OR ($2 <> '' AND visitor_id = $2) "
                                  "OR ($3 <> '' AND requester_email = $3) ORDER BY number",
                                  {pg::text(customer_id), pg::text(visitor_id), pg::text(email)}));
}

void PostgresStore::rewrite_ticket_message(const tickets::Message& m) {
  pg::checked(reader(), "UPDATE ticket_messages SET record = $1 WHERE ticket_id = $2 AND seq = $3::int8",
              {pg::bytes(m.SerializeAsString()), pg::text(m.ticket_id()), pg::integer(static_cast<std::int64_t>(m.seq()))});
}

void PostgresStore::erase_inbox_of(const std::string& ticket_id) {
  pg::checked(reader(), "UPDATE mail_inbox SET raw = ''::bytea, disposition = 'erased' WHERE ticket_id = $1", {pg::text(ticket_id)});
}

std::vector<std::pair<std::string, std::uint64_t>> PostgresStore::delete_done_tickets(std::int64_t updated_before_ms,
                                                                                     std::size_t max) {
  // One statement, so one transaction: the thread and the mails go with their tickets.
  auto rows = pg::checked(reader(),
                          "WITH gone AS (DELETE FROM tickets WHERE id IN (SELECT id FROM tickets WHERE status IN ($1::int4, $2::int4) "
                          "AND updated_ms < $3::int8 ORDER BY updated_ms LIMIT $4::int8) RETURNING id, number), "
                          "m AS (DELETE FROM ticket_messages WHERE ticket_id IN (SELECT id FROM gone)), "
                          "o AS (DELETE FROM mail_outbox WHERE ticket_id IN (SELECT id FROM gone)), "
                          "i AS (DELETE FROM mail_inbox WHERE ticket_id IN (SELECT id FROM gone)) "
                          "SELECT id, number::text FROM gone ORDER BY number",
                          {pg::integer(desk::v1::TICKET_STATUS_SOLVED), pg::integer(desk::v1::TICKET_STATUS_CLOSED),
                           pg::integer(updated_before_ms), pg::integer(static_cast<std::int64_t>(max))});
  std::vector<std::pair<std::string, std::uint64_t>> gone;
  for (int i = 0; i < PQntuples(rows.get()); ++i)
    gone.emplace_back(pg::column(rows, i, 0), std::stoull(pg::column(rows, i, 1)));
  return gone;
}

std::vector<std::string> PostgresStore::delete_closed(std::int64_t closed_before_ms, std::size_t max) {
  // One statement, so one transaction: the messages go with their conversations.
  auto rows = pg::checked(reader(),
                          "WITH gone AS (DELETE FROM conversations WHERE id IN (SELECT id FROM conversations "
                          "WHERE state = $1::int4 AND closed_ms > 0 AND closed_ms < $2::int8 AND NOT legal_hold LIMIT $3::int8) "
                          "RETURNING id), m AS (DELETE FROM messages WHERE conversation_id IN (SELECT id FROM gone)) "
                          "SELECT id FROM gone",
                          {pg::integer(parley::v1::CONVERSATION_STATE_CLOSED), pg::integer(closed_before_ms),
                           pg::integer(static_cast<std::int64_t>(max))});
  std::vector<std::string> ids;
  for (int i = 0; i < PQntuples(rows.get()); ++i) ids.push_back(pg::column(rows, i, 0));
  return ids;
}

// One transaction for every batch of the group, pipelined.
bool PostgresStore::write(const std::vector<const StoreBatch*>& batches) {
  auto* conn = connection();
  if (!conn) return false;
  std::string reason;
  {
    Pipeline p(conn);
    p.send("BEGIN");
    for (const auto* batch : batches) {
      const auto& b = *batch;
      for (const auto& m : b.messages)
        p.send(
            "INSERT INTO messages (conversation_id, seq, sender_id, client_message_id, created_ms, record) "
            "VALUES ($1, $2::int8, $3, $4, $5::int8, $6) ON CONFLICT DO NOTHING",
            {pg::text(m.conversation_id()), pg::integer(static_cast<std::int64_t>(m.seq())), pg::text(m.sender_id()),
             pg::text(m.client_message_id()), pg::integer(m.server_time_ms()), pg::bytes(m.SerializeAsString())});
      for (const auto& r : b.state.conversations())
        p.send(
            "INSERT INTO conversations (id, state, record, closed_ms, customer_id, visitor_id) "
            "VALUES ($1, $2::int4, $3, $4::int8, $5, $6) ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, "
            "record = EXCLUDED.record, closed_ms = EXCLUDED.closed_ms, customer_id = EXCLUDED.customer_id, "
            "visitor_id = EXCLUDED.visitor_id",
            {pg::text(r.info().conversation_id()), pg::integer(r.info().state()), pg::bytes(r.SerializeAsString()),
             pg::integer(r.closed_ms()), pg::text(r.info().customer_id()), pg::text(r.info().visitor_id())});
      for (const auto& r : b.state.visitors())
        p.send("INSERT INTO visitors (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
               {pg::text(r.id()), pg::bytes(r.SerializeAsString())});
      for (const auto& id : b.state.forgotten_visitors()) p.send("DELETE FROM visitors WHERE id = $1", {pg::text(id)});
      for (const auto& r : b.state.agents())
        p.send("INSERT INTO agents (id, record) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record",
               {pg::text(r.id()), pg::bytes(r.SerializeAsString())});
      for (const auto& e : b.events)
        p.send("INSERT INTO events (at_ms, conversation_id, actor_id, kind, record) VALUES ($1::int8, $2, $3, $4::int4, $5)",
               {pg::integer(e.at_ms()), pg::text(e.conversation_id()), pg::text(e.actor_id()), pg::integer(e.kind_case()),
                pg::bytes(e.SerializeAsString())});
      if (b.state.queues_included()) {
        parley::state::v1::StateImage queues;
        *queues.mutable_queues() = b.state.queues();
        queues.set_queues_included(true);
        queues.set_average_handle_seconds(b.state.average_handle_seconds());
        queues.set_store_id(b.state.store_id());
        p.send("INSERT INTO meta (key, value) VALUES ('queues', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
               {pg::bytes(queues.SerializeAsString())});
      }
    }
    if (p.sync()) {
      p.send("COMMIT");
      if (p.sync()) return true;
    }
    reason = p.reason();
  }
  // The transaction failed: end it (if the connection still stands) and say so.
  if (PQstatus(conn) == CONNECTION_OK && PQtransactionStatus(conn) != PQTRANS_IDLE) pg::exec(conn, "ROLLBACK");
  log::error("store", "could not commit; not acknowledging", {{"error", reason}});
  return false;
}

}  // namespace parley::store
