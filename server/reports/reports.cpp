#include "reports/reports.hpp"

#include "chat/queues.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace parley::reports {
namespace {

namespace v1 = parley::v1;
namespace ev = parley::events::v1;
namespace json = boost::json;

// What one conversation's events say, in order.
struct Fold {
  std::string id;
  std::string queue = "other";
  std::int64_t started_ms = 0;
  std::optional<std::int64_t> queued_ms, assigned_ms, first_response_ms, closed_ms;
  std::vector<std::string> agents;  // everyone who had it
  std::string last_agent;
  std::uint32_t score = 0;
  std::int64_t rated_ms = 0;
  bool started = false, escalated = false, transferred = false;
};

bool staff_role(v1::Role role) {
  return role == v1::ROLE_AGENT || role == v1::ROLE_TIER2 || role == v1::ROLE_SUPERVISOR || role == v1::ROLE_ADMIN;
}

Stat stat_of(std::vector<double> values) {
  Stat s;
  s.count = values.size();
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  auto rank = [&](double q) {
    const auto index = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(index, 1, values.size()) - 1];
  };
  s.median = rank(0.5);
  s.p90 = rank(0.9);
  double sum = 0;
  for (double v : values) sum += v;
  s.average = sum / static_cast<double>(values.size());
  return s;
}

// `v` rounded to 1/`scale` (seconds: a tenth is enough), or null.
json::value rounded(const std::optional<double>& v, double scale = 10) {
  if (!v) return nullptr;
  return std::round(*v * scale) / scale;
}

json::object stat_json(const Stat& s) {
  return {{"count", s.count}, {"median", rounded(s.median)}, {"p90", rounded(s.p90)}, {"average", rounded(s.average)}};
}

// Seconds from `from` to `to`, in the schedule's open time or wall clock;
// nothing if either is missing or `to` is before `from`.
std::optional<double> seconds_between(const hours::Schedule& schedule, bool business_hours,
                                      std::optional<std::int64_t> from, std::optional<std::int64_t> to) {
  if (!from || !to || *to < *from) return std::nullopt;
  const auto ms = business_hours ? schedule.business_time(*from, *to) : *to - *from;
  return static_cast<double>(ms) / 1000.0;
}

std::string csv_cell(std::string text) {
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' || text[0] == '\t' ||
                        text[0] == '\r'))
    text.insert(text.begin(), '\'');
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string seconds_cell(const std::optional<double>& v) {
  if (!v) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f", *v);
  return buffer;
}

}  // namespace

Report compute(const std::vector<chat::events::Event>& events, const std::map<std::string, std::string>& comments,
               const Filter& filter, const hours::BusinessHours& hours) {
  std::vector<Fold> folds;
  std::unordered_map<std::string, std::size_t> index;
  for (const auto& e : events) {
    if (e.conversation_id().empty()) continue;
    auto [it, fresh] = index.try_emplace(e.conversation_id(), folds.size());
    if (fresh) folds.emplace_back().id = e.conversation_id();
    Fold& f = folds[it->second];
    switch (e.kind_case()) {
      case ev::Event::kChatStarted:
        f.started = true;
        f.started_ms = e.at_ms();
        f.queue = chat::category_queue_name(e.chat_started().category());
        break;
      case ev::Event::kChatQueued:
        if (!f.queued_ms) f.queued_ms = e.at_ms();
        break;
      case ev::Event::kChatAssigned:
        if (!f.assigned_ms) f.assigned_ms = e.at_ms();
        f.last_agent = e.chat_assigned().agent_id();
        if (std::find(f.agents.begin(), f.agents.end(), f.last_agent) == f.agents.end()) f.agents.push_back(f.last_agent);
        break;
      case ev::Event::kMessageAppended:
        if (!f.first_response_ms && !e.message_appended().system() && staff_role(e.message_appended().sender_role()))
          f.first_response_ms = e.at_ms();
        break;
      case ev::Event::kChatEscalated: f.escalated = true; break;
      case ev::Event::kChatTransferred: f.transferred = true; break;
      case ev::Event::kChatClosed:
        if (!f.closed_ms) f.closed_ms = e.at_ms();
        break;
      case ev::Event::kChatRated:
        f.score = e.chat_rated().score();
        f.rated_ms = e.at_ms();
        if (!e.chat_rated().agent_id().empty()) f.last_agent = e.chat_rated().agent_id();
        break;
      default: break;
    }
  }

  Report report;
  report.filter = filter;
  std::vector<double> waits, responses, handles;
  struct PerAgent {
    std::vector<double> responses, handles;
    std::size_t chats = 0, rated = 0;
    double score_sum = 0;
  };
  std::map<std::string, PerAgent> agents;
  double score_sum = 0;
  for (const Fold& f : folds) {
    if (!f.started || f.started_ms < filter.from_ms || f.started_ms >= filter.to_ms) continue;
    if (!filter.queue.empty() && !(filter.queue == f.queue || (filter.queue == "tier2" && f.escalated))) continue;
    if (!filter.agent_id.empty() && std::find(f.agents.begin(), f.agents.end(), filter.agent_id) == f.agents.end())
      continue;
    if (!filter.team.empty() && std::none_of(f.agents.begin(), f.agents.end(),
                                             [&](const std::string& a) { return filter.team_members.contains(a); }))
      continue;
    const auto& schedule = hours.of(f.queue);
    auto span = [&](std::optional<std::int64_t> from, std::optional<std::int64_t> to) {
      return seconds_between(schedule, filter.business_hours, from, to);
    };
    Chat c;
    c.conversation_id = f.id;
    c.queue = f.queue;
    c.started_ms = f.started_ms;
    c.wait_s = span(f.queued_ms ? f.queued_ms : std::optional(f.started_ms), f.assigned_ms);
    c.first_response_s = span(f.started_ms, f.first_response_ms);
    c.handle_s = span(f.assigned_ms, f.closed_ms);
    c.agent_id = f.last_agent;
    c.score = f.score >= 1 && f.score <= 5 ? f.score : 0;
    if (auto it = comments.find(f.id); it != comments.end() && c.score) c.comment = it->second;
    c.escalated = f.escalated;
    c.transferred = f.transferred;
    c.closed = f.closed_ms.has_value();
    c.abandoned = c.closed && !f.assigned_ms;

    ++report.started;
    if (f.assigned_ms) ++report.answered;
    if (c.abandoned) ++report.abandoned;
    if (c.escalated) ++report.escalated;
    if (c.transferred) ++report.transferred;
    if (!c.closed) ++report.still_open;
    if (c.wait_s) waits.push_back(*c.wait_s);
    if (c.first_response_s) responses.push_back(*c.first_response_s);
    if (c.handle_s) handles.push_back(*c.handle_s);
    if (c.score) {
      ++report.rated;
      ++report.scores[c.score - 1];
      score_sum += c.score;
      if (!c.comment.empty()) report.comments.push_back({c.conversation_id, c.agent_id, c.score, c.comment, f.rated_ms});
    }
    if (!c.agent_id.empty()) {
      auto& a = agents[c.agent_id];
      ++a.chats;
      if (c.first_response_s) a.responses.push_back(*c.first_response_s);
      if (c.handle_s) a.handles.push_back(*c.handle_s);
      if (c.score) {
        ++a.rated;
        a.score_sum += c.score;
      }
    }
    report.chats.push_back(std::move(c));
  }
  report.wait = stat_of(std::move(waits));
  report.first_response = stat_of(std::move(responses));
  report.handle = stat_of(std::move(handles));
  if (report.rated) {
    report.csat = score_sum / static_cast<double>(report.rated);
    report.satisfied_share = static_cast<double>(report.scores[3] + report.scores[4]) / static_cast<double>(report.rated);
  }
  std::sort(report.comments.begin(), report.comments.end(),
            [](const Comment& a, const Comment& b) { return a.at_ms > b.at_ms; });
  if (report.comments.size() > max_comments) report.comments.resize(max_comments);
  for (auto& [id, a] : agents) {
    Agent row{id, a.chats, stat_of(std::move(a.responses)), stat_of(std::move(a.handles)), a.rated, std::nullopt};
    if (a.rated) row.csat = a.score_sum / static_cast<double>(a.rated);
    report.agents.push_back(std::move(row));
  }
  std::stable_sort(report.agents.begin(), report.agents.end(),
                   [](const Agent& a, const Agent& b) { return a.chats > b.chats; });
  std::stable_sort(report.chats.begin(), report.chats.end(),
                   [](const Chat& a, const Chat& b) { return a.started_ms < b.started_ms; });
  return report;
}

Tickets compute_tickets(const std::vector<tickets::Record>& all, const Filter& filter,
                        const hours::BusinessHours& hours, std::int64_t now_ms) {
  namespace tv1 = parley::desk::v1;
  Tickets out;
  std::vector<double> responses;
  for (const auto& t : all) {
    if (t.created_ms() < filter.from_ms || t.created_ms() >= filter.to_ms) continue;
    const auto queue = tickets::queue_of(t);
    if (!filter.queue.empty() && filter.queue != queue) continue;
    if (!filter.agent_id.empty() && filter.agent_id != t.owner_id()) continue;
    if (!filter.team.empty() && !filter.team_members.contains(t.owner_id())) continue;
    ++out.created;
    const auto due = hours.reply_by(queue, t.created_ms());
    if (t.first_response_ms() > 0) {
      ++out.answered;
      ++(t.first_response_ms() <= due ? out.answered_in_time : out.answered_late);
      responses.push_back(
          seconds_between(hours.of(queue), filter.business_hours, t.created_ms(), t.first_response_ms()).value_or(0));
    } else if (t.status() == tv1::TICKET_STATUS_SOLVED || t.status() == tv1::TICKET_STATUS_CLOSED) {
      ++out.closed_unanswered;
    } else if (now_ms >= due) {
      ++out.overdue;
    } else {
      ++out.waiting;
    }
  }
  out.first_response = stat_of(std::move(responses));
  if (const auto judged = out.answered + out.overdue)
    out.in_time_share = static_cast<double>(out.answered_in_time) / static_cast<double>(judged);
  return out;
}

Help compute_help(const std::vector<chat::events::Event>& help, const std::vector<chat::events::Event>& chat_starts,
                  std::int64_t now_ms) {
  Help out;
  std::map<std::string, std::vector<std::int64_t>> starts;  // visitor -> when their chats started
  for (const auto& e : chat_starts)
    if (e.has_chat_started()) starts[e.chat_started().visitor_id()].push_back(e.at_ms());
  std::map<std::pair<std::string, std::string>, ArticleUse> by_article;
  auto use = [&](const std::string& id, const std::string& locale) -> ArticleUse& {
    auto& a = by_article[{id, locale}];
    a.article_id = id;
    a.locale = locale;
    return a;
  };
  for (const auto& e : help) {
    if (e.has_article_rated()) {
      auto& a = use(e.article_rated().article_id(), e.article_rated().locale());
      ++(e.article_rated().helpful() ? a.helpful : a.not_helpful);
      ++(e.article_rated().helpful() ? out.helpful : out.not_helpful);
      continue;
    }
    if (!e.has_article_viewed() || !e.article_viewed().from_widget()) continue;
    auto& a = use(e.article_viewed().article_id(), e.article_viewed().locale());
    ++a.opened;
    ++out.opened;
    if (e.actor_id().empty() || e.at_ms() + deflection_window_ms > now_ms) continue;
    ++out.judged;
    const auto& chats = starts[e.actor_id()];
    const bool chatted = std::any_of(chats.begin(), chats.end(), [&](std::int64_t at) {
      return at >= e.at_ms() && at <= e.at_ms() + deflection_window_ms;
    });
    if (!chatted) {
      ++out.deflected;
      ++a.deflected;
    }
  }
  if (out.judged) out.deflection_rate = static_cast<double>(out.deflected) / static_cast<double>(out.judged);
  for (auto& [key, a] : by_article) out.articles.push_back(std::move(a));
  std::stable_sort(out.articles.begin(), out.articles.end(),
                   [](const ArticleUse& a, const ArticleUse& b) { return a.opened > b.opened; });
  return out;
}

namespace {
json::object help_json(const Help& h) {
  json::array articles;
  for (const auto& a : h.articles)
    articles.push_back({{"article_id", a.article_id}, {"locale", a.locale}, {"opened", a.opened},
                        {"deflected", a.deflected}, {"helpful", a.helpful}, {"not_helpful", a.not_helpful}});
  return {{"opened", h.opened}, {"judged", h.judged}, {"deflected", h.deflected},
          {"deflection_rate", rounded(h.deflection_rate, 1000)}, {"helpful", h.helpful},
          {"not_helpful", h.not_helpful}, {"articles", std::move(articles)}, {"truncated", h.truncated}};
}
}  // namespace

json::object to_json(const Report& r) {
  json::array scores;
  for (auto n : r.scores) scores.push_back(n);
  json::array comments;
  for (const auto& c : r.comments)
    comments.push_back({{"conversation_id", c.conversation_id}, {"agent_id", c.agent_id}, {"score", c.score},
                        {"comment", c.text}, {"at_ms", c.at_ms}});
  json::array agents;
  for (const auto& a : r.agents)
    agents.push_back({{"agent_id", a.agent_id}, {"chats", a.chats}, {"first_response", stat_json(a.first_response)},
                      {"handle", stat_json(a.handle)}, {"rated", a.rated}, {"csat", rounded(a.csat)}});
  json::object filter{{"from_ms", r.filter.from_ms}, {"to_ms", r.filter.to_ms}, {"queue", r.filter.queue},
                      {"agent_id", r.filter.agent_id}, {"team", r.filter.team},
                      {"business_hours", r.filter.business_hours}};
  return {{"filter", std::move(filter)},
          {"chats", json::object{{"started", r.started}, {"answered", r.answered}, {"abandoned", r.abandoned},
                                 {"escalated", r.escalated}, {"transferred", r.transferred}, {"still_open", r.still_open}}},
          {"wait_seconds", stat_json(r.wait)},
          {"first_response_seconds", stat_json(r.first_response)},
          {"handle_seconds", stat_json(r.handle)},
          {"csat", json::object{{"rated", r.rated}, {"average", rounded(r.csat, 100)},
                                {"satisfied_share", rounded(r.satisfied_share, 1000)},
                                {"distribution", std::move(scores)}, {"comments", std::move(comments)}}},
          {"agents", std::move(agents)},
          {"tickets", json::object{{"created", r.tickets.created}, {"answered", r.tickets.answered},
                                   {"answered_in_time", r.tickets.answered_in_time},
                                   {"answered_late", r.tickets.answered_late}, {"overdue", r.tickets.overdue},
                                   {"waiting", r.tickets.waiting}, {"closed_unanswered", r.tickets.closed_unanswered},
                                   {"first_response_seconds", stat_json(r.tickets.first_response)},
                                   {"in_time_share", rounded(r.tickets.in_time_share, 1000)},
                                   {"truncated", r.tickets.truncated}}},
          {"help", help_json(r.help)},
          {"truncated", r.truncated}};
}

std::string to_csv(const Report& r) {
  std::string out =
      "conversation_id,queue,started_ms,wait_seconds,first_response_seconds,handle_seconds,agent_id,score,comment,"
      "escalated,transferred,closed,abandoned\r\n";
  for (const auto& c : r.chats) {
    out += csv_cell(c.conversation_id) + ',' + csv_cell(c.queue) + ',' + std::to_string(c.started_ms) + ',' +
           seconds_cell(c.wait_s) + ',' + seconds_cell(c.first_response_s) + ',' + seconds_cell(c.handle_s) + ',' +
           csv_cell(c.agent_id) + ',' + (c.score ? std::to_string(c.score) : "") + ',' + csv_cell(c.comment) + ',' +
           (c.escalated ? "1" : "0") + ',' + (c.transferred ? "1" : "0") + ',' + (c.closed ? "1" : "0") + ',' +
           (c.abandoned ? "1" : "0") + "\r\n";
  }
  return out;
}

}  // namespace parley::reports
