#pragma once
// Staff sign-ins kept in the SQLite system of record (--data-dir), under a
// hash of the token, so a restart does not sign every agent out. Reads and
// writes run on the store's writer thread; callbacks run there too (callers
// post back to their own thread, as the port requires). Expired rows are
// deleted whenever a sign-in is stored.

#include "auth/staff_sessions.hpp"
#include "chat/clock.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace parley::store {

class SqliteStaffSessions final : public auth::StaffSessionStore {
 public:
  SqliteStaffSessions(SqliteStore& store, const chat::Clock& clock) : store_(store), clock_(clock) {}
  void put(const std::string& key, const auth::StaffSession& session, std::function<void(bool)> done) override;
  void get(const std::string& key, std::function<void(std::optional<auth::StaffSession>)> done) override;
  void remove(const std::string& key, std::function<void(bool)> done) override;

 private:
  SqliteStore& store_;
  const chat::Clock& clock_;
};

}  // namespace parley::store
