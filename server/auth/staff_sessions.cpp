#include "auth/staff_sessions.hpp"

#include "util/random.hpp"

#include <charconv>

namespace parley::auth {
namespace {
constexpr std::string_view token_prefix = "pst_";
constexpr std::size_t token_bytes = 32;
}  // namespace

IssuedToken issue_session_token() {
  IssuedToken issued;
  issued.token = util::random_token(token_prefix, token_bytes);
  issued.key = session_key(issued.token);
  issued.token_id = token_id_of_key(issued.key);
  return issued;
}

std::string session_key(std::string_view token) {
  if (token.size() != token_prefix.size() + 2 * token_bytes || token.substr(0, token_prefix.size()) != token_prefix)
    return {};
  for (char c : token.substr(token_prefix.size()))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return {};
  return util::hash_hex(token, 32);
}

std::string token_id_of_key(std::string_view key) { return std::string(key.substr(0, 16)); }

std::string encode_staff_session(const StaffSession& session) {
  return session.agent_id + '\t' + session.credential_stamp + '\t' + std::to_string(session.expires_at_ms);
}

std::optional<StaffSession> decode_staff_session(std::string_view text) {
  const auto first = text.find('\t');
  const auto second = first == std::string_view::npos ? first : text.find('\t', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  StaffSession session;
  session.agent_id = std::string(text.substr(0, first));
  session.credential_stamp = std::string(text.substr(first + 1, second - first - 1));
  const auto expiry = text.substr(second + 1);
  auto [end, ec] = std::from_chars(expiry.data(), expiry.data() + expiry.size(), session.expires_at_ms);
  if (ec != std::errc() || end != expiry.data() + expiry.size()) return std::nullopt;
  return session;
}

}  // namespace parley::auth
