#pragma once
// Staff sign-ins kept in PostgreSQL (--database), under a hash of the token,
// so a restart does not sign every agent out. Each operation is a job on the
// store's writer thread; callbacks run there too (callers post back to their
// own thread, as the port requires). Expired rows are deleted whenever a
// sign-in is stored. An unreachable database answers as a failure.

#include "auth/staff_sessions.hpp"
#include "chat/clock.hpp"
#include "store/postgres/postgres_store.hpp"

namespace parley::store {

class PostgresStaffSessions final : public auth::StaffSessionStore {
 public:
  PostgresStaffSessions(PostgresStore& store, const chat::Clock& clock) : store_(store), clock_(clock) {}
  void put(const std::string& key, const auth::StaffSession& session, std::function<void(bool)> done) override;
  void get(const std::string& key, std::function<void(std::optional<auth::StaffSession>)> done) override;
  void remove(const std::string& key, std::function<void(bool)> done) override;

 private:
  PostgresStore& store_;
  const chat::Clock& clock_;
};

}  // namespace parley::store
