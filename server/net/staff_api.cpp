// The staff HTTP API: POST /api/login and POST /api/logout.
//
// Neither is callable cross-site: a browser request must come from this
// server's own pages (Origin equal to the Host), and the body must be JSON,
// which an HTML form cannot send. No cookies are used: the token travels in
// the JSON reply and then in the Hello, so nothing is sent on a user's behalf.

#include "auth/accounts_file.hpp"
#include "net/http_session.hpp"

#include <boost/json.hpp>

namespace parley::net {
namespace json = boost::json;
namespace {

using Request = http::request<http::string_body>;

bool same_origin(const Request& req) {
  const auto origin = req[http::field::origin];
  if (origin.empty()) return req["Sec-Fetch-Site"] != "cross-site";  // not a browser, or an old one
  const auto host = req[http::field::host];
  const auto scheme_end = origin.find("://");
  return scheme_end != std::string_view::npos && !host.empty() && origin.substr(scheme_end + 3) == host;
}

bool is_json(const Request& req) {
  const auto type = req[http::field::content_type];
  return type.substr(0, type.find(';')) == "application/json";
}

std::string_view bearer_token(const Request& req) {
  const std::string_view header = req[http::field::authorization];
  constexpr std::string_view scheme = "Bearer ";
  return header.starts_with(scheme) ? header.substr(scheme.size()) : std::string_view{};
}

std::string string_member(const json::value& body, const char* key) {
  if (!body.is_object()) return {};
  auto it = body.as_object().find(key);
  return it != body.as_object().end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
}

}  // namespace

template <class Stream>
void HttpSession<Stream>::handle_api(Request req, const std::string& path) {
  if (path != "/api/login" && path != "/api/logout")
    return write(error_response(req, http::status::not_found, "not_found", "no such API"));
  if (req.method() != http::verb::post)
    return write(error_response(req, http::status::method_not_allowed, "method_not_allowed", "use POST"));
  if (!same_origin(req))
    return write(error_response(req, http::status::forbidden, "cross_site",
                                "staff sign-in is only possible from this server's own pages"));
  auto& auth = context_.staff_auth;

  if (path == "/api/logout") {
    const std::string token(bearer_token(req));
    return auth.logout(token, [self = this->shared_from_this(), req = std::move(req)](
                                  std::optional<auth::SignedOut> out) mutable {
      // Sockets of that sign-in close at once, on whichever node they are.
      if (out)
        asio::post(self->context_.hub, [&gateway = self->context_.service, out = *out] {
          gateway.sign_out(out.agent_id, out.token_id, out.expires_at_ms);
        });
      self->reply_from_shard([self, req = std::move(req), signed_out = out.has_value()] {
        if (!signed_out)
          return self->write(error_response(req, http::status::unauthorized, "not_signed_in",
                                            "send the session token as 'Authorization: Bearer <token>'"));
        self->write(json_response(req, http::status::ok, {{"signed_out", true}}));
      });
    });
  }

  if (!is_json(req))
    return write(error_response(req, http::status::unsupported_media_type, "expected_json",
                                "send {\"agent_id\": ..., \"password\": ...} as application/json"));
  error_code ec;
  const auto body = json::parse(req.body(), ec);
  const auto agent_id = ec ? std::string() : string_member(body, "agent_id");
  const auto password = ec ? std::string() : string_member(body, "password");
  if (agent_id.empty() || password.empty() || agent_id.size() > 64)
    return write(error_response(req, http::status::bad_request, "invalid_request",
                                "send {\"agent_id\": ..., \"password\": ...} as application/json"));
  const auto address = client_address(req);  // before req moves into the callback
  auth.login(address, agent_id, password,
             [self = this->shared_from_this(), req = std::move(req)](auth::LoginResult result) mutable {
               self->reply_from_shard([self, req = std::move(req), result = std::move(result)] {
                 using O = auth::LoginResult::Outcome;
                 switch (result.outcome) {
                   case O::signed_in:
                     return self->write(json_response(req, http::status::ok,
                                                      {{"token", result.token},
                                                       {"agent_id", result.agent_id},
                                                       {"name", result.display_name},
                                                       {"role", auth::role_name(result.role)},
                                                       {"expires_at_ms", result.expires_at_ms}}));
                   case O::bad_credentials:
                     return self->write(error_response(req, http::status::unauthorized, "bad_credentials",
                                                       "unknown account, disabled account or wrong password"));
                   case O::throttled: {
                     auto res = error_response(req, http::status::too_many_requests, "too_many_attempts",
                                               "too many sign-in attempts; wait " +
                                                   std::to_string(result.retry_after_s) + " s");
                     res.set(http::field::retry_after, std::to_string(result.retry_after_s));
                     return self->write(std::move(res));
                   }
                   case O::busy:
                   case O::unavailable:
                     return self->write(error_response(req, http::status::service_unavailable, "unavailable",
                                                       "sign-in is busy or storage is unavailable; retry shortly"));
                 }
               });
             });
}

template void HttpSession<plain_stream>::handle_api(Request, const std::string&);
template void HttpSession<tls_stream>::handle_api(Request, const std::string&);

}  // namespace parley::net
