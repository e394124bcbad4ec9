#include "chat/routing.hpp"

#include <tuple>

namespace parley::chat {

std::optional<std::string> pick_least_loaded(const std::vector<RoutingCandidate>& candidates) {
  const RoutingCandidate* best = nullptr;
  auto rank = [](const RoutingCandidate& c) {
    return std::tie(c.open_chats, c.last_assigned_ms, c.agent_id);
  };
  for (const auto& candidate : candidates) {
    if (candidate.open_chats >= candidate.capacity) continue;
    if (!best || rank(candidate) < rank(*best)) best = &candidate;
  }
  if (!best) return std::nullopt;
  return best->agent_id;
}

}  // namespace parley::chat
