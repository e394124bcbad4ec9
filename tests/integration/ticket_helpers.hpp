#pragma once
// What the ticket and mail integration tests share: a request as the widget
// sends it, the staff view of a ticket, a server that mails through the sink.
#include "integration/helpers.hpp"
#include "support/smtp_sink.hpp"
#include "support/temp_dir.hpp"

#include <boost/json.hpp>

namespace parley::test {
namespace json = boost::json;

inline const std::string token_a = "tok_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

inline json::object request_body(const std::string& token, const std::string& email = "li@example.com") {
  return {{"token", token},       {"email", email},         {"name", "Li Wei"},
          {"text", "我的充值没有到账"}, {"category", "deposit"},  {"subject", "充值未到账"},
          {"locale", "zh-CN"},    {"time_zone", "Asia/Shanghai"}, {"transaction_id", "0xabc123"}};
}

inline HttpResult post_json(unsigned short port, const std::string& target, const json::object& body,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  return http_request(port, "POST", target, json::serialize(body), headers);
}

inline std::vector<std::string> server_with_mail(const TempDir& data, const SmtpSink& sink) {
  return server_args({"--data-dir", data.path().string(), "--smtp", sink.url(), "--smtp-starttls", "off", "--mail-from",
                      "support@example.com", "--mail-retry-seconds", "1"});
}

inline json::value ticket(unsigned short port, const std::string& staff_token, const std::string& id) {
  auto res = http_request(port, "GET", "/api/tickets/" + id, "", {{"Authorization", "Bearer " + staff_token}});
  INFO(res.body);
  REQUIRE(res.status == 200);
  return json::parse(res.body).at("ticket");
}

// The next system notice of this kind the client receives (messages before it skipped).
inline v1::Message expect_notice(WsClient& ws, v1::NoticeKind kind) {
  v1::Message notice;
  do notice = ws.expect(F::kMessage).message();
  while (notice.notice().kind() != kind);
  return notice;
}

inline std::string header(const std::string& mail, const std::string& name) {
  const auto at = mail.find("\r\n" + name + ": ");
  if (at == std::string::npos) return {};
  const auto start = at + name.size() + 4;
  return mail.substr(start, mail.find("\r\n", start) - start);
}


}  // namespace parley::test
