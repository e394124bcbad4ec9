#pragma once
// One HTTP connection, plain or TLS: /healthz, the staff API, static files, and
// the /ws upgrade, after which the stream moves to a WebSocketSession. Runs on
// its shard. Compiled for the two stream types in http_session.cpp.

#include "net/beast.hpp"
#include "net/server_context.hpp"

#include <boost/json/object.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace parley::net {

// An API answer: this content type, no-store and the API's security headers.
http::response<http::string_body> api_response(const http::request<http::string_body>& req, http::status status,
                                               std::string_view content_type, std::string body);
http::response<http::string_body> json_response(const http::request<http::string_body>& req, http::status status,
                                                const boost::json::object& body);
http::response<http::string_body> error_response(const http::request<http::string_body>& req, http::status status,
                                                 std::string_view code, std::string_view message);

template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  // `slot` counts this connection against its peer's address; it is empty when
  // the peer is a trusted proxy (the client behind it is counted at the upgrade).
  HttpSession(Stream&& stream, ServerContext& context, ConnectionSlot slot);
  ~HttpSession();
  // Runs the TLS handshake first when the stream is TLS.
  void run();

 private:
  void on_handshake(error_code ec);
  void do_read();
  void on_read(error_code ec, std::size_t bytes);
  void reply_health(http::request<http::string_body> req);
  // GET /metrics: to this machine directly, or with the metrics token.
  void reply_metrics(http::request<http::string_body> req);
  // POST /api/login and /api/logout (net/staff_api.cpp).
  void handle_api(http::request<http::string_body> req, const std::string& path);
  void handle_records_api(http::request<http::string_body> req, const std::string& path);
  // /api/canned[/ID]: the signed-in staff member's canned responses (server/canned).
  void handle_canned_api(http::request<http::string_body> req, const std::string& path);
  // /api/requests...: a visitor's requests; /api/tickets...: the staff's tickets (net/ticket_api.cpp).
  void handle_requests_api(http::request<http::string_body> req, const std::string& path);
  void handle_ticket_api(http::request<http::string_body> req, const std::string& path);
  // /api/reports/chats[.csv]: supervisors' reports (net/report_api.cpp).
  void handle_report_api(http::request<http::string_body> req, const std::string& path);
  // /help...: the help center's pages; /api/help/...: its search (net/help_api.cpp).
  void handle_help(http::request<http::string_body> req, const std::string& path);
  void handle_help_api(http::request<http::string_body> req, const std::string& path);
  bool record_help_event(const http::request<http::string_body>& req, parley::events::v1::Event event);
  void reply_from_shard(std::function<void()> reply);
  // The staff APIs: checks the request's Bearer token against the account as
  // it is now; answers 401 itself, else calls then(member, reply), where
  // reply(response) writes it from this session's shard. In staff_api.cpp.
  template <class Then>
  void as_staff(http::request<http::string_body> req, Then then);
  template <class Response>
  void write(Response&& response);
  void on_write(bool keep_alive, error_code ec, std::size_t bytes);
  // The per-address key of the client: the peer, or X-Real-IP from a trusted proxy.
  std::string client_address(const http::request<http::string_body>& req) const;
  void shutdown();

  Stream stream_;
  ServerContext& context_;
  ConnectionSlot slot_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string route_;  // of the request being answered, for metrics
  std::string request_id_, method_;  // for its log line and X-Request-Id
  std::chrono::steady_clock::time_point request_started_;
  std::shared_ptr<void> response_;  // keeps the response alive while it is written
};

}  // namespace parley::net
