// E-mail in without a server: what a mail says once read (GMime), which part
// of a reply is new, which mail is automatic (loop protection), how a mail is
// threaded onto a ticket and what it does there.
#include "mail/inbound.hpp"
#include "tickets/tickets.hpp"

#include <catch2/catch.hpp>

using namespace parley;
namespace tv1 = parley::desk::v1;

namespace {

const mail::Identity identity{"Support", "support@example.com", "k3y"};

std::string mail_of(const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
  std::string out;
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  return out + "\r\n" + body;
}

tickets::Record ticket(tv1::TicketStatus status = tv1::TICKET_STATUS_PENDING) {
  tickets::Record t;
  t.set_id("t_1");
  t.set_number(1042);
  t.set_status(status);
  t.mutable_requester()->set_email("Li@Example.com");
  t.set_last_seq(2);
  return t;
}

tickets::IncomingMail incoming(const std::string& from = "li@example.com") {
  tickets::IncomingMail m;
  m.from_address = from;
  m.subject = "Re: [#1042]";
  m.text = "Here is the transaction id";
  m.message_id = "abc@mail.example.com";
  m.inbox_id = "in_1";
  m.locale = "en";
  return m;
}

}  // namespace

TEST_CASE("mail in: the new part of a reply is kept, the quoted history is cut") {
  struct Case {
    const char* what;
    std::string text, expected;
  };
  const std::vector<Case> cases{
      {"our marker", "Thanks, it arrived.\n\n##- Please type your reply above this line -##\nWe received...", "Thanks, it arrived."},
      {"our Chinese marker, quoted", "已收到\n> ##- 请在此行上方输入回复 -##\n> 我们已收到", "已收到"},
      {"Gmail", "Yes.\n\nOn Mon, 7 Dec 2026 at 10:00, Support <support@example.com> wrote:\n> old", "Yes."},
      {"Chinese client", "好的\n\n在 2026年12月7日 10:00，客服 写道：\n> 旧", "好的"},
      {"Traditional Chinese client", "好的\n於 2026年12月7日 寫道：\n> 舊", "好的"},
      {"Outlook", "See attached.\n\n-----Original Message-----\nFrom: Support", "See attached."},
      {"Outlook rule", "See attached.\n________________________________\nFrom: Support", "See attached."},
      {"QQ Mail", "收到\n------------------ 原始邮件 ------------------\n发件人: 客服", "收到"},
      {"trailing quote only", "Fine.\n> earlier text\n> more", "Fine."},
      {"CRLF", "Line one\r\nLine two\r\n\r\nOn Tue wrote:\r\n> x", "Line one\nLine two"},
      {"nothing new: the whole text stays", "> only a quote", "> only a quote"},
      {"no history", "Just a message.", "Just a message."},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    CHECK(mail::new_part(c.text) == c.expected);
  }
}

TEST_CASE("mail in: a mail is read with its sender, references, charset and attachments") {
  const auto raw = mail_of({{"From", "=?UTF-8?B?5p2O5Lyf?= <li@example.com>"},
                            {"To", "support+t1042.x@example.com"},
                            {"Subject", "=?GB2312?B?s+TWtQ==?="},
                            {"Message-ID", "<m1@example.com>"},
                            {"In-Reply-To", "<m_aa@example.com>"},
                            {"References", "<first@example.com> <m_aa@example.com> <x@y>"},
                            {"MIME-Version", "1.0"},
                            {"Content-Type", "multipart/alternative; boundary=b"}},
                           "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<style>p{}</style><p>Hello &amp; thanks</p><p>Line&nbsp;2</p>\r\n--b--\r\n");
  const auto in = mail::parse(identity, raw, "li@example.com");
  CHECK(in.mail.from_address == "li@example.com");
  CHECK(in.mail.from_name == "李伟");
  CHECK(in.mail.subject == "充值");
  CHECK(in.mail.message_id == "m1@example.com");
  CHECK(in.mail.text == "Hello & thanks\nLine 2");  // from the HTML part, there being no plain one
  CHECK(in.mail.locale == "zh-CN");
  CHECK(in.mail.automatic.empty());
  // In-Reply-To first, then References from the newest, each once.
  CHECK(in.references == std::vector<std::string>{"m_aa@example.com", "x@y", "first@example.com"});
  // Our own mails among them become outbox ids; others stay references only.
  const auto r = mail::received(identity, in, {"support@example.com"}, raw, "in_1", 5);
  CHECK(r.sent_mail_ids == std::vector<std::string>{"m_aa"});
  CHECK_FALSE(r.ticket_number);

  // No Message-ID: one is made from the content, the same for the same mail.
  const auto bare = mail_of({{"From", "li@example.com"}}, "hi");
  CHECK(mail::parse(identity, bare, "li@example.com").mail.message_id == mail::parse(identity, bare, "x@example.com").mail.message_id);
  CHECK(mail::parse(identity, bare, "li@example.com").mail.message_id != mail::parse(identity, bare + "!", "li@example.com").mail.message_id);
  // A very long mail keeps the first 10 000 characters and says so.
  const auto long_text = mail::parse(identity, mail_of({{"From", "li@example.com"}}, std::string(20'000, 'a')), "li@example.com");
  CHECK(long_text.mail.text.size() <= tickets::max_text_chars * 3);
  CHECK_THAT(long_text.mail.text, Catch::EndsWith("[… cut here; the whole mail is kept as received]"));
  // Garbage is not a crash.
  CHECK_NOTHROW(mail::parse(identity, std::string("\0\xff\xfe\r\n\r\n--", 8), ""));
}

TEST_CASE("mail in: the signed reply address among the recipients names the ticket, a forged one names nothing") {
  tickets::Record t;
  t.set_number(1042);
  const auto good = mail::reply_address(identity, t);
  const auto in = mail::parse(identity, mail_of({{"From", "li@example.com"}}, "x"), "li@example.com");
  CHECK(mail::received(identity, in, {"other@example.com", good}, "", "in", 0).ticket_number == 1042u);
  for (const auto* forged : {"support+t1042.000000000000@example.com", "support+t1043.x@example.com", "support@example.com"}) {
    INFO(forged);
    CHECK_FALSE(mail::received(identity, in, {forged}, "", "in", 0).ticket_number);
  }
  const mail::Identity other_key{"Support", "support@example.com", "another key"};
  CHECK_FALSE(mail::received(other_key, in, {good}, "", "in", 0).ticket_number);
}

TEST_CASE("mail in: automatic mail is recognised (RFC 3834 and the habits of real mail systems)") {
  struct Case {
    const char* what;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string envelope;
    bool automatic;
  };
  const std::vector<Case> cases{
      {"a person", {{"From", "li@example.com"}}, "li@example.com", false},
      {"Auto-Submitted: no", {{"From", "li@example.com"}, {"Auto-Submitted", "no"}}, "li@example.com", false},
      {"Auto-Submitted: auto-replied", {{"From", "li@example.com"}, {"Auto-Submitted", "auto-replied"}}, "li@example.com", true},
      {"Auto-Submitted: auto-generated", {{"From", "li@example.com"}, {"Auto-Submitted", "auto-generated"}}, "li@example.com", true},
      {"X-Autoreply", {{"From", "li@example.com"}, {"X-Autoreply", "yes"}}, "li@example.com", true},
      {"X-Autorespond", {{"From", "li@example.com"}, {"X-Autorespond", "x"}}, "li@example.com", true},
      {"X-Auto-Response-Suppress", {{"From", "li@example.com"}, {"X-Auto-Response-Suppress", "All"}}, "li@example.com", true},
      {"Precedence: bulk", {{"From", "li@example.com"}, {"Precedence", "bulk"}}, "li@example.com", true},
      {"Precedence: junk", {{"From", "li@example.com"}, {"Precedence", "junk"}}, "li@example.com", true},
      {"Precedence: list", {{"From", "li@example.com"}, {"Precedence", "list"}}, "li@example.com", true},
      {"List-Id", {{"From", "li@example.com"}, {"List-Id", "<l.example.com>"}}, "li@example.com", true},
      {"List-Unsubscribe", {{"From", "li@example.com"}, {"List-Unsubscribe", "<mailto:u@example.com>"}}, "li@example.com", true},
      {"empty envelope sender", {{"From", "li@example.com"}}, "", true},
      {"MAILER-DAEMON", {{"From", "Mail Delivery System <MAILER-DAEMON@mx.example.com>"}}, "x@example.com", true},
      {"postmaster", {{"From", "postmaster@example.com"}}, "x@example.com", true},
      {"our address", {{"From", "support@example.com"}}, "support@example.com", true},
      {"our reply address", {{"From", "support+t1042.aaaaaaaaaaaa@EXAMPLE.com"}}, "x@example.com", true},
      {"a colleague at our domain", {{"From", "supporter@example.com"}}, "supporter@example.com", false},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    const auto in = mail::parse(identity, mail_of(c.headers, "text"), c.envelope);
    CHECK(in.mail.automatic.empty() == !c.automatic);
  }
  const auto report = mail_of({{"From", "x@example.com"}, {"Content-Type", "multipart/report; report-type=delivery-status; boundary=z"}},
                              "--z\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--z--\r\n");
  CHECK_THAT(mail::parse(identity, report, "x@example.com").mail.automatic, Catch::StartsWith("bounce"));
}

TEST_CASE("mail in: what a mail does on its ticket") {
  tickets::Context c;
  c.ticket = ticket();
  c.next_number = 1050;

  SECTION("on the ticket its reply address names, from any sender: added, reopened, nothing sent") {
    auto m = incoming("someone.else@example.org");
    m.attachments.emplace_back().set_file_name("a.png");
    const auto d = tickets::decide_mail(m, c, 100, 200, "m_ack", std::string(40, 'a'));
    REQUIRE(d.outcome == tickets::Outcome::done);
    CHECK(d.put->id() == "t_1");
    CHECK(d.put->status() == tv1::TICKET_STATUS_OPEN);
    CHECK(d.put->last_seq() == 3);
    REQUIRE(d.append.size() == 1);
    CHECK(d.append[0].channel() == tv1::TICKET_CHANNEL_EMAIL);
    CHECK(d.append[0].mail_message_id() == "abc@mail.example.com");
    CHECK(d.append[0].inbox_id() == "in_1");
    CHECK(d.append[0].attachments_size() == 1);
    CHECK(d.mails.empty());
  }
  SECTION("found by References: joins only when the sender is the requester (any case)") {
    c.by_reference = true;
    auto d = tickets::decide_mail(incoming("LI@example.COM"), c, 100, 200, "m_ack", std::string(40, 'a'));
    CHECK(d.put->id() == "t_1");
    d = tickets::decide_mail(incoming("mallory@example.net"), c, 100, 200, "m_ack", std::string(40, 'a'));
    REQUIRE(d.outcome == tickets::Outcome::done);
    CHECK(d.put->id() != "t_1");
    CHECK(d.put->number() == 1050);
    CHECK(d.put->requester().email() == "mallory@example.net");
    CHECK(d.mails.size() == 1);  // acknowledged
    REQUIRE(d.put->notes_size() == 1);
    CHECK_THAT(d.put->notes(0).text(), Catch::Contains("#1042"));
  }
  SECTION("on a closed ticket: a new ticket that says which one it follows") {
    c.ticket = ticket(tv1::TICKET_STATUS_CLOSED);
    const auto d = tickets::decide_mail(incoming(), c, 100, 200, "m_ack", std::string(40, 'a'));
    REQUIRE(d.outcome == tickets::Outcome::done);
    CHECK(d.put->number() == 1050);
    CHECK(d.put->due_ms() == 200);
    CHECK(d.put->channel() == tv1::TICKET_CHANNEL_EMAIL);
    CHECK_THAT(d.put->notes(0).text(), Catch::Contains("closed"));
  }
  SECTION("automatic mail: kept, never answered, on no ticket") {
    auto m = incoming();
    m.automatic = "auto-reply (Auto-Submitted: auto-replied)";
    const auto d = tickets::decide_mail(m, c, 100, 200, "m_ack", std::string(40, 'a'));
    CHECK(d.outcome == tickets::Outcome::unchanged);
    CHECK_FALSE(d.put);
    CHECK(d.mails.empty());
  }
  SECTION("limits: a full thread, the open tickets of an address, a sender that cannot be answered") {
    auto full = ticket();
    full.set_last_seq(tickets::max_messages);
    c.ticket = full;
    CHECK(tickets::decide_mail(incoming(), c, 100, 200, "m", std::string(40, 'a')).outcome == tickets::Outcome::limit_reached);
    c.ticket.reset();
    c.open_of_requester = tickets::max_open_per_requester;
    CHECK(tickets::decide_mail(incoming(), c, 100, 200, "m", std::string(40, 'a')).outcome == tickets::Outcome::limit_reached);
    c.open_of_requester = 0;
    for (const auto* bad : {"", "nobody", "a@b", "li@example.com\r\nBcc: x@y.z"}) {
      INFO(bad);
      CHECK(tickets::decide_mail(incoming(bad), c, 100, 200, "m", std::string(40, 'a')).outcome == tickets::Outcome::invalid);
    }
  }
  SECTION("an empty mail with a file still makes a message") {
    c.ticket.reset();
    auto m = incoming();
    m.text = " ";
    m.attachments.emplace_back();
    const auto d = tickets::decide_mail(m, c, 100, 200, "m", std::string(40, 'a'));
    REQUIRE(d.outcome == tickets::Outcome::done);
    CHECK(d.append[0].text() == "(attachments only)");
  }
}
