// Reports (server/reports): the numbers a supervisor reads, computed from a
// fixed week of stored events with known answers: counts, wait / first
// response / handle time in business hours and in wall-clock time, CSAT, per
// agent, the filters, and the CSV a spreadsheet opens safely.
#include "reports/reports.hpp"

#include <date/date.h>

#include <boost/json.hpp>

#include <catch2/catch.hpp>

using namespace parley;
namespace ev = parley::events::v1;
namespace v1 = parley::v1;

namespace {

// Unix ms of a UTC wall-clock time.
std::int64_t utc(int y, unsigned m, unsigned d, int hh, int mm = 0, int ss = 0) {
  const auto day = date::sys_days{date::year{y} / date::month{m} / date::day{d}};
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             (day + std::chrono::hours(hh) + std::chrono::minutes(mm) + std::chrono::seconds(ss)).time_since_epoch())
      .count();
}

struct Log {
  std::vector<ev::Event> events;
  ev::Event& add(const std::string& id, std::int64_t at) {
    auto& e = events.emplace_back();
    e.set_conversation_id(id);
    e.set_at_ms(at);
    return e;
  }
  void started(const std::string& id, std::int64_t at, v1::Category category = v1::CATEGORY_DEPOSIT) {
    add(id, at).mutable_chat_started()->set_category(category);
    add(id, at).mutable_chat_queued()->set_category(category);
  }
  void assigned(const std::string& id, std::int64_t at, const std::string& agent) {
    add(id, at).mutable_chat_assigned()->set_agent_id(agent);
  }
  void message(const std::string& id, std::int64_t at, v1::Role role, bool system = false) {
    auto* m = add(id, at).mutable_message_appended();
    m->set_sender_role(role);
    m->set_system(system);
  }
  void closed(const std::string& id, std::int64_t at) { add(id, at).mutable_chat_closed(); }
  void rated(const std::string& id, std::int64_t at, std::uint32_t score, const std::string& agent) {
    auto* r = add(id, at).mutable_chat_rated();
    r->set_score(score);
    r->set_agent_id(agent);
  }
};

// Monday to Friday 09:00-18:00 UTC for every queue.
const hours::BusinessHours& office() {
  static const auto h = hours::BusinessHours::parse(R"({"default": {"time_zone": "UTC", "weekly": {
      "mon": ["09:00-18:00"], "tue": ["09:00-18:00"], "wed": ["09:00-18:00"], "thu": ["09:00-18:00"],
      "fri": ["09:00-18:00"]}}})");
  return h;
}

// A week of chats (2026-12-07 is a Monday) with hand-computed answers:
//  A  Mon 10:00, waited 60 s, answered after 120 s, handled 1800 s, rated 5 "quick and kind" (alice)
//  B  Mon 11:00, waited 180 s, answered after 210 s, transferred alice -> bob, handled 660 s, rated 2 (bob)
//  C  Fri 17:50 (deposit), escalated, assigned Mon 09:10 (alice): 1200 s of open time, 228,000 s of wall clock;
//     answered Mon 09:11 (1260 s open), closed Mon 09:20 (600 s)
//  D  Mon 12:00, left the queue at 12:05: abandoned
//  E  Mon 13:00, still waiting
//  F  Sun 06.12 (before the period), Z only a stray message (no start in the log)
struct Week {
  Log log;
  std::map<std::string, std::string> comments;
  Week() {
    auto& l = log;
    l.started("F", utc(2026, 12, 6, 10));
    l.assigned("F", utc(2026, 12, 6, 10, 1), "alice");
    l.message("Z", utc(2026, 12, 7, 9), v1::ROLE_AGENT);

    l.started("A", utc(2026, 12, 7, 10));
    l.message("A", utc(2026, 12, 7, 10, 0, 30), v1::ROLE_VISITOR);
    l.assigned("A", utc(2026, 12, 7, 10, 1), "alice");
    l.message("A", utc(2026, 12, 7, 10, 1, 30), v1::ROLE_AGENT, true);  // a system notice is not a response
    l.message("A", utc(2026, 12, 7, 10, 2), v1::ROLE_AGENT);
    l.message("A", utc(2026, 12, 7, 10, 5), v1::ROLE_AGENT);
    l.closed("A", utc(2026, 12, 7, 10, 31));
    l.rated("A", utc(2026, 12, 7, 10, 32), 5, "alice");
    comments["A"] = "quick and kind";

    l.started("B", utc(2026, 12, 7, 11), v1::CATEGORY_WITHDRAWAL);
    l.assigned("B", utc(2026, 12, 7, 11, 3), "alice");
    l.message("B", utc(2026, 12, 7, 11, 3, 30), v1::ROLE_AGENT);
    l.add("B", utc(2026, 12, 7, 11, 4)).mutable_chat_transferred();
    l.assigned("B", utc(2026, 12, 7, 11, 5), "bob");
    l.closed("B", utc(2026, 12, 7, 11, 14));
    l.rated("B", utc(2026, 12, 7, 11, 15), 2, "bob");
    comments["B"] = "=HYPERLINK(\"http://evil\",\"click\")";

    l.started("C", utc(2026, 12, 11, 17, 50));
    l.add("C", utc(2026, 12, 11, 17, 55)).mutable_chat_escalated();
    l.assigned("C", utc(2026, 12, 14, 9, 10), "alice");
    l.message("C", utc(2026, 12, 14, 9, 11), v1::ROLE_TIER2);
    l.closed("C", utc(2026, 12, 14, 9, 20));

    l.started("D", utc(2026, 12, 7, 12));
    l.message("D", utc(2026, 12, 7, 12, 1), v1::ROLE_VISITOR);
    l.closed("D", utc(2026, 12, 7, 12, 5));

    l.started("E", utc(2026, 12, 7, 13));
  }
  reports::Report run(reports::Filter f = {}) const {
    if (!f.from_ms) f.from_ms = utc(2026, 12, 7, 0);
    if (!f.to_ms) f.to_ms = utc(2026, 12, 14, 0);
    return reports::compute(log.events, comments, f, office());
  }
};

const reports::Chat& chat_of(const reports::Report& r, const std::string& id) {
  for (const auto& c : r.chats)
    if (c.conversation_id == id) return c;
  FAIL("no chat " << id);
  throw;
}

}  // namespace

TEST_CASE("reports: counts of the chats started in the period") {
  const auto r = Week().run();
  CHECK(r.started == 5);  // A B C D E; F began before, Z never started in the log
  CHECK(r.answered == 3);
  CHECK(r.abandoned == 1);
  CHECK(r.escalated == 1);
  CHECK(r.transferred == 1);
  CHECK(r.still_open == 1);
  REQUIRE(r.chats.size() == 5);
  // By start: A B D E C.
  CHECK(r.chats[0].conversation_id == "A");
  CHECK(r.chats[4].conversation_id == "C");
  CHECK(chat_of(r, "D").abandoned);
  CHECK_FALSE(chat_of(r, "E").closed);
  CHECK(chat_of(r, "B").queue == "withdrawal");
}

TEST_CASE("reports: wait, first response and handle time in business hours, nearest-rank median and p90") {
  const auto r = Week().run();
  CHECK(*chat_of(r, "A").wait_s == 60);
  CHECK(*chat_of(r, "A").first_response_s == 120);  // the system notice at 90 s does not count
  CHECK(*chat_of(r, "A").handle_s == 1800);
  CHECK(*chat_of(r, "B").handle_s == 660);
  CHECK(*chat_of(r, "C").wait_s == 1200);  // 10 minutes on Friday, 10 on Monday; the weekend is closed
  CHECK(*chat_of(r, "C").first_response_s == 1260);
  CHECK_FALSE(chat_of(r, "D").wait_s);
  CHECK_FALSE(chat_of(r, "E").first_response_s);

  CHECK(r.wait.count == 3);
  CHECK(*r.wait.median == 180);
  CHECK(*r.wait.p90 == 1200);
  CHECK(*r.wait.average == 480);
  CHECK(*r.first_response.median == 210);
  CHECK(*r.first_response.p90 == 1260);
  CHECK(*r.first_response.average == 530);
  CHECK(*r.handle.median == 660);
  CHECK(*r.handle.p90 == 1800);
  CHECK(*r.handle.average == 1020);
}

TEST_CASE("reports: wall-clock time counts the weekend") {
  reports::Filter f;
  f.business_hours = false;
  const auto r = Week().run(f);
  CHECK(*chat_of(r, "C").wait_s == 228'000);  // Fri 17:50 -> Mon 09:10
  CHECK(*chat_of(r, "A").wait_s == 60);        // within open hours both agree
  CHECK(*r.wait.p90 == 228'000);
}

TEST_CASE("reports: satisfaction, comments newest first, per agent by the last agent") {
  const auto r = Week().run();
  CHECK(r.rated == 2);
  CHECK(r.scores == std::array<std::size_t, 5>{0, 1, 0, 0, 1});
  CHECK(*r.csat == 3.5);
  CHECK(*r.satisfied_share == 0.5);
  REQUIRE(r.comments.size() == 2);
  CHECK(r.comments[0].conversation_id == "B");
  CHECK(r.comments[0].agent_id == "bob");
  CHECK(r.comments[1].text == "quick and kind");

  REQUIRE(r.agents.size() == 2);
  CHECK(r.agents[0].agent_id == "alice");  // A and C
  CHECK(r.agents[0].chats == 2);
  CHECK(r.agents[0].rated == 1);
  CHECK(*r.agents[0].csat == 5);
  CHECK(*r.agents[0].first_response.median == 120);
  CHECK(r.agents[1].agent_id == "bob");
  CHECK(*r.agents[1].csat == 2);
  CHECK(*r.agents[1].handle.median == 660);
}

TEST_CASE("reports: filters by queue, by agent and by period") {
  const Week week;
  struct Row {
    const char* queue;
    const char* agent;
    std::vector<std::string> chats;
  } rows[] = {
      {"", "", {"A", "B", "D", "E", "C"}},
      {"deposit", "", {"A", "D", "E", "C"}},
      {"withdrawal", "", {"B"}},
      {"tier2", "", {"C"}},
      {"refund", "", {}},
      {"", "alice", {"A", "B", "C"}},  // B was hers before the transfer
      {"", "bob", {"B"}},
      {"", "nobody", {}},
      {"deposit", "alice", {"A", "C"}},
  };
  for (const auto& row : rows) {
    reports::Filter f;
    f.queue = row.queue;
    f.agent_id = row.agent;
    const auto r = week.run(f);
    std::vector<std::string> ids;
    for (const auto& c : r.chats) ids.push_back(c.conversation_id);
    INFO("queue=" << row.queue << " agent=" << row.agent);
    CHECK(ids == row.chats);
    CHECK(r.started == row.chats.size());
  }
  // By team: the chats a member had at some point.
  reports::Filter by_team;
  by_team.team = "tier1";
  by_team.team_members = {"bob"};
  std::vector<std::string> ids;
  for (const auto& c : week.run(by_team).chats) ids.push_back(c.conversation_id);
  CHECK(ids == std::vector<std::string>{"B"});
  by_team.team_members = {};
  CHECK(week.run(by_team).started == 0);  // a team with nobody in it had no chats
  // The period is half-open: a chat started exactly at `to` is the next period's.
  reports::Filter f;
  f.from_ms = utc(2026, 12, 7, 10);
  f.to_ms = utc(2026, 12, 7, 11);
  const auto r = week.run(f);
  REQUIRE(r.chats.size() == 1);
  CHECK(r.chats[0].conversation_id == "A");
}

TEST_CASE("reports: an empty period has counts of zero and no averages") {
  reports::Filter f;
  f.from_ms = utc(2027, 1, 1, 0);
  f.to_ms = utc(2027, 1, 2, 0);
  const auto r = Week().run(f);
  CHECK(r.started == 0);
  CHECK_FALSE(r.wait.median);
  CHECK_FALSE(r.csat);
  const auto json = reports::to_json(r);
  CHECK(json.at("wait_seconds").at("median").is_null());
  CHECK(json.at("csat").at("average").is_null());
  CHECK(reports::to_csv(r).find("\r\n") == reports::to_csv(r).size() - 2);  // the header only
}

TEST_CASE("reports: the JSON carries the same numbers") {
  const auto json = reports::to_json(Week().run());
  CHECK(json.at("chats").at("started").to_number<int>() == 5);
  CHECK(json.at("wait_seconds").at("p90").to_number<double>() == 1200);
  CHECK(json.at("csat").at("average").to_number<double>() == 3.5);
  CHECK(json.at("csat").at("distribution").as_array().size() == 5);
  CHECK(json.at("agents").as_array()[0].at("agent_id").as_string() == "alice");
  CHECK(json.at("filter").at("business_hours").as_bool());
}

TEST_CASE("reports: CSV cells are quoted per RFC 4180 and never run as spreadsheet formulas") {
  struct Row {
    std::string comment, cell;
  } rows[] = {
      {"plain words", "plain words"},
      {"a, b", "\"a, b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"two\nlines", "\"two\nlines\""},
      {"=1+1", "'=1+1"},
      {"+1", "'+1"},
      {"-1", "'-1"},
      {"@SUM(A1)", "'@SUM(A1)"},
      {"=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""},
      {"提币没有到账", "提币没有到账"},
      {"1-2", "1-2"},
  };
  for (const auto& row : rows) {
    Log log;
    log.started("A", utc(2026, 12, 7, 10));
    log.rated("A", utc(2026, 12, 7, 10, 1), 4, "");
    reports::Filter f;
    f.from_ms = utc(2026, 12, 7, 0);
    f.to_ms = utc(2026, 12, 8, 0);
    const auto csv = reports::to_csv(reports::compute(log.events, {{"A", row.comment}}, f, office()));
    INFO(row.comment);
    CHECK(csv.find(",4," + row.cell + ",0,0,0,0\r\n") != std::string::npos);
  }
}

TEST_CASE("reports: tickets answered within their deadline, overdue, waiting, in business hours") {
  namespace tv1 = parley::desk::v1;
  std::vector<tickets::Record> all;
  auto ticket = [&](std::int64_t created, std::int64_t answered, tv1::TicketStatus status = tv1::TICKET_STATUS_PENDING,
                    const std::string& owner = "", std::uint32_t tier = 1) {
    auto& t = all.emplace_back();
    t.set_created_ms(created);
    t.set_first_response_ms(answered);
    t.set_status(status);
    t.set_owner_id(owner);
    t.set_tier(tier);
    t.set_category(v1::CATEGORY_DEPOSIT);
  };
  // Replies are due 24 hours after the request (the default policy), moved to
  // the end of the next window, or 2 hours into it after a weekend request.
  ticket(utc(2026, 12, 7, 10), utc(2026, 12, 7, 12), tv1::TICKET_STATUS_PENDING, "alice");  // in time, 2 h
  ticket(utc(2026, 12, 7, 10), utc(2026, 12, 9, 10), tv1::TICKET_STATUS_SOLVED, "alice");   // due Tue 10:00: late, 18 open hours
  ticket(utc(2026, 12, 12, 10), utc(2026, 12, 14, 10, 30));            // Saturday: due Mon 11:00, in time, 1.5 h
  ticket(utc(2026, 12, 7, 15), 0, tv1::TICKET_STATUS_OPEN);            // due Tue 15:00: overdue now
  ticket(utc(2026, 12, 13, 20), 0, tv1::TICKET_STATUS_OPEN);           // Sunday night: due Mon 18:00, still ahead
  ticket(utc(2026, 12, 7, 11), 0, tv1::TICKET_STATUS_CLOSED);          // closed without a reply
  ticket(utc(2026, 12, 8, 10), utc(2026, 12, 8, 11), tv1::TICKET_STATUS_PENDING, "bob", 2);  // tier 2, in time
  ticket(utc(2026, 12, 6, 10), 0, tv1::TICKET_STATUS_OPEN);            // before the period
  const auto now = utc(2026, 12, 14, 10, 45);

  reports::Filter f;
  f.from_ms = utc(2026, 12, 7, 0);
  f.to_ms = utc(2026, 12, 14, 0);
  const auto t = reports::compute_tickets(all, f, office(), now);
  CHECK(t.created == 7);
  CHECK(t.answered == 4);
  CHECK(t.answered_in_time == 3);
  CHECK(t.answered_late == 1);
  CHECK(t.overdue == 1);
  CHECK(t.waiting == 1);
  CHECK(t.closed_unanswered == 1);
  CHECK(*t.in_time_share == 0.6);  // 3 of the 4 answered and 1 overdue
  CHECK(*t.first_response.median == 5400);
  CHECK(*t.first_response.p90 == 64800);

  f.queue = "tier2";
  CHECK(reports::compute_tickets(all, f, office(), now).created == 1);
  f.queue = "";
  f.agent_id = "alice";
  const auto alice = reports::compute_tickets(all, f, office(), now);
  CHECK(alice.created == 2);
  CHECK(*alice.in_time_share == 0.5);
  f.agent_id = "";
  f.business_hours = false;
  CHECK(*reports::compute_tickets(all, f, office(), now).first_response.p90 == 174'600);  // the weekend's request: two days and a half hour
  f.from_ms = utc(2027, 1, 1, 0);
  f.to_ms = utc(2027, 1, 2, 0);
  const auto none = reports::compute_tickets(all, f, office(), now);
  CHECK(none.created == 0);
  CHECK_FALSE(none.in_time_share);
}

TEST_CASE("reports: help articles opened from the widget, deflections and readers' answers") {
  const auto t = utc(2026, 12, 1, 10);
  const auto minute = 60'000;
  std::vector<ev::Event> help, starts;
  auto viewed = [&](const std::string& visitor, std::int64_t at, const std::string& article, bool widget = true) {
    auto& e = help.emplace_back();
    e.set_at_ms(at);
    e.set_actor_id(visitor);
    e.mutable_article_viewed()->set_article_id(article);
    e.mutable_article_viewed()->set_locale("en");
    e.mutable_article_viewed()->set_from_widget(widget);
  };
  auto rated = [&](std::int64_t at, const std::string& article, bool helpful) {
    auto& e = help.emplace_back();
    e.set_at_ms(at);
    e.mutable_article_rated()->set_article_id(article);
    e.mutable_article_rated()->set_locale("en");
    e.mutable_article_rated()->set_helpful(helpful);
  };
  auto chat = [&](const std::string& visitor, std::int64_t at) {
    auto& e = starts.emplace_back();
    e.set_at_ms(at);
    e.mutable_chat_started()->set_visitor_id(visitor);
  };
  viewed("v1", t, "reset-2fa");                 // chatted 10 minutes later: not a deflection
  chat("v1", t + 10 * minute);
  viewed("v2", t, "reset-2fa");                 // chatted 40 minutes later: a deflection
  chat("v2", t + 40 * minute);
  chat("v3", t - minute);                       // chatted before opening it: a deflection
  viewed("v3", t, "withdrawal-delays");
  viewed("", t, "withdrawal-delays");           // nobody known: opened, not judged
  viewed("v4", t + 100 * minute, "reset-2fa");  // its half hour has not ended: not judged
  viewed("v5", t, "fees", false);               // not from the widget: not counted
  rated(t, "reset-2fa", true);
  rated(t, "reset-2fa", false);
  rated(t, "fees", true);

  const auto h = reports::compute_help(help, starts, t + 110 * minute);
  CHECK(h.opened == 5);
  CHECK(h.judged == 3);
  CHECK(h.deflected == 2);
  REQUIRE(h.deflection_rate);
  CHECK(*h.deflection_rate == Approx(2.0 / 3));
  CHECK(h.helpful == 2);
  CHECK(h.not_helpful == 1);
  REQUIRE(h.articles.size() == 3);
  CHECK(h.articles[0].article_id == "reset-2fa");
  CHECK(h.articles[0].opened == 3);
  CHECK(h.articles[0].deflected == 1);
  CHECK(h.articles[0].helpful == 1);
  CHECK(h.articles[0].not_helpful == 1);
  CHECK(h.articles[1].article_id == "withdrawal-delays");
  CHECK(h.articles[1].deflected == 1);
  CHECK(h.articles[2].article_id == "fees");
  CHECK(h.articles[2].opened == 0);
  CHECK(h.articles[2].helpful == 1);
  // Nothing judged: no rate, not zero.
  CHECK_FALSE(reports::compute_help({}, {}, t).deflection_rate);
}
