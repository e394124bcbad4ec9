// Canned responses through the real binary (GET/POST /api/canned, PUT/DELETE
// /api/canned/ID): an agent's own, a supervisor's shared ones by team, who may
// change which, kept across a kill -9 and a restart, and a table of bad requests.
#include "integration/helpers.hpp"
#include "support/temp_dir.hpp"

#include <boost/json.hpp>

#include <csignal>

using namespace parley;
using namespace parley::test;
namespace json = boost::json;

namespace {

struct Api {
  unsigned short port;
  std::string token;
  HttpResult call(const std::string& method, const std::string& target, const std::string& body = {},
                  const std::string& type = "application/json") const {
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + token}};
    if (!body.empty()) headers.emplace_back("Content-Type", type);
    return http_request(port, method, target, body, headers);
  }
  // The shortcuts this person sees, in order, with whether they may edit each.
  std::vector<std::string> seen() const {
    const auto res = call("GET", "/api/canned");
    INFO(res.body);
    REQUIRE(res.status == 200);
    std::vector<std::string> out;
    const auto body = json::parse(res.body);
    for (const auto& r : body.at("responses").as_array())
      out.push_back(std::string(r.at("shortcut").as_string()) + (r.at("may_edit").as_bool() ? " (editable)" : ""));
    return out;
  }
  std::string create(const json::object& body) const {
    const auto res = call("POST", "/api/canned", json::serialize(body));
    INFO(res.body);
    REQUIRE(res.status == 200);
    return std::string(json::parse(res.body).at("response").at("id").as_string());
  }
};

json::object response(const std::string& shortcut, bool shared = false, const std::string& team = "") {
  return {{"shortcut", shortcut},
          {"title", "Ask for the TXID"},
          {"shared", shared},
          {"team", team},
          {"texts", {{"en", "Hello {visitor_name}, could you share the TXID?"}, {"zh-CN", "您好，请提供交易哈希 (TXID)。"}}}};
}

std::string error_code_of(const HttpResult& res) {
  const auto body = json::parse(res.body);
  return std::string(body.at("error").as_string());
}

}  // namespace

TEST_CASE("canned responses: an agent's own, shared ones by team, who may change which, kept across kill -9") {
  TempDir data("canned");
  const auto args = server_args({"--data-dir", data.path().string()});
  std::string alice_id, shared_id, tier2_id;
  {
    ServerProcess server(args);
    const Api alice{server.port(), login(server.port(), "alice")};
    const Api bob{server.port(), login(server.port(), "bob")};
    const Api tina{server.port(), login(server.port(), "tina")};
    const Api sam{server.port(), login(server.port(), "sam")};
    CHECK(alice.seen().empty());
    alice_id = alice.create(response("txid"));
    shared_id = sam.create(response("greeting", true));
    tier2_id = sam.create(response("senior-hello", true, "tier2"));
    CHECK(alice.seen() == std::vector<std::string>{"greeting", "txid (editable)"});
    CHECK(bob.seen() == std::vector<std::string>{"greeting"});
    CHECK(tina.seen() == std::vector<std::string>{"greeting", "senior-hello"});
    CHECK(sam.seen() == std::vector<std::string>{"greeting (editable)", "senior-hello (editable)"});

    // Someone else's personal response is not there for them; a shared one is read-only to agents.
    auto res = bob.call("PUT", "/api/canned/" + alice_id, json::serialize(response("txid")));
    CHECK(res.status == 404);
    res = bob.call("DELETE", "/api/canned/" + alice_id);
    CHECK(res.status == 404);
    res = alice.call("PUT", "/api/canned/" + shared_id, json::serialize(response("greeting", true)));
    CHECK(res.status == 403);
    res = alice.call("DELETE", "/api/canned/" + shared_id);
    CHECK(res.status == 403);
    res = alice.call("POST", "/api/canned", json::serialize(response("mine-shared", true)));
    CHECK(res.status == 403);
    CHECK(error_code_of(res) == "forbidden");
    // The same shortcut twice is a conflict, not a second copy.
    res = alice.call("POST", "/api/canned", json::serialize(response("txid")));
    CHECK(res.status == 409);
    CHECK(error_code_of(res) == "duplicate_shortcut");
    // Her own she changes.
    auto changed = response("txid");
    changed["title"] = "TXID please";
    res = alice.call("PUT", "/api/canned/" + alice_id, json::serialize(changed));
    INFO(res.body);
    REQUIRE(res.status == 200);
    CHECK(json::parse(res.body).at("response").at("title").as_string() == "TXID please");
    server.signal(SIGKILL);
    server.wait();
  }
  ServerProcess again(args);
  // Sign-ins are kept too, but sign in afresh: what matters here is the responses.
  const Api alice{again.port(), login(again.port(), "alice")};
  const Api sam{again.port(), login(again.port(), "sam")};
  const auto res = alice.call("GET", "/api/canned");
  REQUIRE(res.status == 200);
  const auto list = json::parse(res.body).at("responses").as_array();
  REQUIRE(list.size() == 2);
  CHECK(list[1].at("title").as_string() == "TXID please");
  CHECK(list[1].at("texts").at("zh-CN").as_string() == "您好，请提供交易哈希 (TXID)。");
  CHECK(sam.call("DELETE", "/api/canned/" + shared_id).status == 200);
  CHECK(alice.seen() == std::vector<std::string>{"txid (editable)"});
  CHECK(sam.call("DELETE", "/api/canned/" + shared_id).status == 404);
}

TEST_CASE("canned responses: bad requests get a clear error, and a server without records says so") {
  TempDir data("canned-bad");
  ServerProcess server(server_args({"--data-dir", data.path().string()}));
  const Api alice{server.port(), login(server.port(), "alice")};
  const Api nobody{server.port(), "not-a-token"};
  struct Case {
    const char* what;
    const Api* who;
    std::string method, target, body, type;
    int status;
    std::string code;
  };
  const std::string ok = json::serialize(response("ok"));
  auto with = [](const char* key, json::value value) {
    auto r = response("fine");
    r[key] = std::move(value);
    return json::serialize(r);
  };
  const std::vector<Case> cases = {
      {"no sign-in", &nobody, "GET", "/api/canned", "", "", 401, "not_signed_in"},
      {"a stranger's token creating", &nobody, "POST", "/api/canned", ok, "application/json", 401, "not_signed_in"},
      {"wrong method on the list", &alice, "PUT", "/api/canned", ok, "application/json", 405, "method_not_allowed"},
      {"wrong method on one", &alice, "GET", "/api/canned/cr_x", "", "", 405, "method_not_allowed"},
      {"not JSON", &alice, "POST", "/api/canned", ok, "text/plain", 415, "expected_json"},
      {"a form", &alice, "POST", "/api/canned", "shortcut=x", "application/x-www-form-urlencoded", 415, "expected_json"},
      {"malformed JSON", &alice, "POST", "/api/canned", "{\"shortcut\":", "application/json", 400, "invalid_request"},
      {"an array", &alice, "POST", "/api/canned", "[]", "application/json", 400, "invalid_request"},
      {"texts not an object", &alice, "POST", "/api/canned", with("texts", "hello"), "application/json", 400, "invalid_request"},
      {"a text not a string", &alice, "POST", "/api/canned", with("texts", json::object{{"en", 5}}), "application/json", 400, "invalid_request"},
      {"shared not a bool", &alice, "POST", "/api/canned", with("shared", "yes"), "application/json", 400, "invalid_request"},
      {"shortcut with a space", &alice, "POST", "/api/canned", with("shortcut", "two words"), "application/json", 400, "invalid_request"},
      {"shortcut with markup", &alice, "POST", "/api/canned", with("shortcut", "<b>x</b>"), "application/json", 400, "invalid_request"},
      {"title too long", &alice, "POST", "/api/canned", with("title", json::string(std::string(81, 't'))), "application/json", 400, "invalid_request"},
      {"unknown locale", &alice, "POST", "/api/canned", with("texts", json::object{{"de", "Hallo"}}), "application/json", 400, "invalid_request"},
      {"text too long", &alice, "POST", "/api/canned", with("texts", json::object{{"en", std::string(2001, 'x')}}), "application/json", 400, "invalid_request"},
      {"no such id", &alice, "DELETE", "/api/canned/cr_missing", "", "", 404, "not_found"},
      {"id too long", &alice, "DELETE", "/api/canned/" + std::string(65, 'x'), "", "", 404, "not_found"},
      {"a deeper path", &alice, "DELETE", "/api/canned/a/b", "", "", 404, "not_found"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    std::vector<std::pair<std::string, std::string>> headers{{"Authorization", "Bearer " + c.who->token}};
    if (!c.type.empty()) headers.emplace_back("Content-Type", c.type);
    const auto res = http_request(server.port(), c.method, c.target, c.body, headers);
    INFO(res.body);
    CHECK(res.status == c.status);
    CHECK(res.content_type.starts_with("application/json"));
    CHECK(error_code_of(res) == c.code);
  }
  // None of it stored anything, and the server is still there.
  CHECK(alice.seen().empty());
  CHECK(http_get(server.port(), "/healthz").status == 200);

  ServerProcess memory_only(server_args({"--memory-only"}));
  const Api bob{memory_only.port(), login(memory_only.port(), "bob")};
  const auto res = bob.call("GET", "/api/canned");
  CHECK(res.status == 503);
  CHECK(error_code_of(res) == "no_records");
}
