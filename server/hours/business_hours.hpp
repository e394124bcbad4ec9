#pragma once
// The business hours of every queue, from the hours file an operator edits
// (--hours FILE, JSON; re-read when it changes, see docs/operations in
// README): a "default" schedule and, optionally, one per queue ("account",
// "deposit", "withdrawal", "trading", "refund", "other", "tier2"). Without a
// file every queue is open round the clock. Immutable once built: the hub
// swaps in a new one when the file changes.
//
//   {"default": {"time_zone": "Asia/Shanghai",
//                "weekly": {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"], ..., "sat": [], "sun": []},
//                "holidays": {"2026-10-01": [], "2026-12-24": ["09:00-13:00"]}},
//    "tier2": {"time_zone": "Europe/London", "weekly": {"mon": ["22:00-06:00"], ...}}}
//
// A day missing from "weekly" is closed; "holidays" replace a date's hours.

#include "hours/schedule.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace parley::hours {

class BusinessHours {
 public:
  // Open round the clock everywhere.
  BusinessHours() = default;
  // Throws std::invalid_argument saying where the text is wrong ("tier2.weekly.mon[0]: ...").
  static BusinessHours parse(const std::string& json_text);
  // parse() of the file; the error names the file.
  static BusinessHours load(const std::filesystem::path& file);

  // The schedule of a queue (a category's name, or "tier2"), else the default.
  const Schedule& of(const std::string& queue) const;
  bool configured() const { return default_ != nullptr || !queues_.empty(); }

  static const std::vector<std::string>& queue_names();

 private:
  std::shared_ptr<const Schedule> default_;
  std::map<std::string, std::shared_ptr<const Schedule>> queues_;
};

}  // namespace parley::hours
