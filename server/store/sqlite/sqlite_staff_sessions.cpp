#include "store/sqlite/sqlite_staff_sessions.hpp"

#include <sqlite3.h>

namespace parley::store {
namespace {
bool bind_and_run(sqlite3* db, const char* sql, const std::function<void(sqlite3_stmt*)>& bind,
                  const std::function<void(sqlite3_stmt*)>& row = {}) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) return false;
  bind(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
    if (row) row(stmt);
  sqlite3_finalize(stmt);
  return rc == SQLITE_DONE;
}
void text(sqlite3_stmt* stmt, int i, const std::string& value) {
  sqlite3_bind_text(stmt, i, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}
}  // namespace

void SqliteStaffSessions::put(const std::string& key, const auth::StaffSession& session,
                              std::function<void(bool)> done) {
  store_.run_job([this, key, record = auth::encode_staff_session(session), expires = session.expires_at_ms,
                  done = std::move(done)](sqlite3* db) {
    const auto now = clock_.now_ms();
    bind_and_run(db, "DELETE FROM staff_sessions WHERE expires_at_ms <= ?",
                 [&](sqlite3_stmt* s) { sqlite3_bind_int64(s, 1, now); });
    const bool ok = bind_and_run(db, "INSERT OR REPLACE INTO staff_sessions (key, record, expires_at_ms) VALUES (?, ?, ?)",
                                 [&](sqlite3_stmt* s) {
                                   text(s, 1, key);
                                   text(s, 2, record);
                                   sqlite3_bind_int64(s, 3, expires);
                                 });
    done(ok);
  });
}

void SqliteStaffSessions::get(const std::string& key, std::function<void(std::optional<auth::StaffSession>)> done) {
  store_.run_job([this, key, done = std::move(done)](sqlite3* db) {
    std::optional<auth::StaffSession> found;
    bind_and_run(
        db, "SELECT record FROM staff_sessions WHERE key = ? AND expires_at_ms > ?",
        [&](sqlite3_stmt* s) {
          text(s, 1, key);
          sqlite3_bind_int64(s, 2, clock_.now_ms());
        },
        [&](sqlite3_stmt* s) {
          const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
          if (data) found = auth::decode_staff_session(std::string_view(data, static_cast<std::size_t>(sqlite3_column_bytes(s, 0))));
        });
    done(std::move(found));
  });
}

void SqliteStaffSessions::remove(const std::string& key, std::function<void(bool)> done) {
  store_.run_job([key, done = std::move(done)](sqlite3* db) {
    const bool ok = bind_and_run(db, "DELETE FROM staff_sessions WHERE key = ?", [&](sqlite3_stmt* s) { text(s, 1, key); });
    done(ok && sqlite3_changes(db) > 0);
  });
}

}  // namespace parley::store
