#pragma once
// The embedded system of record: one SQLite database file (WAL journal,
// synchronous=FULL, so a commit that returned survives a crash or power loss).
//
// Threads: the hub queues batches with commit(); a writer thread of the
// store's own commits every batch queued since its last commit in one
// transaction (group commit: under load one fsync serves many events) and
// posts each batch's completion back to the `completions` executor, in the
// order the batches were queued. load() reads everything at start-up, before
// any commit.
//
// Failure policy: a batch whose transaction fails (disk full, read-only
// directory, I/O error) completes with false, and is kept and written again
// before anything newer, so nothing acknowledged later can overtake it; the
// hub closes the affected connections (1012) and clients resend. The queue of
// batches waiting for the writer is bounded by the hub's own pace (one batch
// per handled event); past max_pending_batches new batches fail at once.

#include "parley/v1/protocol.pb.h"
#include "parley/v1/state.pb.h"

#include <boost/asio/any_io_executor.hpp>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

struct sqlite3;

namespace parley::store {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What one hub event (or several) changed: new log entries and state records.
struct StoreBatch {
  std::vector<parley::v1::Message> messages;
  parley::state::v1::StateImage state;  // a change set (Service::export_changes)
  bool empty() const {
    return messages.empty() && state.conversations_size() == 0 && state.visitors_size() == 0 &&
           state.agents_size() == 0 && state.forgotten_visitors_size() == 0 && !state.queues_included();
  }
};

struct StoredState {
  parley::state::v1::StateImage image;
  // Every conversation's log, numbered from 1.
  std::map<std::string, std::vector<parley::v1::Message>> logs;
};

class SqliteStore {
 public:
  static constexpr std::size_t max_pending_batches = 100'000;

  // Opens (creating it and its directory if needed) and migrates the database.
  // Throws StoreError with a one-line reason.
  SqliteStore(const std::filesystem::path& file, boost::asio::any_io_executor completions);
  ~SqliteStore();
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  StoredState load();
  void commit(StoreBatch batch, std::function<void(bool durable)> done);
  // Runs `job` on the writer thread, between transactions (small reads and
  // writes that are not part of a chat event: staff sign-ins). Jobs still
  // queued when stop_jobs() is called are dropped without running.
  void run_job(std::function<void(sqlite3*)> job);
  // Waits for a running job and drops the queued ones: the owners of their
  // callbacks are about to go (server shutdown).
  void stop_jobs();

  // Fault injection for tests: while set, every commit fails as on a full or
  // read-only disk (PRAGMA query_only).
  void refuse_writes(bool refuse);
  // The schema version the database is at.
  int schema_version() const { return schema_version_; }

 private:
  struct Pending {
    StoreBatch batch;
    std::function<void(bool)> done;
  };
  void run_writer();
  bool write(const std::vector<Pending*>& batches);
  void exec(const char* sql);
  void migrate();

  sqlite3* db_ = nullptr;
  int schema_version_ = 0;
  boost::asio::any_io_executor completions_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  std::deque<std::function<void(sqlite3*)>> jobs_;
  bool jobs_stopped_ = false;
  std::mutex job_running_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace parley::store
