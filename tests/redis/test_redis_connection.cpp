// RedisConnection against a real redis-server: plain, with a password or an
// ACL user, and over TLS (rediss://) with the certificate and name checked.
#include "backend/redis/redis_connection.hpp"
#include "support/redis_server.hpp"
#include "support/run_until.hpp"
#include "support/test_ca.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>

using namespace parley;
using namespace parley::backend::redis;
using namespace std::chrono_literals;
using parley::test::run_until;

namespace {

struct Fixture {
  test::RedisServer redis;
  boost::asio::io_context io;
  std::shared_ptr<RedisConnection> connection;
  int connects = 0;
  int disconnects = 0;

  Fixture() {
    auto options = parse_redis_url(redis.url());
    options.backoff_min = 20ms;
    options.backoff_max = 200ms;
    options.health_interval = 200ms;
    connection = std::make_shared<RedisConnection>(io.get_executor(), options);
    connection->on_connected = [this] { ++connects; };
    connection->on_disconnected = [this](const std::string&) { ++disconnects; };
    connection->start();
    REQUIRE(run_until(io, [&] { return connection->connected(); }));
  }

  // Sends one command and waits for its answer.
  std::pair<std::error_code, Reply> call(std::vector<std::string> args) {
    std::optional<std::pair<std::error_code, Reply>> result;
    connection->command(std::move(args), [&](std::error_code ec, const Reply& r) { result.emplace(ec, r); });
    REQUIRE(run_until(io, [&] { return result.has_value(); }));
    return *result;
  }
};

}  // namespace

TEST_CASE("redis urls are parsed with clear errors") {
  auto o = parse_redis_url("redis://10.0.0.5:6380/3");
  CHECK(o.host == "10.0.0.5");
  CHECK(o.port == 6380);
  CHECK(o.database == 3);
  CHECK(parse_redis_url("redis://cache").port == 6379);
  CHECK_THROWS_WITH(parse_redis_url("http://x"), Catch::Contains("redis://"));
  CHECK_THROWS_WITH(parse_redis_url("redis://x:99999"), Catch::Contains("port"));
  CHECK_THROWS_WITH(parse_redis_url("redis://x/99"), Catch::Contains("database"));
  // Credentials: a password alone, or an ACL user and its password, percent-decoded.
  auto p = parse_redis_url("redis://:s3cret%40x@cache:6390");
  CHECK(p.username.empty());
  CHECK(p.password == "s3cret@x");
  CHECK(p.host == "cache");
  auto u = parse_redis_url("redis://parley:pw%3Aa@10.0.0.5/1");
  CHECK(u.username == "parley");
  CHECK(u.password == "pw:a");
  CHECK(u.database == 1);
  // Errors never repeat the password.
  for (const char* bad : {"redis://parley@host", "redis://user:@host", "redis://:hunter2@", "http://:hunter2@x"}) {
    INFO(bad);
    try {
      parse_redis_url(bad);
      FAIL("accepted");
    } catch (const std::invalid_argument& e) {
      CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
    }
  }
  auto tls = parse_redis_url("rediss://:pw@cache.internal:6380/2");
  CHECK(tls.tls);
  CHECK(tls.host == "cache.internal");
  CHECK(tls.port == 6380);
  CHECK(tls.database == 2);
  CHECK_FALSE(parse_redis_url("redis://cache").tls);
  CHECK_THROWS_WITH(parse_redis_url("redis+tls://cache"), Catch::Contains("rediss://"));
}

TEST_CASE("a Redis with a password or an ACL user: the right credentials connect, wrong ones never do") {
  test::RedisServer redis({"--requirepass", "pass word 1", "--user", "parley", "on", ">acl-pw", "~*", "&*", "+@all"});
  boost::asio::io_context io;
  auto connect = [&](const std::string& credentials) {
    auto options = parse_redis_url("redis://" + credentials + "@" + redis.url().substr(8));
    options.backoff_min = 20ms;
    options.backoff_max = 100ms;
    auto connection = std::make_shared<RedisConnection>(io.get_executor(), options);
    connection->start();
    return connection;
  };
  auto with_password = connect(":pass%20word%201");
  CHECK(run_until(io, [&] { return with_password->connected(); }));
  auto as_user = connect("parley:acl-pw");
  CHECK(run_until(io, [&] { return as_user->connected(); }));
  std::optional<Reply> who;
  as_user->command({"ACL", "WHOAMI"}, [&](std::error_code, const Reply& r) { who = r; });
  REQUIRE(run_until(io, [&] { return who.has_value(); }));
  CHECK(who->str == "parley");
  auto wrong = connect(":not-it");
  // Several connect attempts (backoff 20-100 ms) within a second: none may succeed.
  CHECK_FALSE(run_until(io, [&] { return wrong->connected(); }, 1s));
  wrong->stop();
  with_password->stop();
  as_user->stop();
}

TEST_CASE("commands round-trip every reply type") {
  Fixture f;
  CHECK(f.call({"SET", "k", std::string("bin\0ary", 7)}).second.str == "OK");
  auto got = f.call({"GET", "k"}).second;
  CHECK(got.type == Reply::Type::string);
  CHECK(got.str == std::string("bin\0ary", 7));
  CHECK(f.call({"GET", "missing"}).second.is_nil());
  CHECK(f.call({"INCRBY", "n", "41"}).second.integer == 41);
  f.call({"RPUSH", "list", "a", "b", "c"});
  auto list = f.call({"LRANGE", "list", "0", "-1"}).second;
  REQUIRE(list.elements.size() == 3);
  CHECK(list.elements[2].str == "c");
  auto [ec, error] = f.call({"INCR", "list"});
  CHECK(ec == Errc::server_error);
  CHECK(error.str.find("WRONGTYPE") == 0);
}

TEST_CASE("pipelined commands complete in order") {
  Fixture f;
  std::vector<std::int64_t> seen;
  for (int i = 0; i < 2000; ++i)
    f.connection->command({"INCR", "counter"}, [&](std::error_code ec, const Reply& r) {
      REQUIRE_FALSE(ec);
      seen.push_back(r.integer);
    });
  REQUIRE(run_until(f.io, [&] { return seen.size() == 2000; }));
  for (std::size_t i = 0; i < seen.size(); ++i) REQUIRE(seen[i] == static_cast<std::int64_t>(i + 1));
}

TEST_CASE("a Redis crash fails what is in flight, refuses new commands, and the connection comes back") {
  Fixture f;
  f.call({"SET", "before", "1"});
  std::optional<std::error_code> in_flight;
  f.connection->command({"BLPOP", "never", "0"}, [&](std::error_code ec, const Reply&) { in_flight = ec; });
  f.io.poll();
  f.redis.kill_hard();
  REQUIRE(run_until(f.io, [&] { return in_flight.has_value() && !f.connection->connected(); }));
  CHECK(*in_flight == Errc::connection_lost);
  CHECK(f.disconnects == 1);
  CHECK(f.call({"PING"}).first == Errc::not_connected);

  f.redis.start();
  REQUIRE(run_until(f.io, [&] { return f.connection->connected(); }, 10s));
  CHECK(f.connects == 2);
  CHECK(f.call({"PING"}).second.str == "PONG");
}

TEST_CASE("subscriptions deliver messages and survive a Redis restart") {
  Fixture f;
  auto options = parse_redis_url(f.redis.url());
  options.backoff_min = 20ms;
  options.backoff_max = 200ms;
  auto subscriber = std::make_shared<RedisConnection>(f.io.get_executor(), options);
  std::vector<std::string> received;
  int subscriber_connects = 0;
  subscriber->on_connected = [&] { ++subscriber_connects; };
  subscriber->subscribe("parley:test", [&](const std::string& channel, const std::string& payload) {
    CHECK(channel == "parley:test");
    received.push_back(payload);
  });
  subscriber->start();
  // PUBLISH answers how many subscribers got it: wait until ours is counted.
  auto publish_until_heard = [&](const std::string& payload) {
    const auto before = received.size();
    for (int attempt = 0; attempt < 200 && received.size() == before; ++attempt) {
      auto [ec, r] = f.call({"PUBLISH", "parley:test", payload});
      if (!ec && r.integer == 1) REQUIRE(run_until(f.io, [&] { return received.size() > before; }));
      else run_until(f.io, [] { return false; }, 20ms);
    }
    return received.size() > before;
  };
  CHECK(publish_until_heard("one"));
  f.redis.kill_hard();
  f.redis.start();
  REQUIRE(run_until(f.io, [&] { return f.connection->connected() && subscriber_connects == 2; }, 10s));
  CHECK(publish_until_heard("two"));
  CHECK(received == std::vector<std::string>{"one", "two"});
  subscriber->stop();
}

TEST_CASE("the health check notices a server that stops answering") {
  Fixture f;
  f.redis.pause();  // the TCP connection stays up; only the answers stop
  std::optional<std::error_code> stuck;
  f.connection->command({"GET", "k"}, [&](std::error_code ec, const Reply&) { stuck = ec; });
  REQUIRE(run_until(f.io, [&] { return f.disconnects == 1; }, 5s));
  CHECK(stuck == Errc::connection_lost);
  f.redis.resume();
  REQUIRE(run_until(f.io, [&] { return f.connection->connected(); }, 5s));
  CHECK(f.call({"PING"}).second.str == "PONG");
}

TEST_CASE("stopping inside a reply callback is safe") {
  Fixture f;
  bool called = false;
  f.connection->command({"PING"}, [&](std::error_code, const Reply&) {
    called = true;
    f.connection->stop();
  });
  REQUIRE(run_until(f.io, [&] { return called && !f.connection->connected(); }));
  CHECK(f.call({"PING"}).first == Errc::not_connected);
}

TEST_CASE("the database in the url is selected before the connection is ready") {
  Fixture f;
  auto options = parse_redis_url(f.redis.url() + "/2");
  auto db2 = std::make_shared<RedisConnection>(f.io.get_executor(), options);
  db2->start();
  REQUIRE(run_until(f.io, [&] { return db2->connected(); }));
  bool stored = false;
  db2->command({"SET", "only-in-2", "x"}, [&](std::error_code ec, const Reply&) { stored = !ec; });
  REQUIRE(run_until(f.io, [&] { return stored; }));
  CHECK(f.call({"GET", "only-in-2"}).second.is_nil());  // f.connection is on database 0
  db2->stop();
}

namespace {

// A redis-server with a plain port (for the test's own checks) and a TLS port
// whose certificate `ca` issued for 127.0.0.1 only; `clients` is Redis'
// tls-auth-clients (yes: a client certificate from its CA is required).
struct TlsRedis {
  TlsRedis(const test::TestCa& ca, const std::string& clients, std::vector<std::string> extra = {})
      : tls_port(test::free_port()), server_cert(ca.issue("redis", "IP:127.0.0.1")), redis([&] {
          std::vector<std::string> args{"--tls-port", std::to_string(tls_port), "--tls-cert-file", server_cert.cert,
                                        "--tls-key-file", server_cert.key, "--tls-ca-cert-file", ca.ca_file(),
                                        "--tls-auth-clients", clients};
          args.insert(args.end(), extra.begin(), extra.end());
          return args;
        }()) {}
  unsigned short tls_port;
  test::TestCa::Issued server_cert;
  test::RedisServer redis;
};

ConnectionOptions quick(ConnectionOptions options) {
  options.backoff_min = 20ms;
  options.backoff_max = 100ms;
  options.connect_timeout = 500ms;
  return options;
}

}  // namespace

TEST_CASE("rediss://: commands and subscriptions over TLS, with the certificate checked, across a Redis restart") {
  test::TestCa ca;
  TlsRedis tls(ca, "optional", {"--user", "parley", "on", ">acl-pw", "~*", "&*", "+@all"});
  boost::asio::io_context io;
  auto options = quick(parse_redis_url("rediss://parley:acl-pw@127.0.0.1:" + std::to_string(tls.tls_port) + "/1"));
  options.tls_ca_file = ca.ca_file();
  auto commands = std::make_shared<RedisConnection>(io.get_executor(), options);
  auto subscriber = std::make_shared<RedisConnection>(io.get_executor(), options);
  std::vector<std::string> received;
  subscriber->subscribe("parley:tls", [&](const std::string&, const std::string& payload) { received.push_back(payload); });
  commands->start();
  subscriber->start();
  REQUIRE(run_until(io, [&] { return commands->connected() && subscriber->connected(); }));

  auto call = [&](std::vector<std::string> args) {
    std::optional<Reply> reply;
    commands->command(std::move(args), [&](std::error_code, const Reply& r) { reply = r; });
    REQUIRE(run_until(io, [&] { return reply.has_value(); }));
    return *reply;
  };
  CHECK(call({"ACL", "WHOAMI"}).str == "parley");
  // A large value crosses many TLS records both ways.
  const std::string big(300 * 1024, 'x');
  CHECK(call({"SET", "big", big}).str == "OK");
  CHECK(call({"GET", "big"}).str == big);
  CHECK(tls.redis.command({"SELECT", "1"}).size() == 1);  // the value went to database 1
  auto publish_until_heard = [&](const std::string& payload) {
    const auto before = received.size();
    for (int attempt = 0; attempt < 200 && received.size() == before; ++attempt)
      if (call({"PUBLISH", "parley:tls", payload}).integer == 1) run_until(io, [&] { return received.size() > before; });
      else run_until(io, [] { return false; }, 20ms);
    return received.size() > before;
  };
  CHECK(publish_until_heard("one"));
  tls.redis.kill_hard();
  REQUIRE(run_until(io, [&] { return !commands->connected(); }, 5s));
  tls.redis.start();
  REQUIRE(run_until(io, [&] { return commands->connected() && subscriber->connected(); }, 10s));
  CHECK(publish_until_heard("two"));
  CHECK(received == std::vector<std::string>{"one", "two"});
  commands->stop();
  subscriber->stop();
}

TEST_CASE("rediss://: a certificate that is not trusted, names another host, or a peer without TLS never connects") {
  test::TestCa ca, stranger("Another CA");
  TlsRedis tls(ca, "optional");
  const std::string tls_url = "rediss://127.0.0.1:" + std::to_string(tls.tls_port);
  struct Case {
    const char* what;
    std::string url;
    std::string ca_file;
    bool connects;
  };
  const std::vector<Case> cases{
      {"trusted CA, right address", tls_url, ca.ca_file(), true},
      {"a CA that did not issue the certificate", tls_url, stranger.ca_file(), false},
      {"the system's CAs only (a private CA is not among them)", tls_url, "", false},
      {"a name the certificate does not carry", "rediss://localhost:" + std::to_string(tls.tls_port), ca.ca_file(), false},
      {"TLS to a plain port", "rediss://127.0.0.1:" + std::to_string(tls.redis.port()), ca.ca_file(), false},
      {"plain to the TLS port", "redis://127.0.0.1:" + std::to_string(tls.tls_port), "", false},
  };
  boost::asio::io_context io;
  for (const auto& c : cases) {
    INFO(c.what);
    auto options = quick(parse_redis_url(c.url));
    options.tls_ca_file = c.ca_file;
    auto connection = std::make_shared<RedisConnection>(io.get_executor(), options);
    connection->start();
    // Several attempts (backoff 20-100 ms, connect timeout 0.5 s) within 1.5 s.
    CHECK(run_until(io, [&] { return connection->connected(); }, 1500ms) == c.connects);
    if (!c.connects) {
      std::optional<std::error_code> refused;
      connection->command({"PING"}, [&](std::error_code ec, const Reply&) { refused = ec; });
      REQUIRE(run_until(io, [&] { return refused.has_value(); }));
      CHECK(*refused == Errc::not_connected);
    }
    connection->stop();
  }
}

TEST_CASE("rediss:// with tls-auth-clients yes: only a client certificate from the server's CA is let in") {
  test::TestCa ca, stranger("Another CA");
  TlsRedis tls(ca, "yes");
  const auto ours = ca.issue("parley-node");
  const auto theirs = stranger.issue("intruder");
  boost::asio::io_context io;
  auto attempt = [&](const test::TestCa::Issued* client) {
    auto options = quick(parse_redis_url("rediss://127.0.0.1:" + std::to_string(tls.tls_port)));
    options.tls_ca_file = ca.ca_file();
    if (client) {
      options.tls_cert_file = client->cert;
      options.tls_key_file = client->key;
    }
    auto connection = std::make_shared<RedisConnection>(io.get_executor(), options);
    connection->start();
    const bool connected = run_until(io, [&] { return connection->connected(); }, 1500ms);
    connection->stop();
    return connected;
  };
  CHECK(attempt(&ours));
  CHECK_FALSE(attempt(nullptr));
  CHECK_FALSE(attempt(&theirs));
}

TEST_CASE("TLS files that cannot be loaded are named when the connection is made, not retried forever") {
  test::TestCa ca;
  const auto client = ca.issue("client");
  auto options = parse_redis_url("rediss://127.0.0.1:1");
  options.tls_ca_file = "/nonexistent/ca.pem";
  CHECK_THROWS_WITH(make_tls_context(options), Catch::Contains("/nonexistent/ca.pem"));
  options.tls_ca_file = ca.ca_file();
  options.tls_cert_file = client.cert;
  CHECK_THROWS_WITH(make_tls_context(options), Catch::Contains("key"));
  options.tls_key_file = ca.ca_file();  // a certificate where the key should be
  CHECK_THROWS_WITH(make_tls_context(options), Catch::Contains(ca.ca_file()));
  options.tls_key_file = client.key;
  CHECK_NOTHROW(make_tls_context(options));
}
