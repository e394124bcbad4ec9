#pragma once
// What the HTTP APIs share (net/staff_api.cpp, net/ticket_api.cpp): request
// checks, query parameters, and HttpSession::as_staff. Included by those
// .cpp files only (it pulls in Beast).

#include "net/http_session.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <string>
#include <string_view>

namespace parley::net::api {
namespace json = boost::json;
using Request = http::request<http::string_body>;

// A browser request from this server's own pages (or not a browser at all).
inline bool same_origin(const Request& req) {
  const auto origin = req[http::field::origin];
  if (origin.empty()) return req["Sec-Fetch-Site"] != "cross-site";  // not a browser, or an old one
  const auto host = req[http::field::host];
  const auto scheme_end = origin.find("://");
  return scheme_end != std::string_view::npos && !host.empty() && origin.substr(scheme_end + 3) == host;
}

inline bool is_json(const Request& req) {
  const auto type = req[http::field::content_type];
  return type.substr(0, type.find(';')) == "application/json";
}

inline std::string_view bearer_token(const Request& req) {
  const std::string_view header = req[http::field::authorization];
  constexpr std::string_view scheme = "Bearer ";
  return header.starts_with(scheme) ? header.substr(scheme.size()) : std::string_view{};
}

// A query-string parameter, percent- and '+'-decoded; empty if absent or malformed.
inline std::string query_param(std::string_view target, std::string_view name) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    const auto eq = pair.find('=');
    if (pair.substr(0, eq) != name || eq == std::string_view::npos) continue;
    std::string out;
    const auto raw = pair.substr(eq + 1);
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '+') out += ' ';
      else if (raw[i] != '%') out += raw[i];
      else {
        if (i + 2 >= raw.size() || !std::isxdigit(static_cast<unsigned char>(raw[i + 1])) ||
            !std::isxdigit(static_cast<unsigned char>(raw[i + 2])))
          return {};
        out += static_cast<char>(std::stoi(std::string(raw.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      }
    }
    return out;
  }
  return {};
}

inline std::string string_member(const json::value& body, const char* key) {
  if (!body.is_object()) return {};
  auto it = body.as_object().find(key);
  return it != body.as_object().end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
}

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace parley::net::api

namespace parley::net {

template <class Stream>
template <class Then>
void HttpSession<Stream>::as_staff(api::Request req, Then then) {
  const std::string token(api::bearer_token(req));
  context_.staff_auth.verify_member(token, [self = this->shared_from_this(), req = std::move(req), then = std::move(then)](
                                               std::optional<auth::StaffMember> member) mutable {
    auto reply = [self, req](http::response<http::string_body> res) {
      self->reply_from_shard([self, res = std::move(res)]() mutable { self->write(std::move(res)); });
    };
    if (!member)
      return reply(error_response(req, http::status::unauthorized, "not_signed_in",
                                  "send the session token as 'Authorization: Bearer <token>'"));
    then(req, *member, reply);
  });
}

}  // namespace parley::net
