#include "log/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace parley::log {
namespace {

spdlog::level::level_enum to_spdlog(Level level) {
  switch (level) {
    case Level::debug: return spdlog::level::debug;
    case Level::info: return spdlog::level::info;
    case Level::warn: return spdlog::level::warn;
    case Level::error: return spdlog::level::err;
    case Level::off: break;
  }
  return spdlog::level::off;
}

std::string_view name_of(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
    case Level::off: break;
  }
  return "off";
}

spdlog::logger& logger() {
  static const auto instance = [] {
    auto l = std::make_shared<spdlog::logger>("parley", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
    l->set_level(spdlog::level::info);
    l->flush_on(spdlog::level::debug);  // every line reaches the journal at once
    return l;
  }();
  return *instance;
}

// A bare value if it is plain, else quoted with \" \\ \n \r \t and \u00XX escaped.
void append_value(std::string& out, std::string_view value) {
  bool cut = false;
  if (value.size() > max_value_bytes) {
    std::size_t end = max_value_bytes;
    while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;  // not inside a UTF-8 character
    value = value.substr(0, end);
    cut = true;
  }
  bool plain = !value.empty() && !cut;
  for (unsigned char c : value)
    if (c <= 0x20 || c == '"' || c == '=' || c == '\\' || c == 0x7F) plain = false;
  if (plain) {
    out += value;
    return;
  }
  out += '"';
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
          out += buffer;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  if (cut) out += "…";
  out += '"';
}

}  // namespace

std::optional<Level> parse_level(std::string_view name) {
  for (auto level : {Level::debug, Level::info, Level::warn, Level::error, Level::off})
    if (name == name_of(level)) return level;
  return std::nullopt;
}

void set_level(Level level) { logger().set_level(to_spdlog(level)); }

bool enabled(Level level) { return level != Level::off && logger().should_log(to_spdlog(level)); }

std::string format(Level level, std::string_view component, std::string_view message, std::initializer_list<Field> fields) {
  std::string line = "level=";
  line += name_of(level);
  line += " component=";
  append_value(line, component);
  line += " msg=";
  append_value(line, message);
  for (const auto& f : fields) {
    line += ' ';
    line += f.key;
    line += '=';
    append_value(line, f.value);
  }
  return line;
}

void write(Level level, std::string_view component, std::string_view message, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  const auto line = format(level, component, message, fields);
  logger().log(to_spdlog(level), spdlog::string_view_t(line.data(), line.size()));
}

}  // namespace parley::log
