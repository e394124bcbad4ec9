#pragma once
// The exchange's own data about a verified customer, beside the chat: a
// signed HTTPS POST to the host site's endpoint, its typed answer checked,
// cached and filtered by the viewer's role (docs/security.md, docs/protocol.md).
//
// Request: POST <url>, JSON {"customer_id", "site", "conversation_id",
// "agent_role"}, headers X-Parley-Timestamp (Unix seconds) and
// X-Parley-Signature "v1=" + hex HMAC-SHA256(key, timestamp + "." + body). The
// host checks it with its current and previous key and refuses timestamps
// older than five minutes.
// Answer: JSON {"cards": [{"label", "value", "roles"?}], "tables": [{"title",
// "columns": [...], "rows": [[...]], "roles"?}], "as_of_ms"?}: strings only
// (amounts as strings), at most 64 KiB, 20 cards, 5 tables of 8 columns and
// 50 rows, 200 characters a string. "roles" (optional) limits an item to those
// staff roles ("agent", "tier2", "supervisor", "admin").
//
// Threads: Client runs the calls on its own thread; `done` runs there.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

namespace parley::context {

inline constexpr std::size_t max_answer_bytes = 64 * 1024;

struct Card {
  std::string label, value;
  std::vector<std::string> roles;  // empty: every staff role
};
struct Table {
  std::string title;
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> roles;
};
struct Context {
  std::vector<Card> cards;
  std::vector<Table> tables;
  std::int64_t as_of_ms = 0;  // the host's, or when it answered
};

// "v1=<hex>": HMAC-SHA256 with `key` over "<timestamp>.<body>".
std::string signature(const std::string& key, std::int64_t timestamp_s, const std::string& body);
// The host's answer checked against the limits above, or why it is refused.
std::variant<Context, std::string> parse_answer(const std::string& body, std::int64_t now_ms);
// Whether a request may go to `url`: https://, or http:// to a loopback address
// (tests, a sidecar on the same machine); customer data never travels in clear.
bool allowed_url(const std::string& url);
// Only the items this role may see.
Context for_role(const Context& context, const std::string& role);

struct Settings {
  std::string url;                   // https://..., or http:// to a loopback address (tests, a local sidecar)
  std::string key;                   // signs requests
  std::string ca_file;               // verify the host against this CA; else the system's
  std::chrono::milliseconds deadline{2500};
  std::chrono::milliseconds fresh{60'000};  // answers are reused this long per customer and role
  std::size_t max_cached = 10'000;          // at the limit the oldest entry goes
};

struct Request {
  std::string site, customer_id, conversation_id, agent_role;
};

struct Answer {
  std::optional<Context> context;  // unfiltered; the caller applies for_role
  std::string unavailable;         // why not, when there is no context
  bool cached = false;
};

class Client {
 public:
  explicit Client(Settings settings);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The customer's context: from the cache while fresh, else one call for
  // everyone asking meanwhile (several agents opening the chat make one
  // call). After failures, calls pause (1 s doubling to a minute) and the
  // answer says so. `done` runs on the client's thread.
  void fetch(const Request& request, std::function<void(Answer)> done);
  std::uint64_t calls() const;

 private:
  struct Entry {
    Answer answer;
    std::int64_t at_ms = 0;
  };
  void run();
  Answer call(const Request& request);

  Settings settings_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<Request> queue_;
  std::map<std::string, std::vector<std::function<void(Answer)>>> waiting_;  // key -> callers
  std::map<std::string, Entry> cache_;
  int failures_ = 0;
  std::int64_t paused_until_ms_ = 0;
  std::string last_failure_;
  std::uint64_t calls_ = 0;
  std::thread worker_;
};

}  // namespace parley::context
