#pragma once
// In-process MessageLog: the default when no Redis is configured.
// Not thread-safe: used from the chat service's executor only.

#include "chat/message_log.hpp"

#include <map>
#include <unordered_map>

namespace parley::backend {

class MemoryMessageLog final : public chat::MessageLog {
 public:
  chat::AppendResult append(v1::Message message) override;
  std::vector<v1::Message> read_after(const std::string& conversation_id, std::uint64_t after_seq,
                                      std::size_t max_count) const override;
  std::uint64_t last_seq(const std::string& conversation_id) const override;
  void flush(std::function<void(bool durable)> done) override { done(true); }

  // Replaces a conversation's log with `messages`, which must be numbered
  // 1..n in order; returns false (and changes nothing) otherwise.
  bool replace(const std::string& conversation_id, std::vector<v1::Message> messages);
  // Forgets a conversation's log (for a cache in front of a store; this log
  // alone never evicts: evict() stays false).
  void erase(const std::string& conversation_id) { logs_.erase(conversation_id); }

 private:
  struct Log {
    std::vector<v1::Message> messages;  // messages[i].seq == i + 1
    std::map<std::pair<std::string, std::string>, std::uint64_t> seq_by_client_id;
  };
  std::unordered_map<std::string, Log> logs_;
};

}  // namespace parley::backend
