#pragma once
// Structured logs: one line per event on stderr (journald and docker keep
// it), logfmt key=value pairs after a UTC timestamp:
//
//   2026-12-06T12:44:48.123Z level=warn component=store msg="could not commit" error="disk I/O error"
//
// spdlog does the writing (one lock per line, level filtering); this header
// keeps it out of every other target. Rules for callers: `msg` is a fixed
// sentence, the variable parts are fields; lines about a conversation, ticket
// or HTTP request carry its id (`conversation=`, `ticket=`, `request=`); no
// message text, note, password, token or e-mail body is ever a field. Values
// are quoted and escaped when they need to be and cut at 512 bytes, so a
// hostile value can neither forge a line nor make one huge.

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace parley::log {

enum class Level { debug, info, warn, error, off };

// "debug", "info", "warn", "error", "off"; nothing for anything else.
std::optional<Level> parse_level(std::string_view name);
void set_level(Level level);  // default: info
bool enabled(Level level);

struct Field {
  std::string_view key;
  std::string value;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  Field(std::string_view k, const std::string& v) : key(k), value(v) {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  Field(std::string_view k, T v) : key(k), value(std::to_string(v)) {}
};

inline constexpr std::size_t max_value_bytes = 512;

// The line after the timestamp: `level=... component=... msg="..." key=value ...`.
std::string format(Level level, std::string_view component, std::string_view message,
                   std::initializer_list<Field> fields = {});
void write(Level level, std::string_view component, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view component, std::string_view message, std::initializer_list<Field> fields = {}) {
  if (enabled(Level::debug)) write(Level::debug, component, message, fields);
}
inline void info(std::string_view component, std::string_view message, std::initializer_list<Field> fields = {}) {
  write(Level::info, component, message, fields);
}
inline void warn(std::string_view component, std::string_view message, std::initializer_list<Field> fields = {}) {
  write(Level::warn, component, message, fields);
}
inline void error(std::string_view component, std::string_view message, std::initializer_list<Field> fields = {}) {
  write(Level::error, component, message, fields);
}

}  // namespace parley::log
