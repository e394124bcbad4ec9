#pragma once
// MessageLog on Redis. Reads are served from an in-memory copy of each log
// (the hub needs them synchronously); every append is also written to a Redis
// stream by an atomic script, in order, on one connection, and flush()
// completes when Redis has answered for every append made before it. A
// conversation written by someone else is loaded with load() first.
// Runs on the connection's executor.

#include "backend/memory/memory_message_log.hpp"
#include "backend/redis/keys.hpp"
#include "backend/redis/redis_connection.hpp"

#include <deque>
#include <functional>
#include <memory>

namespace parley::backend::redis {

class RedisMessageLog final : public chat::MessageLog {
 public:
  RedisMessageLog(std::shared_ptr<RedisConnection> connection, Keys keys);

  chat::AppendResult append(v1::Message message) override;
  std::vector<v1::Message> read_after(const std::string& conversation_id, std::uint64_t after_seq,
                                      std::size_t max_count) const override;
  std::uint64_t last_seq(const std::string& conversation_id) const override;
  void flush(std::function<void(bool durable)> done) override;
  // Redis keeps it: only the memory copy goes.
  bool evict(const std::string& conversation_id) override {
    cache_.erase(conversation_id);
    return true;
  }

  // Reads the conversation's log from Redis into memory (replacing what is
  // there); done(false) if Redis could not be read.
  void load(const std::string& conversation_id, std::function<void(bool ok)> done);

  // Sends another write in the same ordered stream: flush() waits for it like
  // for an append. `done` gets whether Redis accepted it and its reply.
  void write(std::vector<std::string> command, std::function<void(bool ok, const Reply&)> done);

  // Appends that Redis refused or that were lost with the connection. Once
  // non-zero, memory and Redis may disagree: the owner must reload.
  std::uint64_t failed_writes() const { return failed_writes_; }

 private:
  void on_written(bool ok);

  std::shared_ptr<RedisConnection> connection_;
  Keys keys_;
  MemoryMessageLog cache_;
  std::uint64_t issued_ = 0;     // writes sent
  std::uint64_t completed_ = 0;  // writes answered (ok or not)
  std::uint64_t failed_writes_ = 0;
  struct Waiter {
    std::uint64_t after_write;
    std::function<void(bool)> done;
  };
  std::deque<Waiter> waiters_;
};

}  // namespace parley::backend::redis
