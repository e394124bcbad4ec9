#include "store/sqlite/sqlite_staff_sessions.hpp"

#include "store/sqlite/statement.hpp"

namespace parley::store {

// Each operation is a job on the store's writer thread; a statement that does
// not prepare answers as a failure, like an unreachable store.

void SqliteStaffSessions::put(const std::string& key, const auth::StaffSession& session,
                              std::function<void(bool)> done) {
  store_.run_job([this, key, record = auth::encode_staff_session(session), expires = session.expires_at_ms,
                  done = std::move(done)](sqlite3* db) {
    bool ok = false;
    try {
      Statement(db, "DELETE FROM staff_sessions WHERE expires_at_ms <= ?").integer(1, clock_.now_ms()).run();
      ok = Statement(db, "INSERT OR REPLACE INTO staff_sessions (key, record, expires_at_ms) VALUES (?, ?, ?)")
               .text(1, key)
               .text(2, record)
               .integer(3, expires)
               .run();
    } catch (const StoreError&) {
    }
    done(ok);
  });
}

void SqliteStaffSessions::get(const std::string& key, std::function<void(std::optional<auth::StaffSession>)> done) {
  store_.run_job([this, key, done = std::move(done)](sqlite3* db) {
    std::optional<auth::StaffSession> found;
    try {
      Statement row(db, "SELECT record FROM staff_sessions WHERE key = ? AND expires_at_ms > ?");
      row.text(1, key).integer(2, clock_.now_ms());
      if (row.step() == SQLITE_ROW) found = auth::decode_staff_session(row.column_blob(0));
    } catch (const StoreError&) {
    }
    done(std::move(found));
  });
}

void SqliteStaffSessions::remove(const std::string& key, std::function<void(bool)> done) {
  store_.run_job([key, done = std::move(done)](sqlite3* db) {
    bool removed = false;
    try {
      removed = Statement(db, "DELETE FROM staff_sessions WHERE key = ?").text(1, key).run() && sqlite3_changes(db) > 0;
    } catch (const StoreError&) {
    }
    done(removed);
  });
}

}  // namespace parley::store
