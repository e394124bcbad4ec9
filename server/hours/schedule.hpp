#pragma once
// Business hours of one queue: an IANA time zone, a weekly schedule of
// intervals per day (an interval that ends at or before it starts runs past
// midnight: an overnight shift), and dated exceptions (a holiday closed all
// day, or with special hours). Plain maths over the system's tz database
// (Debian's libhowardhinnant-date, USE_OS_TZDB), so daylight saving is right:
// 09:00 is 09:00 local on both sides of a change, a local time skipped by the
// change opens at the change, one that happens twice counts once.
//
// Times are Unix milliseconds. No I/O, no clock of its own: callers pass the time.

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace date {
class time_zone;
}

namespace parley::hours {

// Minutes after local midnight: [start, end); end <= start runs into the next day.
struct Interval {
  int start_min = 0;
  int end_min = 0;
};

// One window the queue is open, in UTC milliseconds: [open_ms, close_ms).
struct Window {
  std::int64_t open_ms = 0;
  std::int64_t close_ms = 0;
};

class Schedule {
 public:
  // weekly[0] is Monday ... weekly[6] Sunday. `exceptions`: local dates as
  // days since 1970-01-01, each replacing that day's intervals (empty: closed).
  // Throws std::invalid_argument naming what is wrong (an unknown zone, an
  // interval outside the day).
  Schedule(const std::string& time_zone, std::array<std::vector<Interval>, 7> weekly,
           std::map<std::int64_t, std::vector<Interval>> exceptions = {});
  // Open at every moment.
  static Schedule always_open();

  bool always() const { return always_; }
  const std::string& time_zone() const { return zone_name_; }

  bool open_at(std::int64_t utc_ms) const;
  // The window that contains `utc_ms` or, if closed, the next one (touching
  // windows merged: a shift to midnight and one from midnight are one).
  // Nothing if it does not open within 400 days.
  std::optional<Window> current_or_next(std::int64_t utc_ms) const;
  // The moment `duration_ms` of open time has passed after `utc_ms` (a
  // reply-by deadline counted in business hours); time outside the windows does
  // not count. Nothing if the schedule never opens.
  std::optional<std::int64_t> after_business_time(std::int64_t utc_ms, std::int64_t duration_ms) const;
  // How much of [from_ms, to_ms) is open time (a wait or handle time counted
  // in business hours). 0 when to_ms <= from_ms.
  std::int64_t business_time(std::int64_t from_ms, std::int64_t to_ms) const;

 private:
  Schedule() = default;
  // The windows of local days [first_day, last_day], in order, merged.
  std::vector<Window> windows(std::int64_t first_day, std::int64_t last_day) const;
  std::int64_t local_day_of(std::int64_t utc_ms) const;

  bool always_ = false;
  std::string zone_name_;
  const date::time_zone* zone_ = nullptr;
  std::array<std::vector<Interval>, 7> weekly_;
  std::map<std::int64_t, std::vector<Interval>> exceptions_;
};

// "09:00-18:00" (also "22:00-06:00", "00:00-24:00"); nothing if malformed.
std::optional<Interval> parse_interval(const std::string& text);
// "2026-10-01" as days since 1970-01-01; nothing if not a real date.
std::optional<std::int64_t> parse_date(const std::string& text);

}  // namespace parley::hours
