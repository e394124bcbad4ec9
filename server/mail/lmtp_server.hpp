#pragma once
// E-mail in: an LMTP listener (RFC 2033) for the site's mail server (Postfix
// or Exim hands mail for the support address to it, and keeps retrying while
// Parley is down). Only the protocol is here: a delivered message goes to
// `Deliver`, and each recipient is answered with what it says, so 250 is sent
// only once the raw mail is stored (mail/inbound.hpp, RecordStore::receive_mail).
//
// Meant for loopback or a private network: it has no authentication and no
// TLS of its own (the site's mail server does both toward the internet).
//
// Limits, and the answer at each: 32 sessions at once (a 33rd gets 421 and is
// closed); 100 recipients a message (452); a command line of 2 KiB, a data
// line of 64 KiB (500 and closed: not a mail server's output); 25 MiB a
// message (SIZE is announced; larger gets 552 and is not stored); 5 minutes
// idle (closed); 20 errors in one session (421 and closed).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace parley::mail {

struct LmtpSettings {
  std::string host_name = "parley";
  std::size_t max_sessions = 32;
  std::size_t max_recipients = 100;
  std::size_t max_message_bytes = 25 * 1024 * 1024;
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(5)};
};

struct Envelope {
  std::string from;                     // MAIL FROM's address; empty for <> (a bounce)
  std::vector<std::string> recipients;  // RCPT TO's addresses
};

struct LmtpReply {
  int code = 451;    // 250, 451, 550, ...
  std::string text;  // after the code: an enhanced status code and words
};

class LmtpServer {
 public:
  // Runs on any thread; `done` may be called on any thread, once.
  using Deliver = std::function<void(Envelope envelope, std::string raw, std::function<void(LmtpReply)> done)>;

  LmtpServer(boost::asio::any_io_executor executor, const boost::asio::ip::tcp::endpoint& endpoint, LmtpSettings settings,
             Deliver deliver);
  ~LmtpServer();
  LmtpServer(const LmtpServer&) = delete;
  LmtpServer& operator=(const LmtpServer&) = delete;

  void start();
  // Stops accepting and closes every session (their deliveries still complete).
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace parley::mail
