#pragma once
// A real WebSocket client over loopback for integration tests. Each call
// drives its own io_context until the operation completes or a timeout hits,
// so tests read top to bottom and never sleep.

#include "parley/v1/protocol.pb.h"

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>
#include <memory>
#include <optional>
#include <string>

namespace parley::test {

namespace v1 = parley::v1;
using namespace std::chrono_literals;

struct CloseInfo {
  std::uint16_t code = 0;
  std::string reason;
};

class WsClient {
 public:
  // `origin`: the Origin header a browser would send (none by default).
  explicit WsClient(unsigned short port, const std::string& target = "/ws", const std::string& origin = {});
  ~WsClient();
  WsClient(WsClient&&) noexcept;

  void send(const v1::ClientFrame& frame);
  void send_raw(const std::string& bytes, bool binary = true);

  // Next frame in arrival order (buffered ones first). Throws on timeout/close.
  v1::ServerFrame next(std::chrono::milliseconds timeout = 5s);
  // First frame of that kind, keeping the others buffered in order.
  v1::ServerFrame expect(v1::ServerFrame::FrameCase kind, std::chrono::milliseconds timeout = 5s);
  v1::Error expect_error(std::chrono::milliseconds timeout = 5s) { return expect(v1::ServerFrame::kError, timeout).error(); }
  // Next frame, or nothing once the server closed (its code and reason in
  // *closed). Throws on timeout.
  std::optional<v1::ServerFrame> next_or_close(CloseInfo& closed, std::chrono::milliseconds timeout = 5s);
  // Reads until the server closes; returns its close code and reason.
  CloseInfo expect_close(std::chrono::milliseconds timeout = 5s);
  // Round trip: a Ping is answered after everything sent before it.
  void sync();
  void close();

  std::deque<v1::ServerFrame>& buffered() { return buffered_; }

 private:
  struct Impl;
  std::optional<v1::ServerFrame> read_one(std::chrono::milliseconds timeout, CloseInfo* closed);
  std::unique_ptr<Impl> impl_;
  std::deque<v1::ServerFrame> buffered_;
  std::uint64_t ping_ = 0;
};

struct HttpResult {
  int status = 0;
  std::string content_type;
  std::string body;
  std::map<std::string, std::string> headers;
};

// One plain HTTP/1.1 request over loopback (Host is 127.0.0.1:port).
HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::string& body = {},
                        const std::vector<std::pair<std::string, std::string>>& headers = {});
HttpResult http_get(unsigned short port, const std::string& target);

// Sends `request` byte for byte (anything at all: a target with a NUL, a raw
// "//" path) and returns the status line's code and the whole response text,
// read until the server closes or `timeout`. Status 0: no response.
struct RawHttpResult {
  int status = 0;
  std::string text;
};
RawHttpResult raw_http(unsigned short port, const std::string& request,
                       std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace parley::test
