// Tickets: reply-by deadlines over weekends and holidays, the rules of who may
// do what, limits, idempotency; reply addresses and the composed mail.
#include "hours/business_hours.hpp"
#include "mail/mail.hpp"
#include "mail/mailer.hpp"
#include "tickets/tickets.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <catch2/catch.hpp>
#include <gmime/gmime.h>

using namespace parley;
namespace tv1 = parley::desk::v1;

namespace {

std::int64_t local(const char* zone, int y, unsigned m, unsigned d, int hh, int mm = 0) {
  using namespace std::chrono;
  const auto day = date::local_days{date::year{y} / date::month{m} / date::day{d}};
  const auto t = date::locate_zone(zone)->to_sys(day + std::chrono::hours(hh) + std::chrono::minutes(mm), date::choose::earliest);
  return duration_cast<milliseconds>(t.time_since_epoch()).count();
}
std::int64_t sh(int y, unsigned m, unsigned d, int hh, int mm = 0) { return local("Asia/Shanghai", y, m, d, hh, mm); }

constexpr std::int64_t hour_ms = 3'600'000;

// Mon-Fri 09:00-18:00 in Shanghai, 2026-12-25 a holiday; policy as given.
hours::BusinessHours office(const std::string& reply_within = "") {
  return hours::BusinessHours::parse(R"({"default": {"time_zone": "Asia/Shanghai",
      "weekly": {"mon": ["09:00-18:00"], "tue": ["09:00-18:00"], "wed": ["09:00-18:00"], "thu": ["09:00-18:00"], "fri": ["09:00-18:00"]},
      "holidays": {"2026-12-25": []})" + reply_within + "}}");
}

tickets::NewRequest request(const std::string& token = std::string(40, 'a')) {
  tickets::NewRequest r;
  r.token = token;
  r.category = v1::CATEGORY_DEPOSIT;
  r.subject = "Deposit not credited";
  r.text = "My deposit of 0.5 BTC has not arrived";
  r.transaction_id = "0xabc";
  r.requester.set_email("li@example.com");
  r.requester.set_name("Li");
  return r;
}

tickets::Record opened(const tickets::NewRequest& r = request()) {
  auto d = tickets::decide_open(r, {}, 1000, 5000, "m_1");
  REQUIRE(d.outcome == tickets::Outcome::done);
  return *d.put;
}

tickets::Context with(const tickets::Record& t) {
  tickets::Context c;
  c.ticket = t;
  return c;
}

tickets::StaffChange change(tickets::Action action, std::string text = "", std::string client_id = "",
                            tickets::Status status = tv1::TICKET_STATUS_UNSPECIFIED) {
  tickets::StaffChange c;
  c.action = action;
  c.text = std::move(text);
  c.client_message_id = std::move(client_id);
  c.status = status;
  return c;
}

const tickets::Staff alice{"alice", "Alice", v1::ROLE_AGENT};
const tickets::Staff bob{"bob", "Bob", v1::ROLE_AGENT};
const tickets::Staff tina{"tina", "Tina", v1::ROLE_TIER2};
const tickets::Staff sam{"sam", "Sam", v1::ROLE_SUPERVISOR};

}  // namespace

TEST_CASE("tickets: a reply-by deadline of 24 hours that lands in open time stays") {
  const auto h = office();
  // Tuesday 10:00 -> Wednesday 10:00, open.
  CHECK(h.reply_by("deposit", sh(2026, 12, 1, 10)) == sh(2026, 12, 2, 10));
}

TEST_CASE("tickets: a deadline that lands while closed moves to the end of the last whole window, or first thing next") {
  const auto h = office();
  // Tuesday 20:00 -> Wednesday 20:00 is closed; Wednesday's window opened after the request: due Wednesday 18:00.
  CHECK(h.reply_by("deposit", sh(2026, 12, 2, 20) - 24 * hour_ms) == sh(2026, 12, 2, 18));
  // Friday 17:00 -> Saturday 17:00 closed; no whole window since: first thing Monday (09:00 + 2 h).
  CHECK(h.reply_by("deposit", sh(2026, 12, 4, 17)) == sh(2026, 12, 7, 11));
  // Weekend requests are due on Monday, before Monday's own requests.
  const auto saturday = h.reply_by("deposit", sh(2026, 12, 5, 10));
  const auto sunday = h.reply_by("deposit", sh(2026, 12, 6, 23));
  const auto monday = h.reply_by("deposit", sh(2026, 12, 7, 9, 30));
  CHECK(saturday == sh(2026, 12, 7, 11));
  // Sunday night: Monday's whole window comes before the 24 hours end, so by Monday's close.
  CHECK(sunday == sh(2026, 12, 7, 18));
  CHECK(h.reply_by("deposit", sh(2026, 12, 6, 8)) == sh(2026, 12, 7, 11));
  CHECK(monday > sunday);
  // Thursday 2026-12-24 12:00 -> Friday 12:00 is a holiday; Thursday's window began before: first thing Monday 28th.
  CHECK(h.reply_by("deposit", sh(2026, 12, 24, 12)) == sh(2026, 12, 28, 11));
}

TEST_CASE("tickets: a deadline counted in business hours skips nights, weekends and holidays") {
  const auto h = office(R"(, "reply_within": {"hours": 8, "business_hours": true})");
  // Friday 16:00 + 8 open hours: 2 on Friday, 6 on Monday -> Monday 15:00.
  CHECK(h.reply_by("deposit", sh(2026, 12, 4, 16)) == sh(2026, 12, 7, 15));
  // Saturday: all 8 hours on Monday -> Monday 17:00.
  CHECK(h.reply_by("refund", sh(2026, 12, 5, 10)) == sh(2026, 12, 7, 17));
  // Across the holiday: Thursday 24th 17:00 + 8 h -> 1 h Thursday, 7 h Monday 28th -> 16:00.
  CHECK(h.reply_by("deposit", sh(2026, 12, 24, 17)) == sh(2026, 12, 28, 16));
}

TEST_CASE("tickets: without hours the deadline is the calendar one, and a bad policy is refused with its place") {
  CHECK(hours::BusinessHours().reply_by("deposit", 1000) == 1000 + 24 * hour_ms);
  for (const char* bad : {R"(, "reply_within": {"hours": -1})", R"(, "reply_within": {"hours": "24"})",
                          R"(, "reply_within": {"hours": 0})", R"(, "reply_within": {"business": true})",
                          R"(, "reply_within": {"business_hours": 1})", R"(, "reply_within": [])"}) {
    INFO(bad);
    CHECK_THROWS_WITH(office(bad), Catch::Contains("default.reply_within"));
  }
}

TEST_CASE("tickets: a request is refused with the field at fault") {
  struct Case {
    const char* what;
    std::function<void(tickets::NewRequest&)> spoil;
    const char* field;
  };
  const std::vector<Case> cases{
      {"short token", [](auto& r) { r.token = "abc"; }, "token"},
      {"token with a slash", [](auto& r) { r.token = std::string(39, 'a') + "/"; }, "token"},
      {"long token", [](auto& r) { r.token = std::string(129, 'a'); }, "token"},
      {"no e-mail", [](auto& r) { r.requester.set_email(""); }, "email"},
      {"no at", [](auto& r) { r.requester.set_email("li.example.com"); }, "email"},
      {"two ats", [](auto& r) { r.requester.set_email("li@x@example.com"); }, "email"},
      {"header injection", [](auto& r) { r.requester.set_email("li@example.com\r\nBcc: all@example.com"); }, "email"},
      {"a second address", [](auto& r) { r.requester.set_email("li@example.com, eve@example.com"); }, "email"},
      {"no domain dot", [](auto& r) { r.requester.set_email("li@localhost"); }, "email"},
      {"blank text", [](auto& r) { r.text = " \u200b\n"; }, "text"},
      {"long text", [](auto& r) { r.text = std::string(tickets::max_text_chars + 1, 'x'); }, "text"},
      {"long subject", [](auto& r) { r.subject = std::string(201, 'x'); }, "subject"},
      {"long transaction id", [](auto& r) { r.transaction_id = std::string(129, 'x'); }, "transaction_id"},
      {"unknown category", [](auto& r) { r.category = static_cast<v1::Category>(99); }, "category"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto r = request();
    c.spoil(r);
    auto d = tickets::decide_open(r, {}, 1000, 2000, "m_1");
    CHECK(d.outcome == tickets::Outcome::invalid);
    CHECK_THAT(d.message, Catch::StartsWith(c.field));
    CHECK_FALSE(d.put);
    CHECK(d.mails.empty());
  }
}

TEST_CASE("tickets: a new request is a ticket with its first message and an acknowledgement mail, a resend is the same ticket") {
  const auto r = request();
  tickets::Context c;
  c.next_number = 1042;
  auto d = tickets::decide_open(r, c, 1000, 5000, "m_1");
  REQUIRE(d.outcome == tickets::Outcome::done);
  CHECK(d.put->id() == tickets::id_for_token(r.token));
  CHECK(d.put->number() == 1042);
  CHECK(d.put->status() == tv1::TICKET_STATUS_OPEN);
  CHECK(d.put->due_ms() == 5000);
  CHECK(d.put->requester_token_hash() != r.token);
  REQUIRE(d.append.size() == 1);
  CHECK(d.append[0].text() == r.text);
  REQUIRE(d.mails.size() == 1);
  CHECK(d.mails[0].kind() == tickets::Mail::KIND_ACKNOWLEDGEMENT);
  CHECK(d.mails[0].to() == "li@example.com");

  auto again = tickets::decide_open(r, with(*d.put), 2000, 6000, "m_2");
  CHECK(again.outcome == tickets::Outcome::unchanged);
  CHECK(again.mails.empty());
  // Someone else's secret that happens to name the same id is not let in.
  auto other = r;
  other.token = std::string(40, 'b');
  auto stolen = tickets::decide_open(other, with(*d.put), 2000, 6000, "m_2");
  CHECK(stolen.outcome == tickets::Outcome::forbidden);
}

TEST_CASE("tickets: at most 20 open requests per address") {
  tickets::Context c;
  c.open_of_requester = tickets::max_open_per_requester;
  CHECK(tickets::decide_open(request(), c, 1000, 2000, "m").outcome == tickets::Outcome::limit_reached);
  c.open_of_requester = tickets::max_open_per_requester - 1;
  CHECK(tickets::decide_open(request(), c, 1000, 2000, "m").outcome == tickets::Outcome::done);
}

TEST_CASE("tickets: claiming: one owner, a second agent is told who has it, supervisors take it over") {
  const auto t = opened();
  auto mine = tickets::decide_staff(alice, change(tickets::Action::claim), with(t), 2000, "m");
  REQUIRE(mine.outcome == tickets::Outcome::done);
  CHECK(mine.put->owner_id() == "alice");
  auto second = tickets::decide_staff(bob, change(tickets::Action::claim), with(*mine.put), 2100, "m");
  CHECK(second.outcome == tickets::Outcome::wrong_state);
  CHECK_THAT(second.message, Catch::Contains("Alice"));
  CHECK(tickets::decide_staff(alice, change(tickets::Action::claim), with(*mine.put), 2100, "m").outcome == tickets::Outcome::unchanged);
  auto taken = tickets::decide_staff(sam, change(tickets::Action::claim), with(*mine.put), 2200, "m");
  CHECK(taken.put->owner_id() == "sam");
}

TEST_CASE("tickets: a reply is stored with its mail, sets pending and the first response, a resend is stored once") {
  const auto t = opened();
  auto reply = change(tickets::Action::reply, "Your deposit is credited.", "r1");
  auto d = tickets::decide_staff(alice, reply, with(t), 3000, "m_2");
  REQUIRE(d.outcome == tickets::Outcome::done);
  CHECK(d.put->status() == tv1::TICKET_STATUS_PENDING);
  CHECK(d.put->first_response_ms() == 3000);
  CHECK(d.put->owner_id() == "alice");  // an unowned ticket is claimed by replying
  REQUIRE(d.append.size() == 1);
  CHECK(d.append[0].seq() == 2);
  CHECK(d.append[0].author_name() == "Alice");
  REQUIRE(d.mails.size() == 1);
  CHECK(d.mails[0].seq() == 2);
  CHECK(d.mails[0].kind() == tickets::Mail::KIND_REPLY);

  auto c = with(*d.put);
  c.messages = d.append;
  auto again = tickets::decide_staff(alice, reply, c, 3100, "m_3");
  CHECK(again.outcome == tickets::Outcome::unchanged);
  CHECK(again.mails.empty());
  // Bob may not answer Alice's ticket; a supervisor may.
  auto other = change(tickets::Action::reply, "Hello", "r2");
  CHECK(tickets::decide_staff(bob, other, c, 3200, "m").outcome == tickets::Outcome::forbidden);
  CHECK(tickets::decide_staff(sam, other, c, 3200, "m").outcome == tickets::Outcome::done);
}

TEST_CASE("tickets: the requester's follow-up reopens it, a closed ticket takes no more, their secret is checked") {
  const auto r = request();
  const auto t = opened(r);
  auto solved = tickets::decide_staff(alice, change(tickets::Action::reply, "Done", "r1", tv1::TICKET_STATUS_SOLVED), with(t), 3000, "m");
  REQUIRE(solved.put->status() == tv1::TICKET_STATUS_SOLVED);
  auto back = tickets::decide_requester_message(r.token, "It is still missing", "c2", with(*solved.put), 4000);
  REQUIRE(back.outcome == tickets::Outcome::done);
  CHECK(back.put->status() == tv1::TICKET_STATUS_OPEN);
  CHECK(back.mails.empty());
  CHECK(tickets::decide_requester_message(std::string(40, 'z'), "hi", "c3", with(*back.put), 4100).outcome ==
        tickets::Outcome::not_found);
  auto closed = tickets::decide_staff(alice, change(tickets::Action::set_status, "", "", tv1::TICKET_STATUS_CLOSED), with(*back.put), 5000, "m");
  REQUIRE(closed.outcome == tickets::Outcome::done);
  CHECK(tickets::decide_requester_message(r.token, "again", "c4", with(*closed.put), 6000).outcome == tickets::Outcome::wrong_state);
  CHECK(tickets::decide_staff(alice, change(tickets::Action::reply, "x", "r9"), with(*closed.put), 6000, "m").outcome ==
        tickets::Outcome::wrong_state);
}

TEST_CASE("tickets: tier-2 tickets are seen by tier 2 and supervisors only, notes and assignment follow the roles") {
  auto t = opened();
  t.set_tier(2);
  CHECK_FALSE(tickets::visible_to(alice, t));
  CHECK(tickets::visible_to(tina, t));
  CHECK(tickets::visible_to(sam, t));
  CHECK(tickets::decide_staff(alice, change(tickets::Action::note, "x"), with(t), 1, "m").outcome == tickets::Outcome::not_found);
  auto note = tickets::decide_staff(tina, change(tickets::Action::note, "Checked the chain: 3 confirmations"), with(t), 1, "m");
  REQUIRE(note.outcome == tickets::Outcome::done);
  CHECK(note.put->notes_size() == 1);
  CHECK(note.mails.empty());
  auto assign = change(tickets::Action::assign);
  assign.to_id = "tina";
  assign.to_name = "Tina";
  CHECK(tickets::decide_staff(tina, assign, with(t), 1, "m").outcome == tickets::Outcome::forbidden);
  CHECK(tickets::decide_staff(sam, assign, with(t), 1, "m").put->owner_id() == "tina");
}

TEST_CASE("tickets: urgency: breached past the deadline, due soon within two hours, none once answered") {
  auto t = opened();
  t.set_due_ms(10 * hour_ms);
  CHECK(tickets::urgency(t, 7 * hour_ms) == tickets::Urgency::none);
  CHECK(tickets::urgency(t, 9 * hour_ms) == tickets::Urgency::due_soon);
  CHECK(tickets::urgency(t, 10 * hour_ms) == tickets::Urgency::breached);
  t.set_status(tv1::TICKET_STATUS_PENDING);
  CHECK(tickets::urgency(t, 11 * hour_ms) == tickets::Urgency::none);
}

TEST_CASE("mail: the reply address names the ticket and is refused when forged") {
  const mail::Identity id{"Support", "support@example.com", "k3y"};
  auto t = opened();
  t.set_number(1042);
  const auto address = mail::reply_address(id, t);
  CHECK_THAT(address, Catch::StartsWith("support+t1042.") && Catch::EndsWith("@example.com"));
  CHECK(mail::ticket_of_reply_address(id, address) == std::optional<std::uint64_t>(1042));
  auto forged = address;
  forged.replace(forged.find("1042"), 4, "1043");
  for (const auto& bad : {forged, std::string("support@example.com"), std::string("support+t1042@example.com"),
                          std::string("support+t.abc@example.com"), std::string("support+tx1.abc@example.com")}) {
    INFO(bad);
    CHECK_FALSE(mail::ticket_of_reply_address(id, bad));
  }
  CHECK_FALSE(mail::ticket_of_reply_address({"Support", "support@example.com", "other key"}, address));
}

TEST_CASE("mail: an agent's reply in Chinese is a multipart mail that threads on what was sent before") {
  const mail::Identity id{"Support", "support@example.com", "k3y"};
  store::RecordStore::MailJob job;
  auto& t = job.thread.ticket;
  t = opened();
  t.mutable_requester()->set_locale("zh-CN");
  t.mutable_requester()->set_time_zone("Asia/Shanghai");
  t.set_subject("充值未到账");
  tickets::Mail ack;
  ack.set_id("m_ack");
  ack.set_status(tickets::Mail::STATUS_SENT);
  ack.set_message_id("m_ack@example.com");
  job.thread.mails.push_back(ack);
  tickets::Message m;
  m.set_seq(2);
  m.set_author_name("Alice");
  m.set_text("您的充值已到账。");
  job.thread.messages.push_back(m);
  job.mail.set_id("m_reply");
  job.mail.set_kind(tickets::Mail::KIND_REPLY);
  job.mail.set_seq(2);
  job.mail.set_to("li@example.com");
  const auto text = mail::compose(id, job, 1'800'000'000'000);
  CHECK_THAT(text, Catch::Contains("Message-Id: <m_reply@example.com>"));
  CHECK_THAT(text, Catch::Contains("In-Reply-To: <m_ack@example.com>"));
  CHECK_THAT(text, Catch::Contains("Reply-To: Support <support+t"));
  CHECK_THAT(text, Catch::Contains("multipart/alternative"));
  CHECK_THAT(text, Catch::Contains("text/plain; charset=utf-8"));
  CHECK_THAT(text, Catch::Contains("text/html; charset=utf-8"));
  CHECK_THAT(text, !Catch::Contains("Auto-Submitted"));  // a person wrote it
  CHECK_THAT(text, Catch::Contains("\r\n"));
  job.mail.set_seq(7);  // no such message
  CHECK_THROWS(mail::compose(id, job, 1'800'000'000'000));
}

TEST_CASE("mail: times in the requester's zone, retries that back off to an hour") {
  CHECK(mail::local_time(sh(2026, 12, 7, 11), "Asia/Shanghai") == "2026-12-07 11:00 (CST)");
  CHECK(mail::local_time(sh(2026, 12, 7, 11), "") == "2026-12-07 03:00 (UTC)");
  CHECK(mail::local_time(sh(2026, 12, 7, 11), "Not/AZone") == "2026-12-07 03:00 (UTC)");
  const mail::MailerSettings s;
  CHECK(mail::Mailer::backoff(s, 1) == std::chrono::seconds(30));
  CHECK(mail::Mailer::backoff(s, 2) == std::chrono::seconds(60));
  CHECK(mail::Mailer::backoff(s, 8) == std::chrono::hours(1));
  CHECK(mail::Mailer::backoff(s, 40) == std::chrono::hours(1));
}

namespace {
// The decoded plain-text part and subject of a composed mail, as a mail client shows them.
std::pair<std::string, std::string> read_mail(const std::string& raw) {
  std::unique_ptr<GMimeStream, void (*)(gpointer)> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()), g_object_unref);
  std::unique_ptr<GMimeParser, void (*)(gpointer)> parser(g_mime_parser_new_with_stream(stream.get()), g_object_unref);
  std::unique_ptr<GMimeMessage, void (*)(gpointer)> message(g_mime_parser_construct_message(parser.get(), nullptr), g_object_unref);
  REQUIRE(message);
  std::string text;
  auto* body = g_mime_message_get_body(message.get());
  if (GMIME_IS_MULTIPART(body)) body = g_mime_multipart_get_part(GMIME_MULTIPART(body), 0);
  REQUIRE(GMIME_IS_TEXT_PART(body));
  char* plain = g_mime_text_part_get_text(GMIME_TEXT_PART(body));
  text = plain ? plain : "";
  g_free(plain);
  const char* subject = g_mime_message_get_subject(message.get());
  return {subject ? subject : "", text};
}
}  // namespace

TEST_CASE("mail: a chat's transcript in the reader's language and zone, to the support address, marked automatic") {
  const mail::Identity id{"Support", "support@example.com", "k3y"};
  store::RecordStore::MailJob job;
  job.chat.emplace();
  auto& info = *job.chat->record.mutable_info();
  info.set_visitor_name("王芳");
  info.set_created_ms(sh(2026, 12, 7, 11));
  auto say = [&](v1::Role role, const std::string& name, const std::string& text, std::int64_t at, bool system = false) {
    auto& m = job.chat->messages.emplace_back();
    m.set_sender_role(role);
    m.set_sender_name(name);
    m.set_text(text);
    m.set_server_time_ms(at);
    m.set_system(system);
  };
  say(v1::ROLE_VISITOR, "王芳", "我的充值没有到账", sh(2026, 12, 7, 11));
  say(v1::ROLE_UNSPECIFIED, "Parley", "Alice joined the chat.", sh(2026, 12, 7, 11) + 60'000, true);
  say(v1::ROLE_AGENT, "Alice", "已为您查到，已经到账。", sh(2026, 12, 7, 11) + 120'000);
  job.mail.set_id("m_t1");
  job.mail.set_kind(tickets::Mail::KIND_TRANSCRIPT);
  job.mail.set_conversation_id("c_1");
  job.mail.set_to("wang@example.com");
  job.mail.set_locale("zh-CN");
  job.mail.set_time_zone("Asia/Shanghai");
  auto raw = mail::compose(id, job, 1'800'000'000'000);
  CHECK_THAT(raw, Catch::Contains("Auto-Submitted: auto-generated"));
  CHECK_THAT(raw, Catch::Contains("Reply-To: Support <support@example.com>"));  // a reply is a new request
  CHECK_THAT(raw, !Catch::Contains("X-Parley-Ticket"));
  auto [subject, text] = read_mail(raw);
  CHECK(subject == "您与Support的会话记录（2026-12-07 11:00 (CST)）");
  CHECK_THAT(text, Catch::Contains("[11:00] 您: 我的充值没有到账"));
  CHECK_THAT(text, Catch::Contains("[11:02] Alice: 已为您查到，已经到账。"));
  CHECK_THAT(text, !Catch::Contains("joined the chat"));  // English notices are left out of a Chinese mail
  CHECK_THAT(text, Catch::Contains("助记词"));              // the warning every mail carries

  job.mail.set_locale("en");
  job.mail.set_time_zone("Europe/London");
  std::tie(subject, text) = read_mail(mail::compose(id, job, 1'800'000'000'000));
  CHECK(subject == "Your chat with Support on 2026-12-07 03:00 (GMT)");
  CHECK_THAT(text, Catch::Contains("[03:00] You: 我的充值没有到账"));
  CHECK_THAT(text, Catch::Contains("[03:01] Alice joined the chat."));
  CHECK_THAT(text, Catch::Contains("recovery phrase"));
  // A transcript mail without its chat cannot be composed (the mailer marks it failed).
  job.chat.reset();
  CHECK_THROWS(mail::compose(id, job, 1'800'000'000'000));
}

TEST_CASE("tickets: a secret in a request, a reply or a note is masked before it is stored") {
  auto r = request();
  r.text = "my recovery phrase is legal winner thank year wave sausage worth useful legal winner thank yellow, is it safe?";
  r.subject = "password: hunter2hunter2";
  auto d = tickets::decide_open(r, {}, 1000, 5000, "m_1");
  REQUIRE(d.outcome == tickets::Outcome::done);
  REQUIRE(d.append.size() == 1);
  CHECK(d.append[0].text() == "my recovery phrase is [seed phrase removed], is it safe?");
  REQUIRE(d.append[0].masked_secrets_size() == 1);
  CHECK(d.append[0].masked_secrets(0) == "seed_phrase");
  CHECK(d.put->subject() == "password: [password removed]");
  tickets::Context c;
  c.ticket = *d.put;
  c.messages = d.append;
  const tickets::Staff alice{"alice", "Alice", v1::ROLE_AGENT};
  tickets::StaffChange note;
  note.action = tickets::Action::note;
  note.text = "customer sent privkey 0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d";
  auto noted = tickets::decide_staff(alice, note, c, 2000, "m_2");
  REQUIRE(noted.outcome == tickets::Outcome::done);
  CHECK(noted.put->notes(0).text() == "customer sent privkey [private key removed]");
}
