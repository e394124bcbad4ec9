#pragma once
// A real PostgreSQL 15 server for tests: initdb in its own temporary
// directory, own free port, stopped (and the directory removed) at the end.
// As root (CI) it runs as the `postgres` user, since PostgreSQL refuses root.
// Readiness is the server's own "ready to accept connections" line, not a
// sleep. Durability settings are relaxed (fsync off): the tests kill the
// server process, never the machine.

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace parley::test {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  unsigned short port() const { return port_; }
  // A new, empty database on this server; returns its URL.
  std::string create_database();
  std::string url(const std::string& database) const;
  void kill_hard();  // SIGKILL to the server and its backends, as a crash
  void start();      // (re)start on the same port and directory
  // Runs one SQL command as the superuser; the first column of each row.
  std::vector<std::string> query(const std::string& database, const std::string& sql) const;

 private:
  void wait_exit();
  std::filesystem::path dir_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
  std::thread drain_;
  int databases_ = 0;
};

// One server shared by a test binary's cases (each takes its own database).
PostgresServer& shared_postgres();

}  // namespace parley::test
