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
// A schedule may also carry the reply-by policy of the queue's tickets:
//   "reply_within": {"hours": 24, "business_hours": false, "first_thing_hours": 2}
// (these are the defaults; a queue without one takes the default's).

#include "hours/schedule.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <string>

namespace parley::hours {

// How long a queue's tickets may wait for an answer (BusinessHours::reply_by).
struct ReplyPolicy {
  std::int64_t within_ms = 24 * 3'600'000LL;
  // true: only open time counts (24 hours of a 9-to-6 week is almost three days).
  bool business_time = false;
  // A calendar deadline that falls while the queue is closed moves to this much
  // open time into the next opening ("first thing on the next business day").
  std::int64_t first_thing_ms = 2 * 3'600'000LL;
};

// The reply-by deadline of a ticket made at `created_ms`:
//  - business_time: `within` of open time after it;
//  - otherwise created + within, unless that falls while the queue is closed:
//    then the end of the last window that opened after the request came (the
//    team had a whole window for it), or, if none did (a request on a weekend
//    or holiday), `first_thing` into the next opening, so that it is ranked
//    above the requests of that day.
// A schedule that never opens leaves created + within.
std::int64_t reply_by(const Schedule& schedule, const ReplyPolicy& policy, std::int64_t created_ms);

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
  // The reply-by policy of a queue's tickets, and the deadline it gives.
  const ReplyPolicy& reply_policy(const std::string& queue) const;
  std::int64_t reply_by(const std::string& queue, std::int64_t created_ms) const {
    return hours::reply_by(of(queue), reply_policy(queue), created_ms);
  }
  bool configured() const { return default_ != nullptr || !queues_.empty(); }

  static const std::vector<std::string>& queue_names();

 private:
  std::shared_ptr<const Schedule> default_;
  std::map<std::string, std::shared_ptr<const Schedule>> queues_;
  ReplyPolicy default_policy_;
  std::map<std::string, ReplyPolicy> policies_;
};

}  // namespace parley::hours
