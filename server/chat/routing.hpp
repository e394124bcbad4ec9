#pragma once
// Who gets the next chat: the assignment policy (free of any state), and who
// may serve a queue.

#include "chat/state.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::chat {

struct RoutingCandidate {
  std::string agent_id;
  std::uint32_t open_chats = 0;
  std::uint32_t capacity = 0;
  std::int64_t last_assigned_ms = 0;  // smaller = idle for longer
};

// The candidate with free capacity and the fewest open chats; ties go to the
// one idle longest, then to the smaller id so that the choice is stable.
std::optional<std::string> pick_least_loaded(const std::vector<RoutingCandidate>& candidates);

// Whether `agent` may take a chat from the queue `key`: connected, of the
// queue's tier and category; `automatic` (routing, not AcceptChat) also needs
// them online with auto-assign on.
bool eligible(const Agent& agent, const QueueKey& key, bool automatic);
// Agents online who serve the queue (for the wait estimate).
std::uint32_t serving_agents(const ChatState& state, const QueueKey& key);

}  // namespace parley::chat
