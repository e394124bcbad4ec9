#include "hours/schedule.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace parley::hours {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr std::int64_t search_days = 400;

bool valid(const Interval& i) {
  return i.start_min >= 0 && i.start_min < 24 * 60 && i.end_min >= 0 && i.end_min <= 24 * 60 &&
         !(i.start_min == 0 && i.end_min == 0);
}

}  // namespace

Schedule::Schedule(const std::string& time_zone, std::array<std::vector<Interval>, 7> weekly,
                   std::map<std::int64_t, std::vector<Interval>> exceptions)
    : zone_name_(time_zone), weekly_(std::move(weekly)), exceptions_(std::move(exceptions)) {
  try {
    zone_ = date::locate_zone(time_zone);
  } catch (const std::exception&) {
    throw std::invalid_argument("unknown time zone \"" + time_zone + "\" (use an IANA name such as Asia/Shanghai)");
  }
  auto check = [](const std::vector<Interval>& day) {
    for (const auto& i : day)
      if (!valid(i)) throw std::invalid_argument("an interval must lie within 00:00 and 24:00 and not be empty");
  };
  for (const auto& day : weekly_) check(day);
  for (const auto& [when, day] : exceptions_) check(day);
}

Schedule Schedule::always_open() {
  Schedule s;
  s.always_ = true;
  return s;
}

std::int64_t Schedule::local_day_of(std::int64_t utc_ms) const {
  const date::sys_time<milliseconds> t{milliseconds{utc_ms}};
  const auto local = zone_->to_local(t);
  return date::floor<date::days>(local).time_since_epoch().count();
}

std::vector<Window> Schedule::windows(std::int64_t first_day, std::int64_t last_day) const {
  std::vector<Window> out;
  for (auto day = first_day; day <= last_day; ++day) {
    const date::local_days local{date::days{day}};
    const auto found = exceptions_.find(day);
    // Monday = 0: 1970-01-01 was a Thursday.
    const auto weekday = static_cast<std::size_t>(date::weekday{local}.iso_encoding() - 1);
    const auto& intervals = found != exceptions_.end() ? found->second : weekly_[weekday];
    for (const auto& i : intervals) {
      const auto start = local + minutes{i.start_min};
      const auto end = local + minutes{i.end_min <= i.start_min ? i.end_min + 24 * 60 : i.end_min};
      // A local time skipped by a change opens at the change; one that happens twice, the first time.
      const auto open = zone_->to_sys(start, date::choose::earliest);
      const auto close = zone_->to_sys(end, date::choose::latest);
      if (close <= open) continue;
      out.push_back({std::chrono::duration_cast<milliseconds>(open.time_since_epoch()).count(),
                     std::chrono::duration_cast<milliseconds>(close.time_since_epoch()).count()});
    }
  }
  std::sort(out.begin(), out.end(), [](const Window& a, const Window& b) { return a.open_ms < b.open_ms; });
  std::vector<Window> merged;
  for (const auto& w : out) {
    if (!merged.empty() && w.open_ms <= merged.back().close_ms)
      merged.back().close_ms = std::max(merged.back().close_ms, w.close_ms);
    else
      merged.push_back(w);
  }
  return merged;
}

bool Schedule::open_at(std::int64_t utc_ms) const {
  if (always_) return true;
  auto w = current_or_next(utc_ms);
  return w && w->open_ms <= utc_ms;
}

std::optional<Window> Schedule::current_or_next(std::int64_t utc_ms) const {
  if (always_) return Window{utc_ms, INT64_MAX};
  const auto today = local_day_of(utc_ms);
  // A day at a time, starting the day before (its overnight shift may still run).
  std::optional<Window> found;
  for (auto day = today - 1; day <= today + search_days; day += 7) {
    for (const auto& w : windows(day, day + 7)) {
      if (w.close_ms <= utc_ms) continue;
      found = w;
      break;
    }
    if (found) break;
  }
  if (!found) return std::nullopt;
  // It may run on into the following days (a round-the-clock stretch).
  for (;;) {
    const auto end_day = local_day_of(found->close_ms);
    bool extended = false;
    for (const auto& w : windows(end_day - 1, end_day + 1))
      if (w.open_ms <= found->close_ms && w.close_ms > found->close_ms) {
        found->close_ms = w.close_ms;
        extended = true;
      }
    if (!extended || found->close_ms - utc_ms > search_days * 86'400'000LL) break;
  }
  return found;
}

std::optional<std::int64_t> Schedule::after_business_time(std::int64_t utc_ms, std::int64_t duration_ms) const {
  if (always_) return utc_ms + duration_ms;
  auto t = utc_ms;
  auto left = duration_ms;
  for (int guard = 0; guard < 4000; ++guard) {
    auto w = current_or_next(t);
    if (!w) return std::nullopt;
    const auto from = std::max(t, w->open_ms);
    if (w->close_ms - from >= left) return from + left;
    left -= w->close_ms - from;
    t = w->close_ms;
  }
  return std::nullopt;
}

std::optional<Interval> parse_interval(const std::string& text) {
  int h1, m1, h2, m2;
  char tail;
  if (text.size() != 11 || std::sscanf(text.c_str(), "%2d:%2d-%2d:%2d%c", &h1, &m1, &h2, &m2, &tail) != 4) return std::nullopt;
  if (h1 < 0 || h1 > 23 || m1 < 0 || m1 > 59 || h2 < 0 || h2 > 24 || m2 < 0 || m2 > 59 || (h2 == 24 && m2 != 0))
    return std::nullopt;
  Interval i{h1 * 60 + m1, h2 * 60 + m2};
  if (!valid(i) || i.start_min == i.end_min) return std::nullopt;
  return i;
}

std::optional<std::int64_t> parse_date(const std::string& text) {
  int y, m, d;
  char tail;
  if (text.size() != 10 || std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3) return std::nullopt;
  const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)}, date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days{ymd}.time_since_epoch().count();
}

std::int64_t Schedule::business_time(std::int64_t from_ms, std::int64_t to_ms) const {
  if (to_ms <= from_ms) return 0;
  if (always_) return to_ms - from_ms;
  // Windows of the local days around the span (an overnight shift that
  // began the day before counts too).
  std::int64_t open = 0;
  for (const auto& w : windows(local_day_of(from_ms) - 1, local_day_of(to_ms) + 1)) {
    const auto start = std::max(w.open_ms, from_ms);
    const auto end = std::min(w.close_ms, to_ms);
    if (end > start) open += end - start;
  }
  return open;
}

}  // namespace parley::hours
