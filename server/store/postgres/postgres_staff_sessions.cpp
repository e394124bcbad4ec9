#include "store/postgres/postgres_staff_sessions.hpp"

#include "store/postgres/pg_result.hpp"

namespace parley::store {

void PostgresStaffSessions::put(const std::string& key, const auth::StaffSession& session,
                                std::function<void(bool)> done) {
  store_.run_job([this, key, record = auth::encode_staff_session(session), expires = session.expires_at_ms,
                  done = std::move(done)](PGconn* conn) {
    bool ok = false;
    if (conn) {
      pg::exec(conn, "DELETE FROM staff_sessions WHERE expires_at_ms <= $1::int8", {pg::integer(clock_.now_ms())});
      ok = pg::ok(pg::exec(conn,
                           "INSERT INTO staff_sessions (key, record, expires_at_ms) VALUES ($1, $2, $3::int8) "
                           "ON CONFLICT (key) DO UPDATE SET record = EXCLUDED.record, expires_at_ms = EXCLUDED.expires_at_ms",
                           {pg::text(key), pg::text(record), pg::integer(expires)}));
    }
    done(ok);
  });
}

void PostgresStaffSessions::get(const std::string& key, std::function<void(std::optional<auth::StaffSession>)> done) {
  store_.run_job([this, key, done = std::move(done)](PGconn* conn) {
    std::optional<auth::StaffSession> found;
    if (conn) {
      auto row = pg::exec(conn, "SELECT record FROM staff_sessions WHERE key = $1 AND expires_at_ms > $2::int8",
                          {pg::text(key), pg::integer(clock_.now_ms())});
      if (pg::ok(row) && PQntuples(row.get()) == 1) found = auth::decode_staff_session(pg::column(row, 0, 0));
    }
    done(std::move(found));
  });
}

void PostgresStaffSessions::remove(const std::string& key, std::function<void(bool)> done) {
  store_.run_job([key, done = std::move(done)](PGconn* conn) {
    bool removed = false;
    if (conn) {
      auto r = pg::exec(conn, "DELETE FROM staff_sessions WHERE key = $1", {pg::text(key)});
      removed = pg::ok(r) && std::string(PQcmdTuples(r.get())) != "0";
    }
    done(removed);
  });
}

}  // namespace parley::store
