// Business hours: schedules in real zones (DST both ways), overnight shifts,
// holidays, the next opening, deadlines counted in business time, and the
// hours file's errors.
#include "hours/business_hours.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <catch2/catch.hpp>

using namespace parley;
using hours::Interval;
using hours::Schedule;

namespace {

// Unix ms of a local wall-clock time in `zone`.
std::int64_t local(const char* zone, int y, unsigned m, unsigned d, int hh, int mm = 0) {
  using namespace std::chrono;
  const auto day = date::local_days{date::year{y} / date::month{m} / date::day{d}};
  const auto t = date::locate_zone(zone)->to_sys(day + std::chrono::hours(hh) + std::chrono::minutes(mm), date::choose::earliest);
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}
std::int64_t utc(int y, unsigned m, unsigned d, int hh, int mm = 0) { return local("UTC", y, m, d, hh, mm); }

Interval iv(const char* text) { return *hours::parse_interval(text); }

// Monday to Friday 09:00-18:00.
std::array<std::vector<Interval>, 7> office() {
  std::array<std::vector<Interval>, 7> w;
  for (int d = 0; d < 5; ++d) w[static_cast<std::size_t>(d)] = {iv("09:00-18:00")};
  return w;
}

constexpr std::int64_t hour_ms = 3'600'000;

}  // namespace

TEST_CASE("hours: open within the weekly intervals, in the queue's own zone") {
  const Schedule s("Asia/Shanghai", office());
  // 2026-12-07 is a Monday.
  CHECK_FALSE(s.open_at(local("Asia/Shanghai", 2026, 12, 7, 8, 59)));
  CHECK(s.open_at(local("Asia/Shanghai", 2026, 12, 7, 9, 0)));
  CHECK(s.open_at(local("Asia/Shanghai", 2026, 12, 7, 17, 59)));
  CHECK_FALSE(s.open_at(local("Asia/Shanghai", 2026, 12, 7, 18, 0)));
  CHECK(s.open_at(utc(2026, 12, 7, 1, 0)));  // 09:00 in Shanghai
  CHECK_FALSE(s.open_at(local("Asia/Shanghai", 2026, 12, 12, 12)));  // Saturday
  // Friday evening: next Monday 09:00.
  const auto next = s.current_or_next(local("Asia/Shanghai", 2026, 12, 11, 19));
  REQUIRE(next);
  CHECK(next->open_ms == local("Asia/Shanghai", 2026, 12, 14, 9));
  CHECK(next->close_ms == local("Asia/Shanghai", 2026, 12, 14, 18));
  // While open: the window it is in.
  const auto now = s.current_or_next(local("Asia/Shanghai", 2026, 12, 8, 10));
  CHECK(now->open_ms == local("Asia/Shanghai", 2026, 12, 8, 9));
}

TEST_CASE("hours: daylight saving changes, spring and autumn, in two zones") {
  // New York springs forward on 2026-03-08 (02:00 -> 03:00) and falls back on 2026-11-01.
  std::array<std::vector<Interval>, 7> every_day;
  for (auto& d : every_day) d = {iv("09:00-17:00")};
  const Schedule ny("America/New_York", every_day);
  for (unsigned day : {7u, 8u, 9u}) {
    CHECK(ny.open_at(local("America/New_York", 2026, 3, day, 9)));
    CHECK_FALSE(ny.open_at(local("America/New_York", 2026, 3, day, 8, 59)));
  }
  // Local 09:00 is 14:00 UTC before the change and 13:00 after.
  CHECK(ny.current_or_next(utc(2026, 3, 7, 0))->open_ms == utc(2026, 3, 7, 14));
  CHECK(ny.current_or_next(utc(2026, 3, 9, 0))->open_ms == utc(2026, 3, 9, 13));
  CHECK(ny.current_or_next(utc(2026, 11, 2, 0))->open_ms == utc(2026, 11, 2, 14));
  // London: a night shift across the autumn change (2026-10-25, 02:00 BST -> 01:00 GMT) lasts 9 hours, not 8.
  std::array<std::vector<Interval>, 7> nights;
  for (auto& d : nights) d = {iv("22:00-06:00")};
  const Schedule london("Europe/London", nights);
  const auto shift = london.current_or_next(local("Europe/London", 2026, 10, 24, 23));
  REQUIRE(shift);
  CHECK(shift->open_ms == local("Europe/London", 2026, 10, 24, 22));
  CHECK(shift->close_ms - shift->open_ms == 9 * hour_ms);
  // A shift starting at a local time the spring change skips (01:30 on 2026-03-29) opens at the change.
  std::array<std::vector<Interval>, 7> early;
  early[6] = {iv("01:30-04:00")};  // Sunday
  const Schedule skip("Europe/London", early);
  CHECK(skip.current_or_next(utc(2026, 3, 29, 0))->open_ms == utc(2026, 3, 29, 1));
}

TEST_CASE("hours: overnight shifts and round-the-clock days") {
  std::array<std::vector<Interval>, 7> w;
  w[0] = {iv("22:00-06:00")};  // Monday night into Tuesday
  const Schedule s("Europe/Berlin", w);
  CHECK(s.open_at(local("Europe/Berlin", 2026, 12, 7, 23)));   // Monday 23:00
  CHECK(s.open_at(local("Europe/Berlin", 2026, 12, 8, 5, 59)));  // Tuesday 05:59
  CHECK_FALSE(s.open_at(local("Europe/Berlin", 2026, 12, 8, 6)));
  CHECK_FALSE(s.open_at(local("Europe/Berlin", 2026, 12, 8, 23)));  // no shift on Tuesday night
  // 24:00 ends a day; touching windows are one: a weekend open round the clock is one window.
  std::array<std::vector<Interval>, 7> weekend;
  weekend[5] = {iv("00:00-24:00")};
  weekend[6] = {iv("00:00-24:00")};
  const Schedule all_weekend("UTC", weekend);
  const auto w2 = all_weekend.current_or_next(utc(2026, 12, 11, 12));
  REQUIRE(w2);
  CHECK(w2->open_ms == utc(2026, 12, 12, 0));
  CHECK(w2->close_ms == utc(2026, 12, 14, 0));
}

TEST_CASE("hours: holidays close a day or give it special hours") {
  std::map<std::int64_t, std::vector<Interval>> holidays{{*hours::parse_date("2026-12-24"), {iv("09:00-13:00")}},
                                                         {*hours::parse_date("2026-12-25"), {}}};
  const Schedule s("Europe/Berlin", office(), holidays);
  CHECK(s.open_at(local("Europe/Berlin", 2026, 12, 24, 12)));
  CHECK_FALSE(s.open_at(local("Europe/Berlin", 2026, 12, 24, 14)));
  CHECK_FALSE(s.open_at(local("Europe/Berlin", 2026, 12, 25, 10)));  // a Friday, closed
  // Christmas Eve afternoon: back Monday the 28th.
  CHECK(s.current_or_next(local("Europe/Berlin", 2026, 12, 24, 14))->open_ms == local("Europe/Berlin", 2026, 12, 28, 9));
  // A schedule that never opens says so.
  CHECK_FALSE(Schedule("UTC", {}).current_or_next(utc(2026, 1, 1, 0)));
}

TEST_CASE("hours: a reply-by deadline counts business time only, and the weekend's requests are due on the next business day") {
  const Schedule s("Asia/Shanghai", office());
  // Friday 17:00 + 24 business hours: 1 h on Friday, 9 h Monday, 9 h Tuesday, 5 h Wednesday -> Wednesday 14:00.
  CHECK(s.after_business_time(local("Asia/Shanghai", 2026, 12, 11, 17), 24 * hour_ms) ==
        local("Asia/Shanghai", 2026, 12, 16, 14));
  // Saturday: counting starts Monday 09:00; 4 business hours -> Monday 13:00.
  CHECK(s.after_business_time(local("Asia/Shanghai", 2026, 12, 12, 10), 4 * hour_ms) ==
        local("Asia/Shanghai", 2026, 12, 14, 13));
  CHECK(Schedule::always_open().after_business_time(1000, 24 * hour_ms) == 1000 + 24 * hour_ms);
  CHECK_FALSE(Schedule("UTC", {}).after_business_time(0, hour_ms));
}

TEST_CASE("hours: intervals and dates are read strictly") {
  for (const char* bad : {"", "9:00-18:00", "09:00-18:0", "09:60-18:00", "24:00-02:00", "09:00-24:30", "09:00-09:00",
                          "09:00 - 18:00", "09:00-18:00x", "ab:cd-ef:gh", "-9:00-18:00"}) {
    INFO(bad);
    CHECK_FALSE(hours::parse_interval(bad));
  }
  CHECK(hours::parse_interval("00:00-24:00")->end_min == 24 * 60);
  CHECK(hours::parse_interval("22:00-06:00")->end_min == 6 * 60);
  for (const char* bad : {"2026-02-30", "2026-13-01", "26-01-01", "2026-1-1", "2026-01-01x", ""}) {
    INFO(bad);
    CHECK_FALSE(hours::parse_date(bad));
  }
  CHECK(hours::parse_date("1970-01-02") == 1);
  CHECK_THROWS_WITH(Schedule("Mars/Olympus_Mons", office()), Catch::Contains("unknown time zone"));
}

TEST_CASE("hours file: a default and per-queue schedules, and errors that say where") {
  const auto hours = hours::BusinessHours::parse(R"({
    "default": {"time_zone": "Asia/Shanghai", "weekly": {"mon": ["09:00-18:00"], "tue": ["09:00-12:00", "13:00-18:00"]},
                "holidays": {"2026-12-08": []}},
    "tier2": {"time_zone": "Europe/London", "weekly": {"mon": ["22:00-06:00"]}}
  })");
  CHECK(hours.configured());
  CHECK(hours.of("deposit").time_zone() == "Asia/Shanghai");
  CHECK(hours.of("tier2").time_zone() == "Europe/London");
  CHECK_FALSE(hours.of("deposit").open_at(local("Asia/Shanghai", 2026, 12, 8, 10)));  // the holiday
  CHECK(hours.of("deposit").open_at(local("Asia/Shanghai", 2026, 12, 15, 10)));
  CHECK_FALSE(hours.of("deposit").open_at(local("Asia/Shanghai", 2026, 12, 15, 12, 30)));  // lunch
  CHECK(hours::BusinessHours().of("deposit").always());

  const std::vector<std::pair<const char*, const char*>> bad = {
      {"[]", "an object of schedules"},
      {"{", "not JSON"},
      {R"({"vip": {"time_zone": "UTC"}})", "vip: unknown queue"},
      {R"({"default": {"weekly": {}}})", "default.time_zone"},
      {R"({"default": {"time_zone": "Nowhere/City"}})", "unknown time zone"},
      {R"({"default": {"time_zone": "UTC", "weekly": {"monday": []}}})", "unknown day \"monday\""},
      {R"({"default": {"time_zone": "UTC", "weekly": {"mon": ["9-5"]}}})", "default.weekly.mon[0]"},
      {R"({"default": {"time_zone": "UTC", "weekly": {"mon": "09:00-18:00"}}})", "default.weekly.mon: a list"},
      {R"({"deposit": {"time_zone": "UTC", "holidays": {"2026-02-30": []}}})", "deposit.holidays"},
      {R"({"default": {"time_zone": "UTC", "hours": {}}})", "unknown field \"hours\""},
  };
  for (const auto& [text, message] : bad) {
    INFO(text);
    CHECK_THROWS_WITH(hours::BusinessHours::parse(text), Catch::Contains(message));
  }
}

TEST_CASE("hours: business time of a span counts only open time") {
  const Schedule s("Asia/Shanghai", office());
  std::array<std::vector<Interval>, 7> nights;
  for (auto& d : nights) d = {iv("22:00-06:00")};
  const Schedule night("Europe/London", nights);
  const auto sh = [](unsigned d, int hh, int mm = 0) { return local("Asia/Shanghai", 2026, 12, d, hh, mm); };
  const auto ldn = [](unsigned d, int hh, int mm = 0) { return local("Europe/London", 2026, 12, d, hh, mm); };
  struct Row {
    const Schedule* schedule;
    std::int64_t from, to, open;
    const char* what;
  } rows[] = {
      {&s, sh(7, 10), sh(7, 11), hour_ms, "within one window"},
      {&s, sh(7, 8), sh(7, 10), hour_ms, "from before opening"},
      {&s, sh(11, 17), sh(14, 10), 2 * hour_ms, "over a weekend"},
      {&s, sh(12, 10), sh(13, 20), 0, "wholly on a weekend"},
      {&s, sh(7, 10), sh(8, 10), 9 * hour_ms, "a day and a night"},
      {&s, sh(7, 11), sh(7, 10), 0, "backwards"},
      {&s, sh(7, 10), sh(7, 10), 0, "empty"},
      {&night, ldn(7, 23), ldn(8, 5), 6 * hour_ms, "inside an overnight shift"},
      {&night, ldn(7, 3), ldn(7, 12), 3 * hour_ms, "a shift that began the day before"},
      {&night, ldn(7, 12), ldn(7, 23), hour_ms, "into the evening's shift"},
  };
  for (const auto& row : rows) {
    INFO(row.what);
    CHECK(row.schedule->business_time(row.from, row.to) == row.open);
  }
  // Round the clock: wall-clock time.
  CHECK(hours::BusinessHours().of("deposit").business_time(sh(12, 10), sh(13, 20)) == 34 * hour_ms);
}
