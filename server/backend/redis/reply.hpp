#pragma once
// A Redis reply copied out of hiredis, so nothing outside backend/redis/ ever
// sees a redisReply.

#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

namespace parley::backend::redis {

struct Reply {
  enum class Type { string, array, integer, nil, status, error };
  Type type = Type::nil;
  std::string str;  // string, status and error replies
  std::int64_t integer = 0;
  std::vector<Reply> elements;

  bool is_error() const { return type == Type::error; }
  bool is_nil() const { return type == Type::nil; }
};

enum class Errc {
  not_connected = 1,  // the command was not sent: no connection right now
  connection_lost,    // sent, but the connection dropped before the reply
  server_error,       // Redis answered with an error reply (in Reply::str)
  timeout,
  stopped,            // the connection was stopped by its owner
};

const std::error_category& error_category();
inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), error_category()}; }

}  // namespace parley::backend::redis

template <>
struct std::is_error_code_enum<parley::backend::redis::Errc> : std::true_type {};
