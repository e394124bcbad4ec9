#include "backend/redis/redis_staff_sessions.hpp"

#include <boost/asio/post.hpp>

namespace parley::backend::redis {

template <class F>
void RedisStaffSessions::on_connection(F&& f) {
  boost::asio::post(connection_->executor(), std::forward<F>(f));
}

void RedisStaffSessions::put(const std::string& key, const auth::StaffSession& session,
                             std::function<void(bool)> done) {
  const auto ttl_ms = session.expires_at_ms - clock_.now_ms();
  if (ttl_ms <= 0) return done(false);
  on_connection([connection = connection_, key = keys_.staff_session(key), value = auth::encode_staff_session(session), ttl_ms,
                 done = std::move(done)]() mutable {
    connection->command({"SET", key, value, "PX", std::to_string(ttl_ms)},
                         [done = std::move(done)](std::error_code ec, const Reply& reply) {
                           done(!ec && reply.type == Reply::Type::status);
                         });
  });
}

void RedisStaffSessions::get(const std::string& key, std::function<void(std::optional<auth::StaffSession>)> done) {
  on_connection([connection = connection_, &clock = clock_, key = keys_.staff_session(key),
                 done = std::move(done)]() mutable {
    connection->command({"GET", key}, [&clock, done = std::move(done)](std::error_code ec, const Reply& reply) {
      if (ec || reply.type != Reply::Type::string) return done(std::nullopt);
      auto session = auth::decode_staff_session(reply.str);
      if (session && session->expires_at_ms <= clock.now_ms()) session.reset();
      done(std::move(session));
    });
  });
}

void RedisStaffSessions::remove(const std::string& key, std::function<void(bool)> done) {
  on_connection([connection = connection_, key = keys_.staff_session(key), done = std::move(done)]() mutable {
    connection->command({"DEL", key}, [done = std::move(done)](std::error_code ec, const Reply& reply) {
      done(!ec && reply.integer > 0);
    });
  });
}

}  // namespace parley::backend::redis
