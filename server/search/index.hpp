#pragma once
// Finding past conversations: a Xapian full-text index beside the system of
// record, fed with what the store committed (never with what it did not).
// Chinese and English: Xapian's CJK n-grams split Chinese text into unigrams
// and bigrams at index and query time, so a two-character word such as 提现
// matches (SQLite's FTS5 tokenizers do not segment Chinese at all).
//
// What is indexed, per conversation: the visitor's name, e-mail, verified
// customer id, subject and transaction id (also as exact terms), and the text
// of every visitor and staff message (not system notices, not notes).
//
// Threads: one of its own. add() copies what it needs from a committed batch
// into a bounded queue; search() runs on the same thread, after what was
// queued before it, so a search sees every message committed before it
// was asked, and commits the index first. The index is written to disk when
// its queue runs dry, every thousand documents and before a search: a batch
// the store committed just before a crash can be missing from it (a
// rebuild from the store is still to come). Policy at the limit: past max_queued batches the index drops new
// ones and says so (lagging(); a reindex from the store is the remedy), the
// store and the chat are never slowed by search.

#include "store/record_store.hpp"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace parley::search {

struct Hit {
  std::string conversation_id;
  std::string visitor_name;
  std::string customer_id;
  std::string transaction_id;
  std::int64_t created_ms = 0;
  int state = 0;           // parley.v1.ConversationState
  std::string snippet;     // the best matching text, with the match in <b>...</b> (HTML-escaped)
};

struct Query {
  std::string text;         // words, Chinese or English; all must match (in one message or the chat's fields)
  std::string customer_id;  // or: every chat of this verified customer
  std::string visitor_id;   // or: of this visitor
  std::size_t limit = 20;
};

class Index {
 public:
  static constexpr std::size_t max_queued = 10'000;
  static constexpr std::size_t max_limit = 100;

  // Opens or creates the index in `dir`. Throws std::runtime_error.
  explicit Index(const std::filesystem::path& dir);
  ~Index();
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  // Any thread: index what this committed batch changed.
  void add(const store::StoreBatch& committed);
  // Any thread: forget these conversations (retention, erasure).
  void remove(std::vector<std::string> conversation_ids);
  // Any thread; `done` runs on the index thread with the newest chats first,
  // or an error to show.
  void search(Query query, std::function<void(std::vector<Hit>, std::string error)> done);
  bool lagging() const { return dropped_ > 0; }

 private:
  struct Impl;
  struct Work;
  void run();
  std::unique_ptr<Impl> impl_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Work> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;
};

}  // namespace parley::search
