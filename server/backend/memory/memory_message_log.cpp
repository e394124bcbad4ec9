#include "backend/memory/memory_message_log.hpp"

#include <algorithm>

namespace parley::backend {

chat::AppendResult MemoryMessageLog::append(v1::Message message) {
  auto& log = logs_[message.conversation_id()];
  if (!message.client_message_id().empty()) {
    auto key = std::make_pair(message.sender_id(), message.client_message_id());
    if (auto it = log.seq_by_client_id.find(key); it != log.seq_by_client_id.end()) {
      return {log.messages[it->second - 1], true};
    }
    log.seq_by_client_id.emplace(std::move(key), log.messages.size() + 1);
  }
  message.set_seq(log.messages.size() + 1);
  log.messages.push_back(std::move(message));
  return {log.messages.back(), false};
}

std::vector<v1::Message> MemoryMessageLog::read_after(const std::string& conversation_id, std::uint64_t after_seq,
                                                      std::size_t max_count) const {
  auto it = logs_.find(conversation_id);
  if (it == logs_.end() || after_seq >= it->second.messages.size()) return {};
  const auto& messages = it->second.messages;
  const auto first = messages.begin() + static_cast<std::ptrdiff_t>(after_seq);
  const auto count = std::min<std::size_t>(max_count, static_cast<std::size_t>(messages.end() - first));
  return {first, first + static_cast<std::ptrdiff_t>(count)};
}

bool MemoryMessageLog::replace(const std::string& conversation_id, std::vector<v1::Message> messages) {
  Log log;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i];
    if (m.seq() != i + 1 || m.conversation_id() != conversation_id) return false;
    if (!m.client_message_id().empty())
      log.seq_by_client_id.emplace(std::make_pair(m.sender_id(), m.client_message_id()), m.seq());
  }
  log.messages = std::move(messages);
  logs_[conversation_id] = std::move(log);
  return true;
}

std::uint64_t MemoryMessageLog::last_seq(const std::string& conversation_id) const {
  auto it = logs_.find(conversation_id);
  return it == logs_.end() ? 0 : it->second.messages.size();
}

}  // namespace parley::backend
