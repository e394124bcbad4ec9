#pragma once
// Support reports, a module beside the chat core: chats, wait, first response,
// handle time and satisfaction over a period, computed from the domain events
// stored in the system of record (never from live state: the numbers are the
// same after a restart and on every node). Pure functions, no I/O.
//
// Definitions (docs/protocol.md, "Reports"):
//   wait            first time queued -> first time an agent had it
//   first response  chat started -> first message a person on staff wrote
//   handle time     first assignment -> closed
// Each is counted in the business hours of the chat's queue (its category's
// schedule) when `business_hours` is set, so a chat that waited over a weekend
// waited only the open time; otherwise in wall-clock time. Medians and p90s
// are nearest-rank. Per agent: the chats an agent served last (the one rated).

#include "chat/events.hpp"
#include "hours/business_hours.hpp"
#include "tickets/tickets.hpp"

#include <boost/json/object.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace parley::reports {

struct Filter {
  std::int64_t from_ms = 0;  // chats started in [from_ms, to_ms)
  std::int64_t to_ms = 0;
  std::string queue;     // a category's queue ("deposit") or "tier2" (escalated chats); empty: all
  std::string agent_id;  // chats this agent had at some point; empty: all
  std::string team;      // "tier1" or "tier2": chats a member had at some point (tickets: owned by one); empty: all
  std::set<std::string> team_members;  // the team's staff ids (from the accounts)
  bool business_hours = true;
};

// Seconds.
struct Stat {
  std::size_t count = 0;
  std::optional<double> median, p90, average;
};

struct Chat {
  std::string conversation_id;
  std::string queue;  // of the category it started in
  std::int64_t started_ms = 0;
  std::optional<double> wait_s, first_response_s, handle_s;
  std::string agent_id;  // served it last
  std::uint32_t score = 0;  // 0: not rated
  std::string comment;
  bool escalated = false;
  bool transferred = false;
  bool closed = false;
  bool abandoned = false;  // closed before any agent had it
};

struct Agent {
  std::string agent_id;
  std::size_t chats = 0;
  Stat first_response, handle;
  std::size_t rated = 0;
  std::optional<double> csat;  // average score
};

struct Comment {
  std::string conversation_id;
  std::string agent_id;
  std::uint32_t score = 0;
  std::string text;
  std::int64_t at_ms = 0;
};

// Tickets made in the period (the requests that were not live chats). Their
// first reply is due by the queue's reply-by policy as the hours file states it
// now (hours::BusinessHours::reply_by from the ticket's creation).
struct Tickets {
  std::size_t created = 0;
  std::size_t answered = 0, answered_in_time = 0, answered_late = 0;
  std::size_t overdue = 0;            // no reply yet, open or pending, past its deadline
  std::size_t waiting = 0;            // no reply yet, deadline still ahead
  std::size_t closed_unanswered = 0;  // solved or closed without a reply (spam, a duplicate)
  Stat first_response;                // seconds, business hours unless the filter says wall
  std::optional<double> in_time_share;  // answered in time, of those answered or overdue
  bool truncated = false;
};

// The help center: articles opened from the widget's suggestions, and how
// many of those openings were deflections: the visitor started no chat within
// deflection_window after it. An opening whose window has not ended yet, or
// whose visitor is unknown, is not judged. Readers' answers to "did this
// answer your question?". Not narrowed by queue, team or agent.
inline constexpr std::int64_t deflection_window_ms = 30 * 60 * 1000;
struct ArticleUse {
  std::string article_id, locale;
  std::size_t opened = 0, deflected = 0, helpful = 0, not_helpful = 0;
};
struct Help {
  std::size_t opened = 0;     // from the widget
  std::size_t judged = 0;     // openings by a known visitor whose window has ended
  std::size_t deflected = 0;  // of those judged: no chat followed
  std::optional<double> deflection_rate;  // deflected / judged
  std::size_t helpful = 0, not_helpful = 0;
  std::vector<ArticleUse> articles;  // by openings, most first
  bool truncated = false;
};

struct Report {
  Filter filter;
  std::size_t started = 0, answered = 0, abandoned = 0, escalated = 0, transferred = 0, still_open = 0;
  Stat wait, first_response, handle;
  std::size_t rated = 0;
  std::array<std::size_t, 5> scores{};  // how many of each, 1..5
  std::optional<double> csat;              // average score
  std::optional<double> satisfied_share;   // rated 4 or 5, of those rated
  std::vector<Comment> comments;           // newest first, at most max_comments
  std::vector<Agent> agents;               // by chats, most first
  std::vector<Chat> chats;                 // by start
  bool truncated = false;                  // the period held more chats than a report reads
  Tickets tickets;
  Help help;
};

inline constexpr std::size_t max_comments = 100;

// `events`: every stored event of the conversations started in the period,
// in the order they were stored; `comments`: the rating comments by
// conversation id (RecordStore::report_events).
Report compute(const std::vector<chat::events::Event>& events, const std::map<std::string, std::string>& comments,
               const Filter& filter, const hours::BusinessHours& hours);

// The tickets part; `agent_id` filters by owner.
Tickets compute_tickets(const std::vector<tickets::Record>& tickets, const Filter& filter,
                        const hours::BusinessHours& hours, std::int64_t now_ms);

// `help`: ArticleViewed and ArticleRated events of the period; `chat_starts`:
// ChatStarted events from its start to at least deflection_window after its end.
Help compute_help(const std::vector<chat::events::Event>& help, const std::vector<chat::events::Event>& chat_starts,
                  std::int64_t now_ms);
boost::json::object to_json(const Report& report);
// One row per chat, RFC 4180; a cell that a spreadsheet would run as a
// formula (= + - @ at the start) is prefixed with an apostrophe.
std::string to_csv(const Report& report);

}  // namespace parley::reports
