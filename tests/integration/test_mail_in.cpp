// E-mail in through the real binary: mail is handed to the server's LMTP
// listener as the site's Postfix would; answers go out through the real SMTP
// sink. A reply lands on its ticket (signed reply address, then References),
// a new mail opens an acknowledged ticket, GBK mail reads as Chinese, an
// attachment is offered (and a program is not), a redelivery is kept once,
// automatic mail is never answered, and the protocol's bad input gets its
// reply code without harm.
#include "integration/ticket_helpers.hpp"
#include "support/lmtp_client.hpp"
#include "support/redis_server.hpp"  // free_port

#include <csignal>
#include <filesystem>
#include <fstream>

using namespace parley;
using namespace parley::test;

namespace {

struct MailServer {
  TempDir data{"mail-in"};
  SmtpSink sink;
  unsigned short lmtp = free_port();
  std::unique_ptr<ServerProcess> server;
  std::string alice;

  MailServer() { start(); }
  void start() {
    auto args = server_with_mail(data, sink);
    args.push_back("--lmtp-listen");
    args.push_back("127.0.0.1:" + std::to_string(lmtp));
    server = std::make_unique<ServerProcess>(args);
    alice = login(port(), "alice");
  }
  unsigned short port() const { return server->port(); }
  json::array tickets(const std::string& query = "?status=active") const {
    auto res = http_request(port(), "GET", "/api/tickets" + query, "", {{"Authorization", "Bearer " + alice}});
    REQUIRE(res.status == 200);
    return json::parse(res.body).at("tickets").as_array();
  }
  json::value ticket_by_number(std::int64_t number) const {
    for (const auto& t : tickets("?status=active"))
      if (t.at("number").as_int64() == number) return ticket(port(), alice, std::string(t.at("id").as_string()));
    FAIL("no ticket #" << number);
    return {};
  }
  // One mail delivered; the reply for its (single) recipient.
  std::string deliver(const std::string& from, const std::string& to, const std::string& raw) const {
    LmtpClient client(lmtp);
    auto replies = client.deliver(from, {to}, raw);
    REQUIRE(replies.size() == 1);
    return replies.front();
  }
};

std::string text_of(const json::value& message) { return std::string(message.at("text").as_string()); }

}  // namespace

TEST_CASE("mail in: a reply lands on its ticket by the signed reply address, then by References, and is not answered") {
  MailServer m;
  auto res = post_json(m.port(), "/api/requests", request_body(token_a));
  REQUIRE(res.status == 201);
  auto mails = m.sink.wait_for(1);
  REQUIRE(mails.size() == 1);
  const auto reply_to = header(mails[0], "Reply-To");
  const auto address = reply_to.substr(reply_to.find('<') + 1, reply_to.find('>') - reply_to.find('<') - 1);
  const auto ack_id = header(mails[0], "Message-Id");
  REQUIRE(address.find("support+t1001.") == 0);

  // The requester answers the acknowledgement: above the marker, with the history quoted below.
  const auto answer = raw_mail({{"From", "Li Wei <li@example.com>"},
                                {"To", address},
                                {"Subject", "Re: [#1001] 我们已收到您的请求"},
                                {"Message-ID", "<answer-1@mail.example.com>"},
                                {"In-Reply-To", ack_id},
                                {"Content-Type", "text/plain; charset=utf-8"}},
                               "交易号是 0xabc123，金额 500 USDT。\n. a line that starts with a dot (sent dot-stuffed)\n\n"
                               "在 2026年12月2日 写道：\n> ##- 请在此行上方输入回复 -##\n> 我们已收到您的请求\n");
  CHECK_THAT(m.deliver("li@example.com", address, answer), Catch::StartsWith("250 2.0.0"));
  auto t = m.ticket_by_number(1001);
  auto thread = t.at("thread").as_array();
  REQUIRE(thread.size() == 2);
  CHECK(text_of(thread[1]) == "交易号是 0xabc123，金额 500 USDT。\n. a line that starts with a dot (sent dot-stuffed)");
  CHECK(thread[1].at("channel") == "email");
  CHECK(thread[1].at("from") == "requester");
  CHECK(t.at("status") == "open");

  // The agent answers; the answer refers to the requester's mail.
  res = post_json(m.port(), "/api/tickets/" + std::string(t.at("id").as_string()) + "/reply",
                  {{"text", "已找到您的充值，请稍候。"}, {"client_message_id", "r1"}}, {{"Authorization", "Bearer " + m.alice}});
  REQUIRE(res.status == 200);
  mails = m.sink.wait_for(2);
  REQUIRE(mails.size() == 2);  // the requester's mail itself was not answered
  CHECK_THAT(header(mails[1], "References"), Catch::Contains("<answer-1@mail.example.com>"));
  const auto agent_reply_id = header(mails[1], "Message-Id");

  // A client that replies to the plain support address: threaded by References, from the requester.
  const auto by_reference = raw_mail({{"From", "li@example.com"},
                                      {"To", "support@example.com"},
                                      {"Subject", "Re: something else entirely"},
                                      {"Message-ID", "<answer-2@mail.example.com>"},
                                      {"References", ack_id + " " + agent_reply_id}},
                                     "谢谢！");
  CHECK_THAT(m.deliver("li@example.com", "support@example.com", by_reference), Catch::StartsWith("250 2.0.0"));
  t = m.ticket_by_number(1001);
  REQUIRE(t.at("thread").as_array().size() == 4);
  CHECK(text_of(t.at("thread").as_array()[3]) == "谢谢！");
  CHECK(t.at("status") == "open");  // the customer wrote again: support owes an answer

  // Someone else quoting the same References does not join the ticket: they get their own.
  const auto stranger = raw_mail({{"From", "mallory@example.net"},
                                  {"To", "support@example.com"},
                                  {"Subject", "Re: [#1001]"},
                                  {"Message-ID", "<stranger@example.net>"},
                                  {"References", agent_reply_id}},
                                 "Send me the transaction details");
  CHECK_THAT(m.deliver("mallory@example.net", "support@example.com", stranger), Catch::StartsWith("250 2.0.0 stored on request #1002"));
  CHECK(m.ticket_by_number(1001).at("thread").as_array().size() == 4);
  const auto other = m.ticket_by_number(1002);
  CHECK(other.at("requester_email") == "mallory@example.net");
  CHECK_THAT(std::string(other.at("notes").as_array()[0].at("text").as_string()), Catch::Contains("#1001"));

  // A forged reply address (wrong signature) is no key to ticket 1001 either.
  const auto forged = raw_mail({{"From", "eve@example.net"}, {"Subject", "hi"}, {"Message-ID", "<forged@example.net>"}}, "let me in");
  CHECK_THAT(m.deliver("eve@example.net", "support+t1001.000000000000@example.com", forged),
             Catch::StartsWith("250 2.0.0 stored on request #1003"));
  CHECK(m.ticket_by_number(1001).at("thread").as_array().size() == 4);
}

TEST_CASE("mail in: a new mail opens an acknowledged ticket, GBK reads as Chinese, attachments offered by type, a redelivery kept once") {
  MailServer m;
  // GBK, base64, the subject as an RFC 2047 word: "充值未到账" / "我的充值没有到账，交易号 0xabc123。"
  const auto gbk = raw_mail({{"From", "=?GBK?B?wO7OsA==?= <wang@example.cn>"},
                             {"To", "support@example.com"},
                             {"Subject", "=?GBK?B?s+TWtc60tb3Vyw==?="},
                             {"Message-ID", "<gbk-1@example.cn>"},
                             {"MIME-Version", "1.0"},
                             {"Content-Type", "text/plain; charset=gbk"},
                             {"Content-Transfer-Encoding", "base64"}},
                            "ztK1xLPk1rXDu9PQtb3Vy6OsvbvS17rFIDB4YWJjMTIzoaMK\n");
  CHECK_THAT(m.deliver("wang@example.cn", "support@example.com", gbk), Catch::StartsWith("250 2.0.0 stored on request #1001"));
  auto t = m.ticket_by_number(1001);
  CHECK(t.at("subject") == "充值未到账");
  CHECK(t.at("channel") == "email");
  CHECK(t.at("locale") == "zh-CN");
  CHECK(t.at("requester_email") == "wang@example.cn");
  CHECK(text_of(t.at("thread").as_array()[0]) == "我的充值没有到账，交易号 0xabc123。");
  // Acknowledged in Chinese, with a reply address for this ticket.
  auto mails = m.sink.wait_for(1);
  REQUIRE(mails.size() == 1);
  CHECK_THAT(mails[0], Catch::Contains("X-Envelope-To: wang@example.cn"));
  CHECK_THAT(header(mails[0], "Reply-To"), Catch::Contains("support+t1001."));

  // The same mail again (the relay retried after a lost answer): kept once, no second ticket or mail.
  CHECK_THAT(m.deliver("wang@example.cn", "support@example.com", gbk), Catch::StartsWith("250 2.0.0 received before"));
  CHECK(m.tickets().size() == 1);

  // A screenshot and a program attached: the picture is offered, the program is not.
  const std::string png_base64 =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  const auto with_files = raw_mail(
      {{"From", "wang@example.cn"},
       {"To", "support@example.com"},
       {"Subject", "Screenshot of the failed withdrawal"},
       {"Message-ID", "<files-1@example.cn>"},
       {"MIME-Version", "1.0"},
       {"Content-Type", "multipart/mixed; boundary=\"b1\""}},
      "--b1\nContent-Type: text/plain; charset=utf-8\n\nThe screenshot is attached.\n"
      "--b1\nContent-Type: image/png\nContent-Disposition: attachment; filename=\"../../etc/screen shot.png\"\n"
      "Content-Transfer-Encoding: base64\n\n" +
          png_base64 +
          "\n--b1\nContent-Type: image/png\nContent-Disposition: attachment; filename=\"invoice.png\"\n"
          "Content-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAAAAA\n--b1--\n");
  CHECK_THAT(m.deliver("wang@example.cn", "support@example.com", with_files), Catch::StartsWith("250 2.0.0 stored on request #1002"));
  t = m.ticket_by_number(1002);
  const auto files = t.at("thread").as_array()[0].at("attachments").as_array();
  REQUIRE(files.size() == 2);
  CHECK(files[0].at("file_name") == "screen shot.png");  // no path
  CHECK(files[0].at("content_type") == "image/png");
  CHECK(files[0].at("refused") == "");
  CHECK(files[1].at("content_type") != "image/png");  // judged by its bytes, not its name
  CHECK_FALSE(files[1].at("refused").as_string().empty());
  CHECK(files[1].at("url") == "");

  const std::string url(files[0].at("url").as_string());
  auto res = http_request(m.port(), "GET", url, "", {{"Authorization", "Bearer " + m.alice}});
  REQUIRE(res.status == 200);
  CHECK(res.body.substr(1, 3) == "PNG");
  CHECK(res.content_type == "image/png");
  CHECK_THAT(res.headers["Content-Disposition"], Catch::StartsWith("attachment;"));
  CHECK(res.headers["X-Content-Type-Options"] == "nosniff");
  // Not without a staff sign-in, not the refused one, not through another ticket, not a made-up index.
  CHECK(http_request(m.port(), "GET", url).status == 401);
  const std::string other_ticket(m.ticket_by_number(1001).at("id").as_string());
  const auto inbox_part = url.substr(url.find("/attachments/"));
  const auto refused_url = url.substr(0, url.size() - 1) + "1";
  CHECK(http_request(m.port(), "GET", refused_url, "", {{"Authorization", "Bearer " + m.alice}}).status == 403);
  CHECK(http_request(m.port(), "GET", "/api/tickets/" + other_ticket + inbox_part, "", {{"Authorization", "Bearer " + m.alice}}).status == 404);
  CHECK(http_request(m.port(), "GET", url.substr(0, url.size() - 1) + "7", "", {{"Authorization", "Bearer " + m.alice}}).status == 404);
  CHECK(http_request(m.port(), "GET", url + "/../../x", "", {{"Authorization", "Bearer " + m.alice}}).status == 404);
}

TEST_CASE("mail in: automatic mail is kept but never answered (no mail loops)") {
  MailServer m;
  struct Case {
    const char* what;
    std::string envelope_from;
    std::vector<std::pair<std::string, std::string>> headers;
  };
  const std::vector<Case> cases{
      {"out of office", "li@example.com", {{"From", "li@example.com"}, {"Auto-Submitted", "auto-replied"}}},
      {"Auto-Submitted in capitals", "li@example.com", {{"From", "li@example.com"}, {"Auto-Submitted", "AUTO-GENERATED"}}},
      {"Exchange's auto-reply", "li@example.com", {{"From", "li@example.com"}, {"X-Auto-Response-Suppress", "All"}}},
      {"X-Autoreply", "li@example.com", {{"From", "li@example.com"}, {"X-Autoreply", "yes"}}},
      {"bulk", "news@example.com", {{"From", "news@example.com"}, {"Precedence", "bulk"}}},
      {"mailing list", "list@example.com", {{"From", "list@example.com"}, {"List-Id", "<users.example.com>"}}},
      {"bounce: empty envelope sender", "", {{"From", "li@example.com"}}},
      {"bounce: MAILER-DAEMON", "bounces@example.com", {{"From", "MAILER-DAEMON@example.com"}}},
      {"delivery report", "x@example.com",
       {{"From", "x@example.com"}, {"Content-Type", "multipart/report; report-type=delivery-status; boundary=z"}}},
      {"our own mail coming back", "support@example.com", {{"From", "Support <support+t1001.abcdef012345@example.com>"}}},
  };
  int n = 0;
  for (const auto& c : cases) {
    INFO(c.what);
    auto headers = c.headers;
    headers.emplace_back("Subject", "Automatic reply");
    headers.emplace_back("Message-ID", "<auto-" + std::to_string(n++) + "@example.com>");
    CHECK_THAT(m.deliver(c.envelope_from, "support@example.com", raw_mail(headers, "I am away until Monday.\n--z--\n")),
               Catch::StartsWith("250 2.0.0 stored; kept, not answered"));
  }
  CHECK(m.tickets("?status=active").empty());
  // A person's mail after them is acknowledged: the only mail that ever goes out.
  CHECK_THAT(m.deliver("li@example.com", "support@example.com",
                       raw_mail({{"From", "li@example.com"}, {"Subject", "Help"}, {"Message-ID", "<person@example.com>"}}, "Help please")),
             Catch::StartsWith("250 2.0.0 stored on request #1001"));
  const auto mails = m.sink.wait_for(1);
  REQUIRE(mails.size() == 1);
  CHECK_THAT(mails[0], Catch::Contains("X-Envelope-To: li@example.com"));
  CHECK(m.tickets().size() == 1);
}

TEST_CASE("mail in: 250 means stored, across a crash, and the protocol's bad input gets its reply and harms nothing") {
  MailServer m;
  {
    LmtpClient c(m.lmtp);
    CHECK_THAT(c.greeting(), Catch::StartsWith("220 "));
    struct Step {
      const char* send;
      const char* expect;
    };
    const std::vector<Step> steps{
        {"EHLO x", "500 5.5.1"},             // this is LMTP
        {"MAIL FROM:<a@example.com>", "503"},  // before LHLO
        {"LHLO tests", "250-"},
        {"RCPT TO:<support@example.com>", "503"},  // before MAIL
        {"DATA", "503"},                           // before RCPT
        {"MAIL FROM:a@example.com", "501"},        // no angle brackets
        {"MAIL FROM:<a b@example.com>", "501"},
        {"MAIL FROM:<a@example.com> SIZE=999999999999", "552"},
        {"MAIL FROM:<a@example.com>", "250"},
        {"MAIL FROM:<b@example.com>", "503"},  // one at a time
        {"RCPT TO:<>", "501"},
        {"RCPT TO:<support@example.com>", "250"},
        {"RSET", "250"},
        {"DATA", "503"},  // the reset forgot the recipient
        {"VRFY support", "252"},
        {"NOOP", "250"},
        {"BDAT 10 LAST", "500"},
        {"", "500"},
    };
    for (const auto& s : steps) {
      INFO(s.send);
      CHECK_THAT(c.command(s.send), Catch::StartsWith(s.expect));
    }
    // 100 recipients at most.
    CHECK_THAT(c.command("MAIL FROM:<a@example.com>"), Catch::StartsWith("250"));
    for (int i = 0; i < 100; ++i) REQUIRE_THAT(c.command("RCPT TO:<support@example.com>"), Catch::StartsWith("250"));
    CHECK_THAT(c.command("RCPT TO:<support@example.com>"), Catch::StartsWith("452"));
    CHECK_THAT(c.command("QUIT"), Catch::StartsWith("221"));
  }
  {
    // A command line past 2 KiB: refused and closed.
    LmtpClient c(m.lmtp);
    c.send_raw("LHLO " + std::string(4096, 'x') + "\r\n");
    CHECK_THAT(c.read_reply(), Catch::StartsWith("500"));
    CHECK(c.closed_by_server());
  }
  {
    // A message past the announced size: 552, nothing stored, the session goes on.
    LmtpClient c(m.lmtp);
    std::string body;
    for (int i = 0; i < 1000; ++i) body += std::string(26'900, 'z') + "\n";
    const auto huge = raw_mail({{"From", "li@example.com"}, {"Message-ID", "<huge@example.com>"}}, body);
    auto replies = c.deliver("li@example.com", {"support@example.com"}, huge);
    REQUIRE(replies.size() == 1);
    CHECK_THAT(replies[0], Catch::StartsWith("552"));
    replies = c.deliver("li@example.com", {"support@example.com"},
                        raw_mail({{"From", "li@example.com"}, {"Subject", "Still here"}, {"Message-ID", "<after-big@example.com>"}}, "ok"));
    REQUIRE(replies.size() == 1);
    CHECK_THAT(replies[0], Catch::StartsWith("250 2.0.0 stored on request #1001"));
  }
  // Two recipients of one mail: one answer each, one ticket.
  {
    LmtpClient c(m.lmtp);
    auto replies = c.deliver("zhao@example.com", {"support@example.com", "help@example.com"},
                             raw_mail({{"From", "zhao@example.com"}, {"Subject", "Two"}, {"Message-ID", "<two@example.com>"}}, "two"));
    REQUIRE(replies.size() == 2);
    CHECK_THAT(replies[0], Catch::StartsWith("250"));
    CHECK_THAT(replies[1], Catch::StartsWith("250"));
  }
  CHECK(m.tickets().size() == 2);
  // Killed right after its 250: the mail is there after a restart.
  CHECK_THAT(m.deliver("qian@example.com", "support@example.com",
                       raw_mail({{"From", "qian@example.com"}, {"Subject", "Before the crash"}, {"Message-ID", "<crash@example.com>"}},
                                "kept?")),
             Catch::StartsWith("250 2.0.0 stored on request #1003"));
  m.server->signal(SIGKILL);
  m.server->wait();
  m.start();
  CHECK(text_of(m.ticket_by_number(1003).at("thread").as_array()[0]) == "kept?");
  CHECK(m.tickets().size() == 3);
}

TEST_CASE("mail in: a mail holding a recovery phrase is kept without it: the ticket's text masked, no copy of the raw mail, no attachment") {
  MailServer m;
  const std::string phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow";
  // The body in base64, as many mail programs send it, with a screenshot attached.
  const std::string body64 = "TXkgd2FsbGV0IGlzIGVtcHR5LCBteSB3b3JkcyBhcmU6IGxlZ2FsIHdpbm5lciB0aGFuayB5ZWFyIHdhdmUgc2F1c2FnZSB3b3J0aCB1c2VmdWwgbGVnYWwgd2lubmVyIHRoYW5rIHllbGxvdw==";
  const auto mail = raw_mail(
      {{"From", "chen@example.com"},
       {"To", "support@example.com"},
       {"Subject", "Wallet emptied"},
       {"Message-ID", "<secret-1@example.com>"},
       {"MIME-Version", "1.0"},
       {"Content-Type", "multipart/mixed; boundary=\"b1\""}},
      "--b1\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" + body64 +
          "\n--b1\nContent-Type: image/png\nContent-Disposition: attachment; filename=\"wallet.png\"\n"
          "Content-Transfer-Encoding: base64\n\niVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\n--b1--\n");
  REQUIRE_THAT(m.deliver("chen@example.com", "support@example.com", mail), Catch::StartsWith("250 2.0.0 stored on request #1001"));
  const auto t = m.ticket_by_number(1001);
  const auto first = t.at("thread").as_array()[0];
  CHECK(text_of(first) == "My wallet is empty, my words are: [seed phrase removed]");
  const auto files = first.at("attachments").as_array();
  REQUIRE(files.size() == 1);
  CHECK(files[0].at("refused") == "not kept: the mail held a secret");
  CHECK(files[0].at("url") == "");
  // Nothing of the phrase, plain or encoded, is anywhere in the database files.
  for (const auto& entry : std::filesystem::directory_iterator(m.data.path())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO(entry.path());
    CHECK(bytes.find("sausage worth useful") == std::string::npos);
    CHECK(bytes.find(body64.substr(0, 60)) == std::string::npos);
  }
}
