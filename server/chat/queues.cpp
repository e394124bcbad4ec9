#include "chat/queues.hpp"

#include <algorithm>
#include <cmath>

namespace parley::chat {

void QueueSet::push_back(const std::string& conversation_id, QueueKey key) {
  remove(conversation_id);
  ++version_;
  queues_[key].push_back(conversation_id);
  where_[conversation_id] = key;
}

void QueueSet::push_front(const std::string& conversation_id, QueueKey key) {
  remove(conversation_id);
  ++version_;
  queues_[key].push_front(conversation_id);
  where_[conversation_id] = key;
}

bool QueueSet::remove(const std::string& conversation_id) {
  auto it = where_.find(conversation_id);
  if (it == where_.end()) return false;
  ++version_;
  auto queue = queues_.find(it->second);
  auto& entries = queue->second;
  entries.erase(std::find(entries.begin(), entries.end(), conversation_id));
  if (entries.empty()) queues_.erase(queue);
  where_.erase(it);
  return true;
}

std::optional<std::uint32_t> QueueSet::position(const std::string& conversation_id) const {
  auto it = where_.find(conversation_id);
  if (it == where_.end()) return std::nullopt;
  const auto& entries = queues_.at(it->second);
  auto at = std::find(entries.begin(), entries.end(), conversation_id);
  return static_cast<std::uint32_t>(at - entries.begin()) + 1;
}

std::optional<QueueKey> QueueSet::key_of(const std::string& conversation_id) const {
  auto it = where_.find(conversation_id);
  if (it == where_.end()) return std::nullopt;
  return it->second;
}

std::size_t QueueSet::size(std::uint32_t tier) const {
  std::size_t total = 0;
  for (const auto& [key, entries] : queues_)
    if (key.tier == tier) total += entries.size();
  return total;
}

std::uint32_t WaitEstimator::estimate_seconds(std::uint32_t position,
                                              std::uint32_t serving_agents) const {
  const double agents = std::max<std::uint32_t>(serving_agents, 1);
  return static_cast<std::uint32_t>(std::ceil(position * average_handle_seconds_ / agents));
}

}  // namespace parley::chat
