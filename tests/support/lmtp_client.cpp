#include "support/lmtp_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>

#include <istream>

namespace parley::test {
namespace asio = boost::asio;

LmtpClient::LmtpClient(unsigned short port) : socket_(io_) {
  socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  greeting_ = read_reply();
}

void LmtpClient::send_raw(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }

std::string LmtpClient::read_line() {
  boost::system::error_code ec;
  asio::read_until(socket_, in_, "\r\n", ec);
  if (ec) return "";
  std::istream s(&in_);
  std::string line;
  std::getline(s, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string LmtpClient::read_reply() {
  std::string out;
  for (;;) {
    const auto line = read_line();
    if (line.empty()) return out;
    out += (out.empty() ? "" : "\n") + line;
    if (line.size() < 4 || line[3] != '-') return out;
  }
}

std::string LmtpClient::command(const std::string& line) {
  send_raw(line + "\r\n");
  return read_reply();
}

std::vector<std::string> LmtpClient::deliver(const std::string& from, const std::vector<std::string>& recipients,
                                             const std::string& raw) {
  if (!greeted_) {
    command("LHLO tests.example");
    greeted_ = true;
  }
  auto r = command("MAIL FROM:<" + from + ">");
  if (r.rfind("250", 0) != 0) return {r};
  std::size_t accepted = 0;
  for (const auto& to : recipients) {
    r = command("RCPT TO:<" + to + ">");
    if (r.rfind("250", 0) == 0) ++accepted;
  }
  r = command("DATA");
  if (r.rfind("354", 0) != 0) return {r};
  std::string data;
  std::size_t start = 0;
  while (start < raw.size()) {
    auto end = raw.find("\r\n", start);
    auto line = raw.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty() && line.front() == '.') line = "." + line;
    data += line + "\r\n";
    start = end == std::string::npos ? raw.size() : end + 2;
  }
  send_raw(data + ".\r\n");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < accepted; ++i) out.push_back(read_reply());
  return out;
}

bool LmtpClient::closed_by_server() {
  boost::system::error_code ec;
  asio::read_until(socket_, in_, "\r\n", ec);
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

std::string raw_mail(const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
  std::string out;
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  out += "\r\n";
  for (char c : body) {
    if (c == '\n') out += "\r\n";
    else out += c;
  }
  return out;
}

}  // namespace parley::test
