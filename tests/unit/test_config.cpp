#include "app/config.hpp"
#include "auth/accounts_file.hpp"
#include "auth/password.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

using namespace parley;
namespace fs = std::filesystem;

namespace {
fs::path write_temp(const std::string& name, const std::string& text) {
  auto path = fs::temp_directory_path() / ("parley-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path;
}
std::string config_error(std::vector<std::string> args) {
  args.insert(args.begin(), "parley-server");
  try {
    app::parse_args(args);
  } catch (const app::ConfigError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("flags are parsed and validated with one-line errors") {
  auto parsed = app::parse_args({"parley-server", "--listen", "127.0.0.1:0", "--threads", "3", "--grace-period", "1.5"});
  REQUIRE(parsed.config);
  CHECK(parsed.config->listen_port == 0);
  CHECK(parsed.config->threads == 3);
  CHECK(parsed.config->service.grace_period_ms == 1500);
  CHECK(app::parse_args({"parley-server", "--help"}).output.find("--grace-period") != std::string::npos);
  // One version, from CMake's project(): the same in --version and /healthz.
  CHECK(app::parse_args({"parley-server", "--version"}).output == std::string("parley-server ") + PARLEY_PROJECT_VERSION + "\n");
  CHECK(config_error({"--threads", "0"}) == "--threads must be between 1 and 64");
  CHECK(config_error({"--listen", "localhost"}).find("ADDR:PORT") != std::string::npos);
  CHECK(config_error({"--listen", "1.2.3.4:99999"}).find("port") != std::string::npos);
  CHECK(config_error({"--nope"}).find("nope") != std::string::npos);
  CHECK(config_error({"--threads", "many"}).find("threads") != std::string::npos);
  CHECK(config_error({"--agents", "/no/such/file"}).find("cannot be read") != std::string::npos);
}

TEST_CASE("the records are kept in ./data unless told otherwise") {
  auto plain = app::parse_args({"parley-server"});
  REQUIRE(plain.config);
  CHECK(plain.config->data_dir == fs::path("data"));
  CHECK(plain.config->search_dir == fs::path("data") / "search");
  auto memory = app::parse_args({"parley-server", "--memory-only"});
  REQUIRE(memory.config);
  CHECK_FALSE(memory.config->data_dir);
  CHECK_FALSE(memory.config->search_dir);
  auto postgres = app::parse_args({"parley-server", "--database", "postgres://db/parley"});
  REQUIRE(postgres.config);
  CHECK_FALSE(postgres.config->data_dir);
  CHECK(config_error({"--memory-only", "--data-dir", "x"}).find("--memory-only") != std::string::npos);
  CHECK(config_error({"--data-dir", "x", "--database", "postgres://db/p"}).find("choose one") != std::string::npos);
  CHECK(config_error({"--database", "mysql://x"}).find("PostgreSQL") != std::string::npos);
}

TEST_CASE("several nodes keep their records in PostgreSQL, Redis carries only live traffic") {
  auto node = app::parse_args({"parley-server", "--redis", "redis://r:6379", "--database", "postgres://db/parley"});
  REQUIRE(node.config);
  CHECK(node.config->redis);
  CHECK(node.config->database_url == "postgres://db/parley");
  CHECK_FALSE(node.config->data_dir);
  CHECK(config_error({"--redis", "redis://r:6379"}).find("--database") != std::string::npos);
  CHECK(config_error({"--redis", "redis://r:6379", "--data-dir", "x"}).find("--database") != std::string::npos);
  CHECK(config_error({"--redis", "redis://r:6379", "--database", "postgres://db/p", "--retention-days", "30"})
            .find("--redis") != std::string::npos);
}

TEST_CASE("rediss:// takes a CA and a client certificate, and misused TLS flags are one clear error") {
  const std::vector<std::string> node{"--database", "postgres://db/parley"};
  auto with = [&](std::vector<std::string> flags) {
    flags.insert(flags.end(), node.begin(), node.end());
    return flags;
  };
  const std::string here = PARLEY_SOURCE_DIR "/tests/unit/test_config.cpp";  // readable, but not a certificate
  auto tls = app::parse_args([&] {
    auto flags = with({"--redis", "rediss://:pw@cache:6380"});
    flags.insert(flags.begin(), "parley-server");
    return flags;
  }());
  REQUIRE(tls.config);
  CHECK(tls.config->redis->tls);
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad{
      {with({"--redis", "redis://cache", "--redis-ca-file", here}), "rediss://"},
      {with({"--redis-ca-file", here}), "rediss://"},
      {with({"--redis", "rediss://cache", "--redis-cert-file", here}), "go together"},
      {with({"--redis", "rediss://cache", "--redis-ca-file", "/nonexistent/ca.pem"}), "/nonexistent/ca.pem"},
      {with({"--redis", "rediss://cache", "--redis-ca-file", here}), "test_config.cpp"},
      {with({"--redis", "rediss://cache", "--redis-cert-file", here, "--redis-key-file", here}), "test_config.cpp"},
  };
  for (const auto& [flags, expected] : bad) {
    INFO(flags[1] << " " << flags[3]);
    CHECK(config_error(flags).find(expected) != std::string::npos);
  }
}

TEST_CASE("security limits are flags with safe defaults") {
  auto defaults = *app::parse_args({"parley-server"}).config;
  CHECK(defaults.connection.max_frame_bytes == 64 * 1024);
  CHECK(defaults.connection.handshake_timeout == std::chrono::seconds(10));
  CHECK(defaults.connection.idle_timeout == std::chrono::seconds(60));
  CHECK(defaults.connection.max_connections_per_address == 100);
  CHECK(defaults.service.new_chats_per_address_per_minute == 10);
  CHECK(defaults.login.attempts_per_ip_per_minute == 20);
  CHECK(defaults.login.account_failures_per_hour == 100);
  CHECK(defaults.staff_session_ttl == std::chrono::hours(12));
  CHECK_FALSE(defaults.tls_cert);
  auto tuned = *app::parse_args({"parley-server", "--handshake-timeout", "3", "--idle-timeout", "20",
                                 "--max-connections-per-ip", "5", "--new-chats-per-ip-per-minute", "2",
                                 "--login-attempts-per-minute", "4", "--staff-session-hours", "1"})
                    .config;
  CHECK(tuned.connection.handshake_timeout == std::chrono::seconds(3));
  CHECK(tuned.connection.idle_timeout == std::chrono::seconds(20));
  CHECK(tuned.connection.max_connections_per_address == 5);
  CHECK(tuned.service.new_chats_per_address_per_minute == 2);
  CHECK(tuned.login.attempts_per_ip_per_minute == 4);
  CHECK(tuned.staff_session_ttl == std::chrono::hours(1));
  CHECK(config_error({"--login-failures-per-account-per-hour", "0"}).find("between 1") != std::string::npos);
  CHECK(config_error({"--idle-timeout", "1"}).find("at least 2") != std::string::npos);
  CHECK(config_error({"--max-connections-per-ip", "0"}).find("at least 1") != std::string::npos);
  CHECK(config_error({"--identity-site", "exchange"}).find("SITE=PATH") != std::string::npos);
  CHECK(config_error({"--identity-site", "exchange=/no/such"}).find("cannot be read") != std::string::npos);
}

TEST_CASE("trusted proxies: none by default, addresses and networks by flag") {
  namespace ip = boost::asio::ip;
  auto defaults = *app::parse_args({"parley-server"}).config;
  CHECK(defaults.trusted_proxies.empty());
  CHECK_FALSE(defaults.trusted_proxies.contains(ip::make_address("127.0.0.1")));
  auto tuned = *app::parse_args({"parley-server", "--trusted-proxy", "127.0.0.1", "--trusted-proxy", "10.1.0.0/16",
                                 "--trusted-proxy", "fd00::/8", "--trusted-proxy", "::1"})
                    .config;
  const auto& t = tuned.trusted_proxies;
  CHECK(t.contains(ip::make_address("127.0.0.1")));
  CHECK(t.contains(ip::make_address("::ffff:127.0.0.1")));
  CHECK_FALSE(t.contains(ip::make_address("127.0.0.2")));
  CHECK(t.contains(ip::make_address("10.1.255.3")));
  CHECK_FALSE(t.contains(ip::make_address("10.2.0.1")));
  CHECK(t.contains(ip::make_address("fd12::1")));
  CHECK(t.contains(ip::make_address("::1")));
  CHECK_FALSE(t.contains(ip::make_address("fe80::1")));
  // The header is believed from a trusted peer only, and only when it is an address.
  CHECK(net::client_of(ip::make_address("127.0.0.1"), "192.0.2.9", t) == ip::make_address("192.0.2.9"));
  CHECK(net::client_of(ip::make_address("127.0.0.1"), "not-an-ip", t) == ip::make_address("127.0.0.1"));
  CHECK(net::client_of(ip::make_address("192.0.2.1"), "192.0.2.9", t) == ip::make_address("192.0.2.1"));
  CHECK(net::address_key(ip::make_address("2001:db8:1:2:3:4:5:6")) == "2001:db8:1:2::/64");
  CHECK(net::address_key(ip::make_address("::ffff:192.0.2.4")) == "192.0.2.4");
  for (const char* bad : {"localhost", "10.0.0.0/33", "::1/129", "10.0.0.0/", "10.0.0.0/x", "1.2.3.4/8/8", ""})
    CHECK(config_error({"--trusted-proxy", bad}).find("--trusted-proxy") != std::string::npos);
}

TEST_CASE("the agents file is checked field by field") {
  const auto hash = auth::hash_password("correct horse", auth::HashCost::minimal);
  auto accounts = auth::parse_accounts(R"({"agents":[{"id":"a","name":"Ann","password_hash":")" + hash +
                                           R"(","role":"tier2","capacity":4,"auto_assign":false,"disabled":true,
                                           "categories":["deposit","refund"]}]})",
                                       "test");
  REQUIRE(accounts.count("a"));
  CHECK(accounts.at("a").role == v1::ROLE_TIER2);
  CHECK(accounts.at("a").max_capacity == 4);
  CHECK_FALSE(accounts.at("a").auto_assign);
  CHECK(accounts.at("a").disabled);
  CHECK(accounts.at("a").categories.size() == 2);
  CHECK(accounts.at("a").credential_stamp == auth::credential_stamp(hash));

  auto error_of = [](const std::string& text) {
    try {
      auth::parse_accounts(text, "agents file x.json");
    } catch (const auth::AccountsFileError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string h = R"("password_hash":")" + hash + R"(")";
  CHECK(error_of("{").find("not valid JSON") != std::string::npos);
  CHECK(error_of(R"({"agents":{}})").find("\"agents\" array") != std::string::npos);
  CHECK(error_of(R"({"agents":[{"id":"a",)" + h + R"(,"role":"boss"}]})").find("agents[0].role") != std::string::npos);
  CHECK(error_of(R"({"agents":[{"id":"a","secret":"12345678","role":"agent"}]})").find("parley-admin reset a") !=
        std::string::npos);
  CHECK(error_of(R"({"agents":[{"id":"a","password_hash":"plain","role":"agent"}]})").find("argon2id") != std::string::npos);
  CHECK(error_of(R"({"agents":[{"id":"a",)" + h + R"(,"role":"agent","capacity":0}]})").find("capacity") != std::string::npos);
  CHECK(error_of(R"({"agents":[{"id":"a",)" + h + R"(,"role":"agent","categories":["crypto"]}]})").find("crypto") !=
        std::string::npos);
  CHECK(error_of(R"({"agents":[{"id":"a",)" + h + R"(,"role":"agent"},{"id":"a",)" + h + R"(,"role":"agent"}]})")
            .find("duplicate") != std::string::npos);
}

TEST_CASE("saving the agents file and reading it back gives the same accounts") {
  chat::AccountDirectory accounts;
  chat::AgentAccount a;
  a.id = "mei";
  a.display_name = "Mei \"M\" Lin";
  a.role = v1::ROLE_AGENT;
  a.max_capacity = 7;
  a.auto_assign = false;
  a.categories = {v1::CATEGORY_WITHDRAWAL};
  a.password_hash = auth::hash_password("secret password", auth::HashCost::minimal);
  accounts.emplace(a.id, a);
  chat::AgentAccount root = a;
  root.id = "root";
  root.role = v1::ROLE_ADMIN;
  root.disabled = true;
  root.categories.clear();
  accounts.emplace(root.id, root);
  auto file = write_temp("saved.json", "");
  fs::remove(file);  // a new file is its maker's alone (an existing one keeps its group: test_staff_auth)
  auth::save_accounts(file, accounts);
  CHECK((fs::status(file).permissions() & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  auto loaded = auth::load_accounts(file);
  REQUIRE(loaded.size() == 2);
  CHECK(loaded.at("mei").display_name == a.display_name);
  CHECK(loaded.at("mei").max_capacity == 7);
  CHECK_FALSE(loaded.at("mei").auto_assign);
  CHECK(loaded.at("mei").categories == a.categories);
  CHECK(loaded.at("root").role == v1::ROLE_ADMIN);
  CHECK(loaded.at("root").disabled);
  CHECK(auth::verify_password(loaded.at("mei").password_hash, "secret password"));
}

TEST_CASE("the hours file: the shipped example is valid, a bad one stops the start with where it is wrong") {
  auto parsed = app::parse_args({"parley-server", "--hours", std::string(PARLEY_SOURCE_DIR) + "/deploy/hours.example.json"});
  REQUIRE(parsed.config);
  CHECK(parsed.config->hours->configured());
  CHECK(parsed.config->hours->of("withdrawal").time_zone() == "Asia/Shanghai");
  CHECK(parsed.config->hours->of("tier2").time_zone() == "Europe/London");
  CHECK(parsed.config->hours_file);
  // Without the flag: open round the clock.
  CHECK_FALSE(app::parse_args({"parley-server"}).config->hours->configured());
  const auto bad = write_temp("hours.json", R"({"default": {"time_zone": "Asia/Shanghai", "weekly": {"mon": ["9-18"]}}})");
  CHECK(config_error({"--hours", bad.string()}).find("--hours: " + bad.string() + ": default.weekly.mon[0]") == 0);
  CHECK(config_error({"--hours", "/nonexistent/hours.json"}).find("cannot be read") != std::string::npos);
  fs::remove(bad);
}

namespace {
app::Config parse_with(std::vector<std::string> args) {
  args.insert(args.begin(), "parley-server");
  auto parsed = app::parse_args(args);
  REQUIRE(parsed.config);
  return std::move(*parsed.config);
}
}  // namespace

TEST_CASE("a config file carries the flags by name, and a flag given on the command line wins") {
  const auto file = write_temp("good.toml", R"(# Parley settings
listen = "127.0.0.1:9090"
threads = 2
allowed-origin = ["https://www.example.com", "https://m.example.com"]
memory-only = true
log-level = "warn"
grace-period = 45.5
)");
  auto config = parse_with({"--config", file.string()});
  CHECK(config.listen_port == 9090);
  CHECK(config.threads == 2);
  CHECK(config.allowed_origins == std::vector<std::string>{"https://www.example.com", "https://m.example.com"});
  CHECK_FALSE(config.data_dir);
  CHECK(config.log_level == log::Level::warn);
  CHECK(config.service.grace_period_ms == 45'500);
  // Flags win: one value, and a list given as flags replaces the file's list.
  config = parse_with({"--config", file.string(), "--threads", "3", "--allowed-origin", "https://other.example"});
  CHECK(config.threads == 3);
  CHECK(config.allowed_origins == std::vector<std::string>{"https://other.example"});
  CHECK(config.listen_port == 9090);
  // A switch set to false is as if it were not there.
  const auto off = write_temp("off.toml", "memory-only = false\ndata-dir = \"" + (fs::temp_directory_path() / "parley-cfg-data").string() + "\"\n");
  CHECK(parse_with({"--config", off.string()}).data_dir);
  fs::remove(file);
  fs::remove(off);
}

TEST_CASE("a bad config file is one line naming the file, the line and the key") {
  struct Row {
    std::string text, says;
  } rows[] = {
      {"listen = \"127.0.0.1:8080\"\nlisen = \"x\"\n", ":2: unknown key \"lisen\""},
      {"threads = \"many\"\n", ":1: "},
      {"threads = 0\n", "--threads must be between 1 and 64"},
      {"listen = [\"a:1\", \"b:2\"]\n", ":1: listen: one value, not a list"},
      {"memory-only = \"yes\"\n", ":1: memory-only: true or false"},
      {"[mail]\nurl = \"smtp://x\"\n", ": unknown key \"mail\""},
      {"[smtp]\nurl = \"smtp://x\"\n", ":1: smtp: a string, number"},
      {"help = true\n", ":1: unknown key \"help\""},
      {"config = \"/etc/other.toml\"\n", ":1: unknown key \"config\""},
      {"threads = 2\nthreads = 3\n", ":2: not valid TOML"},
      {"listen = \"127.0.0.1:8080\n", ":1: not valid TOML"},
      {"listen 127.0.0.1\n", ":1: not valid TOML"},
      {"log-level = \"loud\"\n", "--log-level must be debug, info, warn or error"},
      {"allowed-origin = [\"https://a.example\", [\"nested\"]]\n", ":1: allowed-origin: a string, number"},
  };
  for (const auto& row : rows) {
    INFO(row.text);
    const auto file = write_temp("bad.toml", row.text);
    const auto said = config_error({"--config", file.string()});
    CHECK_THAT(said, Catch::Contains(row.says));
    CHECK(said.find('\n') == std::string::npos);
    if (row.says.starts_with(":")) CHECK_THAT(said, Catch::StartsWith(file.string()));
    fs::remove(file);
  }
  CHECK_THAT(config_error({"--config", "/no/such/parley.toml"}), Catch::Contains("cannot read /no/such/parley.toml"));
}

TEST_CASE("the annotated example config names every flag, and parses") {
  const fs::path example = fs::path(PARLEY_SOURCE_DIR) / "deploy" / "parley.example.toml";
  std::ifstream in(example);
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  REQUIRE_FALSE(text.empty());
  const auto help = app::parse_args({"parley-server", "--help"}).output;
  std::size_t flags = 0;
  std::istringstream lines(help);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("  --")) continue;  // a flag's first line, not its wrapped description
    const auto name = line.substr(4, line.find(' ', 4) - 4);
    if (name == "version" || name == "config") continue;
    ++flags;
    INFO(name);
    CHECK(text.find("\n# " + name + " = ") != std::string::npos);
  }
  CHECK(flags > 30);
  CHECK(parse_with({"--config", example.string(), "--memory-only"}).threads >= 1);
}
