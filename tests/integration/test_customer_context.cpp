// The exchange's data about a verified customer beside the chat, through the
// real binary and a stand-in for the exchange's endpoint
// (tests/support/context_host.py, which checks the signature as a host must).
#include "integration/helpers.hpp"
#include "auth/identity_tokens.hpp"
#include "support/ready_line.hpp"
#include "support/redis_server.hpp"  // free_port
#include "support/temp_dir.hpp"

#include <boost/json.hpp>

#include <csignal>
#include <fstream>

#include <sys/wait.h>

using namespace parley;
using namespace parley::test;
namespace json = boost::json;

namespace {

const std::string host_key = "the-exchange-context-key-0123456789abcdef";

// The stand-in for the exchange's endpoint, on its own port.
class ContextHost {
 public:
  explicit ContextHost(std::vector<std::string> keys = {host_key}) : port_(free_port()) {
    std::vector<std::string> args{"/usr/bin/python3", std::string(PARLEY_TEST_DATA_DIR) + "/../support/context_host.py", "--port",
                                  std::to_string(port_)};
    for (const auto& k : keys) args.insert(args.end(), {"--key", k});
    int output = -1;
    pid_ = spawn_test_server(std::move(args), output);
    REQUIRE(wait_for_ready_line(output, "ready", std::chrono::seconds(20), drain_));
  }
  ~ContextHost() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    if (drain_.joinable()) drain_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/context"; }
  std::int64_t calls() const {
    return json::parse(http_request(port_, "GET", "/calls").body).at("calls").as_int64();
  }

 private:
  unsigned short port_;
  pid_t pid_ = -1;
  std::thread drain_;
};

// A server that knows the exchange as an identity site and asks it for context.
struct Exchange {
  TempDir data{"context"};
  const std::string site_secret = "a-site-secret-of-at-least-32-bytes!!";
  ContextHost& host;
  std::string key = host_key;
  ServerProcess server;
  Exchange(ContextHost& h, std::string signing_key = host_key) : host(h), key(std::move(signing_key)), server(args()) {}
  unsigned short port() const { return server.port(); }

  // A chat of a customer the site signed in (or of an anonymous visitor); its id.
  std::string chat(const std::string& customer, WsClient& ws) {
    auto hello = visitor_hello();
    if (!customer.empty()) {
      const auto soon =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch() + 10min).count();
      hello.mutable_hello()->set_identity_token(auth::sign_identity_token("exchange", site_secret, customer, soon, "c@example.com", "Chen"));
    }
    ws.send(hello);
    ws.expect(F::kWelcome);
    auto frame = start_chat("My deposit has not arrived");
    frame.mutable_start_chat()->set_transaction_id("0xfeed01");
    ws.send(frame);
    return ws.expect(F::kAck).ack().conversation_id();
  }
  json::object context(const std::string& id, const std::string& staff) const {
    auto res = http_request(port(), "GET", "/api/conversations/" + id + "/customer", "", {{"Authorization", "Bearer " + staff}});
    INFO(res.body);
    REQUIRE(res.status == 200);
    return json::parse(res.body).as_object();
  }

 private:
  std::vector<std::string> args() const {
    std::ofstream(data.path() / "site-secret") << site_secret << "\n";
    std::ofstream(data.path() / "context-key") << key << "\n";
    return server_args({"--data-dir", data.path().string(), "--identity-site", "exchange=" + (data.path() / "site-secret").string(),
                        "--customer-context-url", host.url(), "--customer-context-key-file", (data.path() / "context-key").string()});
  }
};

std::vector<std::string> labels(const json::object& context) {
  std::vector<std::string> out;
  for (const auto& c : context.at("cards").as_array()) out.emplace_back(c.at("label").as_string());
  return out;
}

}  // namespace

TEST_CASE("customer context: a verified customer's data from the exchange, signed, filtered by role, cached, every view recorded") {
  ContextHost host;
  Exchange ex(host);
  WsClient ws(ex.port());
  const auto id = ex.chat("cust-ok", ws);
  const auto alice = login(ex.port(), "alice");
  auto seen = ex.context(id, alice);
  CHECK(seen.at("state") == "ok");
  CHECK(seen.at("cached") == false);
  CHECK(seen.at("transaction_id") == "0xfeed01");  // the console marks it in the table
  CHECK(labels(seen) == std::vector<std::string>{"Account", "KYC level", "Note", "Asked by"});  // no risk score for an agent
  CHECK(seen.at("cards").as_array()[2].at("value") == "<b>VIP</b><script>alert(1)</script>");  // text, shown as text
  CHECK(seen.at("cards").as_array()[3].at("value") == "agent");  // the host was told who asks
  const auto& table = seen.at("tables").as_array()[0];
  CHECK(table.at("title") == "Recent deposits");
  CHECK(table.at("rows").as_array()[0].as_array()[3] == "0xfeed01");
  CHECK(host.calls() == 1);
  // Another agent opening the chat within the minute: the same answer, no second call.
  const auto bob = login(ex.port(), "bob");
  CHECK(ex.context(id, bob).at("cached") == true);
  CHECK(host.calls() == 1);
  // A supervisor sees what the host meant for supervisors.
  const auto sam = login(ex.port(), "sam");
  const auto theirs = ex.context(id, sam);
  CHECK(labels(theirs) == std::vector<std::string>{"Account", "KYC level", "Note", "Risk score", "Asked by"});
  // Every view is on the conversation's record.
  auto res = http_request(ex.port(), "GET", "/api/conversations/" + id + "/events", "", {{"Authorization", "Bearer " + sam}});
  REQUIRE(res.status == 200);
  int views = 0;
  const auto events = json::parse(res.body);
  for (const auto& e : events.at("events").as_array())
    if (json::serialize(e).find("customer_context_viewed") != std::string::npos) ++views;
  CHECK(views == 3);
  // Not without a sign-in, not for a chat that does not exist.
  CHECK(http_request(ex.port(), "GET", "/api/conversations/" + id + "/customer").status == 401);
  CHECK(http_request(ex.port(), "GET", "/api/conversations/c_nothing/customer", "", {{"Authorization", "Bearer " + sam}}).status == 404);
}

TEST_CASE("customer context: an anonymous visitor gets no call, and a host that fails is shown as unavailable with the reason") {
  ContextHost host;
  {
    Exchange ex(host);
    WsClient ws(ex.port());
    const auto id = ex.chat("", ws);
    const auto alice = login(ex.port(), "alice");
    CHECK(ex.context(id, alice).at("state") == "unverified");
    CHECK(host.calls() == 0);
  }
  struct Case {
    const char* customer;
    const char* reason;
  };
  for (const auto& c : {Case{"cust-slow", "did not answer within 2.5 s"}, Case{"cust-500", "answered HTTP 500"},
                        Case{"cust-big", "larger than 64 KiB"}, Case{"cust-bad", "a card needs label and value"},
                        Case{"cust-notjson", "not a JSON object"}}) {
    INFO(c.customer);
    Exchange ex(host);  // a fresh server: no pause from an earlier failure
    WsClient ws(ex.port());
    const auto id = ex.chat(c.customer, ws);
    const auto alice = login(ex.port(), "alice");
    const auto started = std::chrono::steady_clock::now();
    const auto seen = ex.context(id, alice);
    CHECK(std::chrono::steady_clock::now() - started < 3500ms);  // the deadline holds
    CHECK(seen.at("state") == "unavailable");
    CHECK_THAT(std::string(seen.at("reason").as_string()), Catch::Contains(c.reason));
  }
}

TEST_CASE("customer context: a request signed with a key the host does not know is refused by the host, and failures pause the calls") {
  ContextHost host({host_key, "the-previous-key-still-accepted-0000000000"});
  Exchange ex(host, "a-key-the-exchange-never-had-00000000000000");
  WsClient ws(ex.port());
  const auto id = ex.chat("cust-ok", ws);
  const auto alice = login(ex.port(), "alice");
  auto seen = ex.context(id, alice);
  CHECK(seen.at("state") == "unavailable");
  CHECK_THAT(std::string(seen.at("reason").as_string()), Catch::Contains("HTTP 401"));
  seen = ex.context(id, alice);  // the second failure starts a pause
  CHECK_THAT(std::string(seen.at("reason").as_string()), Catch::Contains("HTTP 401"));
  seen = ex.context(id, alice);
  CHECK_THAT(std::string(seen.at("reason").as_string()), Catch::Contains("paused after failures"));
  CHECK(host.calls() == 0);  // none was answered: the host refused them all
  // The host's previous key still works while keys rotate.
  Exchange rotated(host, "the-previous-key-still-accepted-0000000000");
  WsClient ws2(rotated.port());
  const auto id2 = rotated.chat("cust-ok", ws2);
  CHECK(rotated.context(id2, login(rotated.port(), "alice")).at("state") == "ok");
}

TEST_CASE("customer context: flags that would send customer data in clear or unsigned are refused at start") {
  TempDir data("context-flags");
  const auto key = data.path() / "key";
  std::ofstream(key) << "short\n";
  const auto good_key = data.path() / "good-key";
  std::ofstream(good_key) << host_key << "\n";
  const auto with = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--data-dir", data.path().string()});
    return server_args(extra);
  };
  CHECK_THROWS(ServerProcess(with({"--customer-context-url", "http://exchange.example/context", "--customer-context-key-file", good_key.string()})));
  CHECK_THROWS(ServerProcess(with({"--customer-context-url", "https://exchange.example/context"})));
  CHECK_THROWS(ServerProcess(with({"--customer-context-url", "https://exchange.example/context", "--customer-context-key-file", key.string()})));
  CHECK_THROWS(ServerProcess(with({"--customer-context-key-file", good_key.string()})));
}
