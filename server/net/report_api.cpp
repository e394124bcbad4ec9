// Support reports over HTTP (server/reports computes, the store reads the events):
//
//   GET /api/reports/chats?from=MS&to=MS&queue=NAME&agent=ID&team=tier1|tier2&hours=business|wall
//   GET /api/reports/chats.csv?...   the same chats, one row each (a file to download)
//
// Supervisors and admins only (agents see their own chats in the console).
// The period defaults to the last 7 days, may be at most 366 days, and a
// report reads at most 20,000 chats (the earliest; `truncated` says so).

#include "net/api_helpers.hpp"
#include "reports/reports.hpp"

#include <charconv>

namespace parley::net {
namespace {

using namespace api;

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;
constexpr std::int64_t max_period_ms = 366 * day_ms;
constexpr std::size_t max_report_chats = 20'000;

std::optional<std::int64_t> millis(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

template <class Stream>
void HttpSession<Stream>::handle_report_api(Request incoming, const std::string& path) {
  const bool csv = path == "/api/reports/chats.csv";
  if (path != "/api/reports/chats" && !csv)
    return write(error_response(incoming, http::status::not_found, "not_found", "no such report"));
  if (incoming.method() != http::verb::get)
    return write(error_response(incoming, http::status::method_not_allowed, "method_not_allowed", "use GET"));
  as_staff(std::move(incoming), [self = this->shared_from_this(), csv](const Request& req, const auth::StaffMember& staff,
                                                                      auto reply) {
    if (!chat::oversees(staff.role))
      return reply(error_response(req, http::status::forbidden, "forbidden", "reports are for supervisors and admins"));
    auto* store = self->context_.store;
    if (!store)
      return reply(error_response(req, http::status::service_unavailable, "no_records",
                                  "this server keeps no records to report on (start it with --data-dir or --database)"));
    const auto now = now_ms();
    reports::Filter filter;
    const auto from = query_param(req.target(), "from");
    const auto to = query_param(req.target(), "to");
    const auto parsed_to = to.empty() ? std::optional(now) : millis(to);
    const auto parsed_from = from.empty() && parsed_to ? std::optional(*parsed_to - 7 * day_ms) : millis(from);
    if (!parsed_from || !parsed_to)
      return reply(error_response(req, http::status::bad_request, "invalid_request",
                                  "from and to are times in milliseconds since 1970 (UTC)"));
    filter.from_ms = *parsed_from;
    filter.to_ms = *parsed_to;
    if (filter.to_ms <= filter.from_ms)
      return reply(error_response(req, http::status::bad_request, "invalid_request", "to must be after from"));
    if (filter.to_ms - filter.from_ms > max_period_ms)
      return reply(error_response(req, http::status::bad_request, "invalid_request", "a report covers at most 366 days"));
    filter.queue = query_param(req.target(), "queue");
    const auto& names = hours::BusinessHours::queue_names();
    if (!filter.queue.empty() && std::find(names.begin(), names.end(), filter.queue) == names.end())
      return reply(error_response(req, http::status::bad_request, "invalid_request",
                                  "queue is one of account, deposit, withdrawal, trading, refund, other, tier2"));
    filter.agent_id = query_param(req.target(), "agent");
    if (filter.agent_id.size() > 200)
      return reply(error_response(req, http::status::bad_request, "invalid_request", "agent is too long"));
    filter.team = query_param(req.target(), "team");
    if (!filter.team.empty()) {
      if (filter.team != "tier1" && filter.team != "tier2")
        return reply(error_response(req, http::status::bad_request, "invalid_request", "team is tier1 or tier2"));
      const auto role = filter.team == "tier2" ? v1::ROLE_TIER2 : v1::ROLE_AGENT;
      for (const auto& [id, account] : *self->context_.staff_auth.accounts())
        if (account.role == role) filter.team_members.insert(id);
    }
    const auto clock = query_param(req.target(), "hours");
    if (!clock.empty() && clock != "business" && clock != "wall")
      return reply(error_response(req, http::status::bad_request, "invalid_request", "hours is business or wall"));
    filter.business_hours = clock != "wall";
    auto hours = self->context_.hours.load();
    store->report_events(filter.from_ms, filter.to_ms, max_report_chats,
                         [req, reply, filter, hours, csv, now](std::optional<store::RecordStore::ReportData> data) {
      if (!data)
        return reply(error_response(req, http::status::service_unavailable, "unavailable",
                                    "the records cannot be read now; try again"));
      const hours::BusinessHours always_open;
      const auto& schedules = hours ? *hours : always_open;
      auto report = reports::compute(data->events, data->comments, filter, schedules);
      report.truncated = data->truncated;
      report.tickets = reports::compute_tickets(data->tickets, filter, schedules, now);
      report.tickets.truncated = data->tickets_truncated;
      report.help = reports::compute_help(data->help, data->chat_starts, now);
      report.help.truncated = data->help_truncated;
      if (!csv) return reply(json_response(req, http::status::ok, reports::to_json(report)));
      auto res = api_response(req, http::status::ok, "text/csv; charset=utf-8", reports::to_csv(report));
      res.set(http::field::content_disposition, "attachment; filename=\"parley-chats.csv\"");
      reply(std::move(res));
    });
  });
}

template void HttpSession<plain_stream>::handle_report_api(Request, const std::string&);
template void HttpSession<tls_stream>::handle_report_api(Request, const std::string&);

}  // namespace parley::net
