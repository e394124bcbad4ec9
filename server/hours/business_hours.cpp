#include "hours/business_hours.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <optional>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace parley::hours {
namespace json = boost::json;
namespace {

const char* const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::invalid_argument(where + ": " + what);
}

std::vector<Interval> intervals(const json::value& v, const std::string& where) {
  if (!v.is_array()) fail(where, "a list of \"HH:MM-HH:MM\" intervals is expected");
  std::vector<Interval> out;
  std::size_t i = 0;
  for (const auto& item : v.as_array()) {
    const auto at = where + "[" + std::to_string(i++) + "]";
    if (!item.is_string()) fail(at, "\"HH:MM-HH:MM\" is expected");
    auto parsed = parse_interval(std::string(item.as_string()));
    if (!parsed) fail(at, "\"" + std::string(item.as_string()) + "\" is not \"HH:MM-HH:MM\" (24:00 may end a day)");
    out.push_back(*parsed);
  }
  if (out.size() > 12) fail(where, "at most 12 intervals a day");
  return out;
}

double hours_field(const json::object& o, const char* name, double fallback, double max, const std::string& where) {
  auto it = o.find(name);
  if (it == o.end()) return fallback;
  if (!it->value().is_number()) fail(where + "." + name, "a number of hours is expected");
  const double h = it->value().to_number<double>();
  if (!(h >= 0 && h <= max)) fail(where + "." + name, "between 0 and " + std::to_string(static_cast<int>(max)) + " hours");
  return h;
}

std::optional<ReplyPolicy> policy(const json::object& schedule_object, const std::string& where) {
  auto it = schedule_object.find("reply_within");
  if (it == schedule_object.end()) return std::nullopt;
  const auto at = where + ".reply_within";
  if (!it->value().is_object()) fail(at, "an object with hours, business_hours and first_thing_hours is expected");
  const auto& o = it->value().as_object();
  for (const auto& [key, value] : o)
    if (key != "hours" && key != "business_hours" && key != "first_thing_hours")
      fail(at, "unknown field \"" + std::string(key) + "\"");
  ReplyPolicy p;
  p.within_ms = static_cast<std::int64_t>(hours_field(o, "hours", 24, 24 * 90, at) * 3'600'000);
  if (p.within_ms <= 0) fail(at + ".hours", "must be more than 0");
  p.first_thing_ms = static_cast<std::int64_t>(hours_field(o, "first_thing_hours", 2, 24, at) * 3'600'000);
  if (auto b = o.find("business_hours"); b != o.end()) {
    if (!b->value().is_bool()) fail(at + ".business_hours", "true or false");
    p.business_time = b->value().as_bool();
  }
  return p;
}

std::shared_ptr<const Schedule> schedule(const json::value& v, const std::string& where) {
  if (!v.is_object()) fail(where, "an object with time_zone, weekly and holidays is expected");
  const auto& o = v.as_object();
  for (const auto& [key, value] : o)
    if (key != "time_zone" && key != "weekly" && key != "holidays" && key != "reply_within")
      fail(where, "unknown field \"" + std::string(key) + "\"");
  auto zone = o.find("time_zone");
  if (zone == o.end() || !zone->value().is_string()) fail(where + ".time_zone", "an IANA time zone name is required");
  std::array<std::vector<Interval>, 7> weekly;
  if (auto w = o.find("weekly"); w != o.end()) {
    if (!w->value().is_object()) fail(where + ".weekly", "an object of days is expected");
    for (const auto& [key, list] : w->value().as_object()) {
      const std::string day(key);  // a named copy: clang 14 cannot capture a structured binding
      const auto* name = std::find_if(std::begin(day_names), std::end(day_names), [&](const char* d) { return day == d; });
      if (name == std::end(day_names)) fail(where + ".weekly", "unknown day \"" + day + "\" (mon ... sun)");
      weekly[static_cast<std::size_t>(name - std::begin(day_names))] = intervals(list, where + ".weekly." + day);
    }
  }
  std::map<std::int64_t, std::vector<Interval>> holidays;
  if (auto h = o.find("holidays"); h != o.end()) {
    if (!h->value().is_object()) fail(where + ".holidays", "an object of dates is expected");
    if (h->value().as_object().size() > 1000) fail(where + ".holidays", "at most 1000 dates");
    for (const auto& [day, list] : h->value().as_object()) {
      auto date = parse_date(std::string(day));
      if (!date) fail(where + ".holidays", "\"" + std::string(day) + "\" is not a date (YYYY-MM-DD)");
      holidays[*date] = intervals(list, where + ".holidays." + std::string(day));
    }
  }
  try {
    return std::make_shared<const Schedule>(std::string(zone->value().as_string()), std::move(weekly), std::move(holidays));
  } catch (const std::invalid_argument& e) {
    fail(where, e.what());
  }
}

}  // namespace

const std::vector<std::string>& BusinessHours::queue_names() {
  static const std::vector<std::string> names{"account", "deposit", "withdrawal", "trading", "refund", "other", "tier2"};
  return names;
}

BusinessHours BusinessHours::parse(const std::string& json_text) {
  json::error_code ec;
  const auto root = json::parse(json_text, ec);
  if (ec) fail("the hours file", "not JSON (" + ec.message() + ")");
  if (!root.is_object()) fail("the hours file", "an object of schedules is expected");
  BusinessHours out;
  for (const auto& [key, value] : root.as_object()) {
    const std::string name(key);
    if (name != "default") {
      const auto& names = queue_names();
      if (std::find(names.begin(), names.end(), name) == names.end())
        fail(name, "unknown queue (default, account, deposit, withdrawal, trading, refund, other, tier2)");
    }
    auto s = schedule(value, name);
    auto p = policy(value.as_object(), name);
    if (name == "default") {
      out.default_ = std::move(s);
      if (p) out.default_policy_ = *p;
    } else {
      out.queues_[name] = std::move(s);
      if (p) out.policies_[name] = *p;
    }
  }
  return out;
}

BusinessHours BusinessHours::load(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw std::invalid_argument(file.string() + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return parse(text.str());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(file.string() + ": " + e.what());
  }
}

const ReplyPolicy& BusinessHours::reply_policy(const std::string& queue) const {
  auto it = policies_.find(queue);
  return it != policies_.end() ? it->second : default_policy_;
}

std::int64_t reply_by(const Schedule& schedule, const ReplyPolicy& policy, std::int64_t created_ms) {
  const auto calendar = created_ms + policy.within_ms;
  if (schedule.always()) return calendar;
  if (policy.business_time) return schedule.after_business_time(created_ms, policy.within_ms).value_or(calendar);
  if (schedule.open_at(calendar)) return calendar;
  // Closed then: the last window that opened after the request and ended by then.
  std::optional<std::int64_t> last_close;
  for (auto w = schedule.current_or_next(created_ms); w && w->close_ms <= calendar; w = schedule.current_or_next(w->close_ms)) {
    if (w->open_ms > created_ms) last_close = w->close_ms;
  }
  if (last_close) return *last_close;
  return schedule.after_business_time(calendar, policy.first_thing_ms).value_or(calendar);
}

const Schedule& BusinessHours::of(const std::string& queue) const {
  static const Schedule always = Schedule::always_open();
  if (auto it = queues_.find(queue); it != queues_.end()) return *it->second;
  return default_ ? *default_ : always;
}

}  // namespace parley::hours
