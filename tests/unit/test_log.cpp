// Structured log lines: logfmt that a hostile value cannot break (a forged
// line, a forged field, a huge line), and the levels --log-level takes.
#include "log/log.hpp"

#include <catch2/catch.hpp>

using namespace parley;

TEST_CASE("log: a line is level, component, message and fields as key=value") {
  CHECK(log::format(log::Level::info, "store", "reconnected", {{"epoch", 7}, {"ok", true}, {"node", "n-1"}}) ==
        "level=info component=store msg=reconnected epoch=7 ok=true node=n-1");
  CHECK(log::format(log::Level::warn, "http", "request failed", {{"status", 503u}}) ==
        "level=warn component=http msg=\"request failed\" status=503");
}

TEST_CASE("log: values are quoted and escaped so one cannot forge a line or a field") {
  struct Row {
    std::string value, written;
  } rows[] = {
      {"plain", "plain"},
      {"", "\"\""},
      {"two words", "\"two words\""},
      {"x\nlevel=error component=auth msg=forged", "\"x\\nlevel=error component=auth msg=forged\""},
      {"a\r\nb", "\"a\\r\\nb\""},
      {"key=value", "\"key=value\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"back\\slash", "\"back\\\\slash\""},
      {"tab\there", "\"tab\\there\""},
      {std::string("nul\0byte", 8), "\"nul\\u0000byte\""},
      {"\x1b[31mred", "\"\\u001b[31mred\""},
      {"del\x7f", "\"del\\u007f\""},
      {"提现", "提现"},
  };
  for (const auto& row : rows) {
    INFO(row.value);
    const auto line = log::format(log::Level::info, "t", "m", {{"v", row.value}});
    CHECK(line == "level=info component=t msg=m v=" + row.written);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find('\r') == std::string::npos);
  }
}

TEST_CASE("log: a long value is cut, never inside a UTF-8 character") {
  const std::string long_ascii(10'000, 'a');
  const auto line = log::format(log::Level::info, "t", "m", {{"v", long_ascii}});
  CHECK(line.size() < log::max_value_bytes + 64);
  CHECK(line.ends_with("…\""));
  std::string chinese;
  while (chinese.size() < 2 * log::max_value_bytes) chinese += "提";  // 3 bytes each
  const auto cut = log::format(log::Level::info, "t", "m", {{"v", chinese}});
  const auto value = cut.substr(cut.find("v=\"") + 3);
  const auto body = value.substr(0, value.size() - std::string("…\"").size());
  CHECK(body.size() % 3 == 0);
  CHECK(body.size() <= log::max_value_bytes);
}

TEST_CASE("log: levels by name, and what each lets through") {
  CHECK(log::parse_level("debug") == log::Level::debug);
  CHECK(log::parse_level("warn") == log::Level::warn);
  for (const char* bad : {"", "INFO", "warning", "err", "trace", "debug "}) {
    INFO(bad);
    CHECK_FALSE(log::parse_level(bad));
  }
  log::set_level(log::Level::warn);
  CHECK_FALSE(log::enabled(log::Level::info));
  CHECK(log::enabled(log::Level::warn));
  CHECK(log::enabled(log::Level::error));
  log::set_level(log::Level::debug);
  CHECK(log::enabled(log::Level::debug));
  log::set_level(log::Level::info);
  CHECK_FALSE(log::enabled(log::Level::debug));
  CHECK_FALSE(log::enabled(log::Level::off));
}
