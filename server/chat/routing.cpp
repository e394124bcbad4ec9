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

bool eligible(const Agent& agent, const QueueKey& key, bool automatic) {
  const auto& account = *agent.account;
  if (!takes_chats(account.role) || agent.sessions.empty()) return false;
  if (automatic && (!account.auto_assign || agent.status != v1::AGENT_STATUS_ONLINE)) return false;
  if (!automatic && agent.status == v1::AGENT_STATUS_OFFLINE) return false;
  if (key.tier >= 2) return account.role == v1::ROLE_TIER2;
  if (account.role != v1::ROLE_AGENT) return false;
  return account.categories.empty() || account.categories.count(key.category) > 0;
}

std::uint32_t serving_agents(const ChatState& state, const QueueKey& key) {
  std::uint32_t count = 0;
  for (const auto& [id, agent] : state.agents)
    if (eligible(agent, key, false) && agent.status == v1::AGENT_STATUS_ONLINE) ++count;
  return count;
}

}  // namespace parley::chat
