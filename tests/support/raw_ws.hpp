#pragma once
// A WebSocket client written from RFC 6455 by hand, over a plain socket: it
// can send what no well-behaved library would (unmasked frames, reserved bits,
// unknown opcodes, broken fragmentation) to test the server's side of the
// protocol. Blocking, with a timeout on every read.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace parley::test {

struct RawFrame {
  bool fin = true;
  std::uint8_t rsv = 0;  // the three reserved bits, 0..7
  std::uint8_t opcode = 0;
  std::string payload;
  // The code of a close frame (0 when it had none).
  std::uint16_t close_code() const;
};

struct UpgradeResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

class RawWs {
 public:
  explicit RawWs(unsigned short port);
  ~RawWs();

  // Sends the upgrade request; extra header lines end in "\r\n".
  UpgradeResponse upgrade(const std::string& extra_headers = {}, const std::string& version = "13");
  void send_frame(std::uint8_t opcode, const std::string& payload, bool fin = true, bool masked = true,
                  std::uint8_t rsv = 0);
  void send_close(std::uint16_t code, const std::string& reason = {});
  // A frame header announcing `announced` payload bytes, followed by only the
  // first `sent` of them: the server can refuse on the header alone, and no
  // unread bytes turn its close into a reset.
  void send_truncated(std::uint8_t opcode, std::size_t announced, std::size_t sent);
  // The next frame, or nothing once the server closed the TCP connection.
  // Throws on timeout.
  std::optional<RawFrame> read_frame(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until the server's close frame; returns its code (0: the TCP
  // connection ended without one).
  std::uint16_t expect_close(std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  bool read_exact(std::string& out, std::size_t n, std::chrono::steady_clock::time_point deadline);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string pending_;
};

}  // namespace parley::test
