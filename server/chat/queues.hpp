#pragma once
// Waiting lines: one per tier-1 category and one tier-2 queue. Plain data
// structure with no policy; the Service decides who is served next.

#include "parley/v1/protocol.pb.h"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace parley::chat {

namespace v1 = parley::v1;

struct QueueKey {
  std::uint32_t tier = 1;
  v1::Category category = v1::CATEGORY_UNSPECIFIED;  // unused for tier 2
  auto operator<=>(const QueueKey&) const = default;
};

inline QueueKey queue_for(std::uint32_t tier, v1::Category category) {
  return tier >= 2 ? QueueKey{2, v1::CATEGORY_UNSPECIFIED} : QueueKey{1, category};
}

// A tier-1 queue's name in the hours file and in reports ("deposit").
inline std::string category_queue_name(v1::Category category) {
  switch (category) {
    case v1::CATEGORY_ACCOUNT: return "account";
    case v1::CATEGORY_DEPOSIT: return "deposit";
    case v1::CATEGORY_WITHDRAWAL: return "withdrawal";
    case v1::CATEGORY_TRADING: return "trading";
    case v1::CATEGORY_REFUND: return "refund";
    default: return "other";
  }
}

class QueueSet {
 public:
  void push_back(const std::string& conversation_id, QueueKey key);
  // Requeued chats go first: they have waited already.
  void push_front(const std::string& conversation_id, QueueKey key);
  bool remove(const std::string& conversation_id);

  // 1-based place within its own queue.
  std::optional<std::uint32_t> position(const std::string& conversation_id) const;
  std::optional<QueueKey> key_of(const std::string& conversation_id) const;

  // Queues with at least one entry, each listed front first.
  const std::map<QueueKey, std::deque<std::string>>& queues() const { return queues_; }
  std::size_t size(std::uint32_t tier) const;
  // Changes on every push and remove: lets a store write the queues only when they changed.
  std::uint64_t version() const { return version_; }

 private:
  std::uint64_t version_ = 0;
  std::map<QueueKey, std::deque<std::string>> queues_;
  std::unordered_map<std::string, QueueKey> where_;
};

// Estimated wait from an exponentially weighted average of how long agents
// hold a chat: position * handle_time / serving_agents, rounded up.
class WaitEstimator {
 public:
  explicit WaitEstimator(std::uint32_t initial_handle_seconds = 180)
      : average_handle_seconds_(initial_handle_seconds) {}
  void record_handle_time(double seconds) {
    average_handle_seconds_ = 0.8 * average_handle_seconds_ + 0.2 * seconds;
  }
  std::uint32_t estimate_seconds(std::uint32_t position, std::uint32_t serving_agents) const;
  double average_handle_seconds() const { return average_handle_seconds_; }
  void set_average_handle_seconds(double seconds) { average_handle_seconds_ = seconds; }

 private:
  double average_handle_seconds_;
};

}  // namespace parley::chat
