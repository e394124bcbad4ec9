#pragma once
// Who gets the next chat: the assignment policy, free of any state.

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

}  // namespace parley::chat
