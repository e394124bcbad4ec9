// Reports through the real server: chats played over WebSocket, then
// GET /api/reports/chats(.csv) as a supervisor: the numbers, the same after a
// restart, who may read them, and a table of bad parameters.
#include "integration/helpers.hpp"
#include "integration/ticket_helpers.hpp"
#include "support/temp_dir.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <optional>

using namespace parley;
using namespace parley::test;
namespace json = boost::json;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpResult get(unsigned short port, const std::string& token, const std::string& target) {
  return http_request(port, "GET", target, {}, {{"Authorization", "Bearer " + token}});
}

}  // namespace

TEST_CASE("reports: a supervisor reads the period's chats, wait, response, handle time and ratings, the same after a "
          "restart") {
  TempDir data("reports");
  std::optional<ServerProcess> server(std::in_place, server_args({"--data-dir", data.path().string()}));
  const auto from = now_ms() - 1000;

  // No agent online: the first visitor gives up waiting.
  {
    auto gave_up = visitor(server->port());
    const auto id = start(gave_up.ws, "anyone there?", "g-1");
    gave_up.ws.expect(F::kQueueStatus);
    gave_up.ws.send(close_chat(id));
    gave_up.ws.expect(F::kAck);
  }
  // The second is served by Alice and rates it, with a comment a spreadsheet would run.
  auto alice = staff(server->port(), "alice");
  auto v = visitor(server->port());
  const auto id = start(v.ws, "My deposit has not arrived", "s-1");
  alice.ws.expect(F::kConversation);
  alice.ws.send(send_message(id, "a-1", "Which network?"));
  alice.ws.expect(F::kAck);
  alice.ws.send(close_chat(id));
  alice.ws.expect(F::kAck);
  v.ws.expect(F::kRatingPrompt);
  v.ws.send(rate(id, 5, "=HYPERLINK(\"http://x\"), 很好"));
  v.ws.expect(F::kAck);
  // Two requests left as tickets; Alice answers one.
  for (const char* token : {"tok_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "tok_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"})
    REQUIRE(post_json(server->port(), "/api/requests", request_body(token, std::string(token + 4, 4) + "@example.com")).status == 201);
  const auto alice_token = login(server->port(), "alice");
  const auto list = json::parse(get(server->port(), alice_token, "/api/tickets?view=unassigned").body).at("tickets");
  REQUIRE(list.as_array().size() == 2);
  const std::string ticket_id(list.at(0).at("id").as_string());
  REQUIRE(post_json(server->port(), "/api/tickets/" + ticket_id + "/reply", {{"text", "您的充值已到账。"}, {"client_message_id", "r1"}},
                    {{"Authorization", "Bearer " + alice_token}}).status == 200);
  const auto to = now_ms() + 1000;

  const auto sam = login(server->port(), "sam");
  const auto target = "/api/reports/chats?from=" + std::to_string(from) + "&to=" + std::to_string(to);
  const auto res = get(server->port(), sam, target);
  INFO(res.body);
  REQUIRE(res.status == 200);
  const auto report = json::parse(res.body);
  const auto& chats = report.at("chats");
  CHECK(chats.at("started").to_number<int>() == 2);
  CHECK(chats.at("answered").to_number<int>() == 1);
  CHECK(chats.at("abandoned").to_number<int>() == 1);
  CHECK(chats.at("still_open").to_number<int>() == 0);
  for (const char* measure : {"wait_seconds", "first_response_seconds", "handle_seconds"}) {
    INFO(measure);
    CHECK(report.at(measure).at("count").to_number<int>() == 1);
    const auto median = report.at(measure).at("median").to_number<double>();
    CHECK(median >= 0);
    CHECK(median * 1000 <= static_cast<double>(to - from));
  }
  CHECK(report.at("csat").at("rated").to_number<int>() == 1);
  CHECK(report.at("csat").at("average").to_number<double>() == 5);
  CHECK(report.at("csat").at("comments").at(0).at("comment").as_string() == "=HYPERLINK(\"http://x\"), 很好");
  CHECK(report.at("agents").at(0).at("agent_id").as_string() == "alice");
  CHECK(report.at("agents").at(0).at("chats").to_number<int>() == 1);
  CHECK_FALSE(report.at("truncated").as_bool());
  const auto& tickets = report.at("tickets");
  CHECK(tickets.at("created").to_number<int>() == 2);
  CHECK(tickets.at("answered").to_number<int>() == 1);
  CHECK(tickets.at("answered_in_time").to_number<int>() == 1);
  CHECK(tickets.at("waiting").to_number<int>() == 1);  // due in 24 hours
  CHECK(tickets.at("in_time_share").to_number<double>() == 1);

  // Filters.
  const auto alice_only = json::parse(get(server->port(), sam, target + "&agent=alice").body);
  CHECK(alice_only.at("chats").at("started").to_number<int>() == 1);
  const auto tier1 = json::parse(get(server->port(), sam, target + "&team=tier1").body);
  CHECK(tier1.at("chats").at("started").to_number<int>() == 1);
  CHECK(tier1.at("tickets").at("created").to_number<int>() == 1);  // the one Alice answered is hers
  CHECK(json::parse(get(server->port(), sam, target + "&team=tier2").body).at("chats").at("started").to_number<int>() == 0);
  const auto refunds = json::parse(get(server->port(), sam, target + "&queue=refund").body);
  CHECK(refunds.at("chats").at("started").to_number<int>() == 0);

  // The CSV: a header and one row per chat, the comment defused and quoted.
  const auto csv = get(server->port(), sam, "/api/reports/chats.csv?from=" + std::to_string(from) + "&to=" +
                                                std::to_string(to));
  REQUIRE(csv.status == 200);
  CHECK(csv.content_type.starts_with("text/csv"));
  CHECK(csv.headers.at("Content-Disposition").find("attachment") != std::string::npos);
  CHECK(csv.body.starts_with("conversation_id,queue,started_ms,"));
  std::size_t rows = 0;
  for (std::size_t at = 0; (at = csv.body.find("\r\n", at)) != std::string::npos; at += 2) ++rows;
  CHECK(rows == 3);
  CHECK(csv.body.find(id + ",deposit,") != std::string::npos);
  CHECK(csv.body.find(",alice,5,\"'=HYPERLINK(\"\"http://x\"\"), 很好\",") != std::string::npos);

  // Computed from the records, not from memory: a restart gives the same report.
  server.reset();
  server.emplace(server_args({"--data-dir", data.path().string()}));
  const auto again = get(server->port(), login(server->port(), "sam"), target);
  REQUIRE(again.status == 200);
  CHECK(json::parse(again.body) == report);
}

TEST_CASE("reports: only supervisors and admins, and bad parameters are a 400 with a reason") {
  TempDir data("reports-access");
  ServerProcess server(server_args({"--data-dir", data.path().string()}));
  const auto port = server.port();
  CHECK(http_get(port, "/api/reports/chats").status == 401);
  const auto alice = login(port, "alice");
  const auto refused = get(port, alice, "/api/reports/chats");
  CHECK(refused.status == 403);
  CHECK(refused.body.find("\"error\":\"forbidden\"") != std::string::npos);
  CHECK(get(port, alice, "/api/reports/chats.csv").status == 403);

  const auto sam = login(port, "sam");
  CHECK(get(port, sam, "/api/reports/chats").status == 200);  // the last 7 days
  CHECK(get(port, sam, "/api/reports/agents").status == 404);
  CHECK(http_request(port, "POST", "/api/reports/chats", "{}", {{"Authorization", "Bearer " + sam}}).status == 405);
  const char* bad[] = {
      "from=yesterday",
      "from=-5",
      "to=1.5",
      "from=100&to=100",        // empty
      "from=200&to=100",        // backwards
      "from=0&to=31708800001",  // more than 366 days
      "queue=vip",
      "queue=DEPOSIT",
      "hours=night",
      "team=vip",
      "team=TIER1",
      "from=99999999999999999999",
  };
  for (const char* query : bad) {
    INFO(query);
    const auto res = get(port, sam, std::string("/api/reports/chats?") + query);
    CHECK(res.status == 400);
    CHECK(res.body.find("\"error\":\"invalid_request\"") != std::string::npos);
  }
  const auto long_agent = get(port, sam, "/api/reports/chats?agent=" + std::string(300, 'a'));
  CHECK(long_agent.status == 400);
}
