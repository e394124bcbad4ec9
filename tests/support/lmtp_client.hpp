#pragma once
// An LMTP client for tests, over loopback: one command, one reply (every line
// of a multi-line one), and a whole delivery. Plain blocking sockets; the
// server is the real parley-server's listener (--lmtp-listen).

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/streambuf.hpp>

#include <string>
#include <vector>

namespace parley::test {

class LmtpClient {
 public:
  explicit LmtpClient(unsigned short port);
  // The greeting (220 ...) is read by the constructor.
  const std::string& greeting() const { return greeting_; }
  // Sends a line (CRLF added) and reads one reply: its lines joined by "\n".
  std::string command(const std::string& line);
  // Sends raw bytes as they are.
  void send_raw(const std::string& bytes);
  // One reply line.
  std::string read_line();
  // One reply (lines until one with a space after the code).
  std::string read_reply();
  // LHLO, MAIL, every RCPT, DATA, the message dot-stuffed, the final dot;
  // the per-recipient replies after the data (or the first refusal on the way).
  std::vector<std::string> deliver(const std::string& from, const std::vector<std::string>& recipients, const std::string& raw);
  bool closed_by_server();  // true if the server has closed the connection

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::streambuf in_;
  std::string greeting_;
  bool greeted_ = false;
};

// A mail as a raw RFC 5322 message with CRLF line ends: headers then body.
std::string raw_mail(const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body);

}  // namespace parley::test
