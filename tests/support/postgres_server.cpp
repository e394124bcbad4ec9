#include "support/postgres_server.hpp"

#include "support/ready_line.hpp"
#include "support/redis_server.hpp"  // free_port

#include <libpq-fe.h>

#include <csignal>
#include <cstdio>
#include <stdexcept>

#include <fcntl.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace parley::test {
namespace {

const std::string bin = "/usr/lib/postgresql/15/bin/";

// In a child: become the postgres user if we are root (PostgreSQL refuses root).
void drop_root() {
  if (::geteuid() != 0) return;
  const passwd* pw = ::getpwnam("postgres");
  if (!pw || ::setgid(pw->pw_gid) != 0 || ::setuid(pw->pw_uid) != 0) ::_exit(126);
}

void give_to_postgres(const std::filesystem::path& dir) {
  if (::geteuid() != 0) return;
  const passwd* pw = ::getpwnam("postgres");
  if (!pw) throw std::runtime_error("running as root, but there is no postgres user (install postgresql-15)");
  if (::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) throw std::runtime_error("chown of the test directory failed");
}

}  // namespace

PostgresServer::PostgresServer() {
  char pattern[] = "/tmp/parley-pg-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  give_to_postgres(dir_);
  port_ = free_port();
  const pid_t init = ::fork();
  if (init == 0) {
    drop_root();
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    const std::string data = (dir_ / "data").string();
    ::execl((bin + "initdb").c_str(), "initdb", "-D", data.c_str(), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--locale=C", "--no-sync", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(init, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("initdb failed (exit " + std::to_string(WEXITSTATUS(status)) + ")");
  start();
}

PostgresServer::~PostgresServer() {
  kill_hard();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void PostgresServer::start() {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setpgid(0, 0);  // its own group: kill_hard() takes the backends too
    drop_root();
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // after setuid, which clears it
    ::dup2(out[1], STDERR_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    const std::string data = (dir_ / "data").string(), port = std::to_string(port_), sockets = dir_.string();
    ::execl((bin + "postgres").c_str(), "postgres", "-D", data.c_str(), "-p", port.c_str(), "-k", sockets.c_str(),
            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off", "-c",
            "shared_buffers=16MB", "-c", "max_connections=60", "-c", "logging_collector=off",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);
  ::close(out[1]);
  if (!wait_for_ready_line(out[0], "ready to accept connections", std::chrono::seconds(30), drain_)) {
    kill_hard();
    throw std::runtime_error("postgres did not start on port " + std::to_string(port_));
  }
}

void PostgresServer::kill_hard() {
  if (pid_ > 0) ::kill(-pid_, SIGKILL);
  wait_exit();
}

void PostgresServer::wait_exit() {
  if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  if (drain_.joinable()) drain_.join();  // ends when the last backend has closed its stderr
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::create_database() {
  const std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++databases_);
  query("postgres", "CREATE DATABASE " + name);
  return url(name);
}

std::vector<std::string> PostgresServer::query(const std::string& database, const std::string& sql) const {
  PGconn* conn = PQconnectdb(url(database).c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string reason = PQerrorMessage(conn);
    PQfinish(conn);
    throw std::runtime_error("cannot connect to the test postgres: " + reason);
  }
  PGresult* r = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(r);
  std::vector<std::string> rows;
  std::string error;
  if (status == PGRES_TUPLES_OK)
    for (int i = 0; i < PQntuples(r); ++i) rows.emplace_back(PQgetvalue(r, i, 0));
  else if (status != PGRES_COMMAND_OK)
    error = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(conn);
  if (!error.empty()) throw std::runtime_error("postgres: " + error);
  return rows;
}

PostgresServer& shared_postgres() {
  static PostgresServer server;
  return server;
}

}  // namespace parley::test
