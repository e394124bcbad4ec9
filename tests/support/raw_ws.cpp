#include "support/raw_ws.hpp"

#include <boost/asio.hpp>

#include <algorithm>
#include <random>
#include <stdexcept>

namespace parley::test {
namespace asio = boost::asio;

struct RawWs::Impl {
  asio::io_context io;
  asio::ip::tcp::socket socket{io};
};

std::uint16_t RawFrame::close_code() const {
  if (opcode != 0x8 || payload.size() < 2) return 0;
  return static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]));
}

RawWs::RawWs(unsigned short port) : impl_(std::make_unique<Impl>()) {
  impl_->socket.connect({asio::ip::make_address("127.0.0.1"), port});
}

RawWs::~RawWs() = default;

// Reads with a deadline: run the io_context until the read completes or time is up.
bool RawWs::read_exact(std::string& out, std::size_t n, std::chrono::steady_clock::time_point deadline) {
  while (pending_.size() < n) {
    char chunk[4096];
    boost::system::error_code result = asio::error::would_block;
    std::size_t got = 0;
    impl_->socket.async_read_some(asio::buffer(chunk), [&](boost::system::error_code ec, std::size_t bytes) {
      result = ec;
      got = bytes;
    });
    impl_->io.restart();
    impl_->io.run_until(deadline);
    if (result == asio::error::would_block) {
      impl_->socket.cancel();
      impl_->io.restart();
      impl_->io.run();
      throw std::runtime_error("raw websocket: timed out reading");
    }
    if (result) return false;  // EOF or reset
    pending_.append(chunk, got);
  }
  out = pending_.substr(0, n);
  pending_.erase(0, n);
  return true;
}

UpgradeResponse RawWs::upgrade(const std::string& extra_headers, const std::string& version) {
  const std::string request =
      "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: " + version + "\r\n" +
      extra_headers + "\r\n";
  asio::write(impl_->socket, asio::buffer(request));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::string head, byte;
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (!read_exact(byte, 1, deadline)) throw std::runtime_error("raw websocket: connection closed during upgrade");
    head += byte;
  }
  UpgradeResponse response;
  response.status = std::stoi(head.substr(head.find(' ') + 1, 3));
  std::size_t line = head.find("\r\n") + 2;
  while (line < head.size() - 2) {
    const auto end = head.find("\r\n", line);
    const auto colon = head.find(':', line);
    if (colon < end) {
      std::string name = head.substr(line, colon - line);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      response.headers[name] = head.substr(colon + 2, end - colon - 2);
    }
    line = end + 2;
  }
  if (auto length = response.headers.find("content-length"); length != response.headers.end())
    read_exact(response.body, std::stoul(length->second), deadline);
  return response;
}

void RawWs::send_frame(std::uint8_t opcode, const std::string& payload, bool fin, bool masked, std::uint8_t rsv) {
  std::string frame;
  frame += static_cast<char>((fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f));
  const std::uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() < 126) {
    frame += static_cast<char>(mask_bit | payload.size());
  } else if (payload.size() <= 0xffff) {
    frame += static_cast<char>(mask_bit | 126);
    frame += static_cast<char>(payload.size() >> 8);
    frame += static_cast<char>(payload.size() & 0xff);
  } else {
    frame += static_cast<char>(mask_bit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>((payload.size() >> shift) & 0xff);
  }
  std::string body = payload;
  if (masked) {
    static std::mt19937 random(42);
    char key[4];
    for (auto& k : key) k = static_cast<char>(random());
    frame.append(key, 4);
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(body[i] ^ key[i % 4]);
  }
  frame += body;
  boost::system::error_code ec;
  asio::write(impl_->socket, asio::buffer(frame), ec);  // the server may already have closed: fine
}

void RawWs::send_truncated(std::uint8_t opcode, std::size_t announced, std::size_t sent) {
  std::string frame;
  frame += static_cast<char>(0x80 | (opcode & 0x0f));
  frame += static_cast<char>(0x80 | 127);
  for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>((announced >> shift) & 0xff);
  frame += std::string(4, '\x5a');  // mask key
  frame += std::string(sent, 'x');
  boost::system::error_code ec;
  asio::write(impl_->socket, asio::buffer(frame), ec);
}

void RawWs::send_close(std::uint16_t code, const std::string& reason) {
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xff);
  send_frame(0x8, payload + reason);
}

std::optional<RawFrame> RawWs::read_frame(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string head;
  if (!read_exact(head, 2, deadline)) return std::nullopt;
  RawFrame frame;
  const auto b0 = static_cast<unsigned char>(head[0]), b1 = static_cast<unsigned char>(head[1]);
  frame.fin = b0 & 0x80;
  frame.rsv = (b0 >> 4) & 7;
  frame.opcode = b0 & 0x0f;
  if (b1 & 0x80) throw std::runtime_error("raw websocket: the server masked a frame");
  std::uint64_t length = b1 & 0x7f;
  std::string extended;
  if (length == 126 || length == 127) {
    if (!read_exact(extended, length == 126 ? 2 : 8, deadline)) return std::nullopt;
    length = 0;
    for (unsigned char c : extended) length = (length << 8) | c;
  }
  if (!read_exact(frame.payload, length, deadline)) return std::nullopt;
  return frame;
}

std::uint16_t RawWs::expect_close(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= std::chrono::milliseconds(0)) throw std::runtime_error("raw websocket: no close");
    auto frame = read_frame(left);
    if (!frame) return 0;
    if (frame->opcode == 0x8) return frame->close_code();
  }
}

}  // namespace parley::test
