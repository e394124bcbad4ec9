#include "app/config.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

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
  CHECK(config_error({"--threads", "0"}) == "--threads must be between 1 and 64");
  CHECK(config_error({"--listen", "localhost"}).find("ADDR:PORT") != std::string::npos);
  CHECK(config_error({"--listen", "1.2.3.4:99999"}).find("port") != std::string::npos);
  CHECK(config_error({"--nope"}).find("nope") != std::string::npos);
  CHECK(config_error({"--threads", "many"}).find("threads") != std::string::npos);
  CHECK(config_error({"--agents", "/no/such/file"}).find("cannot be read") != std::string::npos);
}

TEST_CASE("the agents file is checked field by field") {
  auto good = write_temp("good.json", R"({"agents":[{"id":"a","name":"Ann","secret":"12345678","role":"tier2",
      "capacity":4,"auto_assign":false,"categories":["deposit","refund"]}]})");
  auto accounts = app::load_accounts(good);
  REQUIRE(accounts.count("a"));
  CHECK(accounts.at("a").role == v1::ROLE_TIER2);
  CHECK(accounts.at("a").max_capacity == 4);
  CHECK_FALSE(accounts.at("a").auto_assign);
  CHECK(accounts.at("a").categories.size() == 2);

  auto error_of = [](const std::string& text) {
    try {
      app::load_accounts(write_temp("bad.json", text));
    } catch (const app::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("{").find("not valid JSON") != std::string::npos);
  CHECK(error_of(R"({"agents":{}})").find("\"agents\" array") != std::string::npos);
  CHECK(error_of(R"({"agents":[{"id":"a","secret":"12345678","role":"boss"}]})").find("agents[0].role") != std::string::npos);
  CHECK(error_of(R"({"agents":[{"id":"a","secret":"short","role":"agent"}]})").find("secret") != std::string::npos);
  CHECK(error_of(R"({"agents":[{"id":"a","secret":"12345678","role":"agent","capacity":0}]})").find("capacity") != std::string::npos);
  CHECK(error_of(R"({"agents":[{"id":"a","secret":"12345678","role":"agent","categories":["crypto"]}]})").find("crypto") != std::string::npos);
  CHECK(error_of(R"({"agents":[{"id":"a","secret":"12345678","role":"agent"},{"id":"a","secret":"12345678","role":"agent"}]})")
            .find("duplicate") != std::string::npos);
}
