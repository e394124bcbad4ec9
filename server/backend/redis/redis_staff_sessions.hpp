#pragma once
// Staff sessions in Redis, shared by every node: one key per sign-in with a
// TTL equal to the session's remaining life. Callbacks run on the
// connection's executor.

#include "auth/staff_sessions.hpp"
#include "backend/redis/keys.hpp"
#include "backend/redis/redis_connection.hpp"
#include "chat/clock.hpp"

#include <memory>

namespace parley::backend::redis {

class RedisStaffSessions final : public auth::StaffSessionStore {
 public:
  RedisStaffSessions(std::shared_ptr<RedisConnection> connection, Keys keys, const chat::Clock& clock)
      : connection_(std::move(connection)), keys_(std::move(keys)), clock_(clock) {}

  void put(const std::string& key, const auth::StaffSession& session, std::function<void(bool)> done) override;
  void get(const std::string& key, std::function<void(std::optional<auth::StaffSession>)> done) override;
  void remove(const std::string& key, std::function<void(bool)> done) override;

 private:
  // The connection belongs to its executor: every command is issued from there.
  template <class F>
  void on_connection(F&& f);

  std::shared_ptr<RedisConnection> connection_;
  Keys keys_;
  const chat::Clock& clock_;
};

}  // namespace parley::backend::redis
