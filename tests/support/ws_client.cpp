#include "support/ws_client.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <array>
#include <functional>
#include <stdexcept>

namespace parley::test {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct WsClient::Impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;

  // Runs the io_context until `done` or the timeout; on timeout cancels.
  template <class Done>
  bool run_until(Done&& done, std::chrono::milliseconds timeout) {
    io.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_until(deadline);
    if (done()) return true;
    beast::get_lowest_layer(ws).cancel();
    io.restart();
    io.run_for(1s);
    return false;
  }
};

WsClient::WsClient(unsigned short port, const std::string& target, const std::string& origin)
    : impl_(std::make_unique<Impl>()) {
  auto& ws = impl_->ws;
  beast::get_lowest_layer(ws).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  // Without this, Nagle plus delayed ACKs add 40 ms to many round trips.
  beast::get_lowest_layer(ws).socket().set_option(asio::ip::tcp::no_delay(true));
  ws.binary(true);
  ws.read_message_max(64 * 1024 * 1024);
  if (!origin.empty())
    ws.set_option(websocket::stream_base::decorator(
        [origin](websocket::request_type& req) { req.set(beast::http::field::origin, origin); }));
  // A handshake that gets no answer (a stalled path) fails instead of hanging the test.
  bool done = false;
  beast::error_code result;
  ws.async_handshake("127.0.0.1:" + std::to_string(port), target, [&](beast::error_code ec) {
    result = ec;
    done = true;
  });
  if (!impl_->run_until([&] { return done; }, 5s)) throw std::runtime_error("websocket handshake timed out");
  if (result) throw std::runtime_error("websocket handshake failed: " + result.message());
}

WsClient::~WsClient() = default;
WsClient::WsClient(WsClient&&) noexcept = default;

void WsClient::send(const v1::ClientFrame& frame) { send_raw(frame.SerializeAsString(), true); }

void WsClient::send_raw(const std::string& bytes, bool binary) {
  impl_->ws.binary(binary);
  impl_->ws.write(asio::buffer(bytes));
  impl_->ws.binary(true);
}

std::optional<v1::ServerFrame> WsClient::read_one(std::chrono::milliseconds timeout, CloseInfo* closed) {
  bool done = false;
  beast::error_code result;
  impl_->buffer.clear();
  impl_->ws.async_read(impl_->buffer, [&](beast::error_code ec, std::size_t) {
    result = ec;
    done = true;
  });
  if (!impl_->run_until([&] { return done; }, timeout)) throw std::runtime_error("timed out waiting for a frame");
  // A close frame arrived (the reply to it may fail if the server already hung up).
  if (result == websocket::error::closed || (result && impl_->ws.reason().code != 0)) {
    if (!closed) throw std::runtime_error("server closed: " + std::string(impl_->ws.reason().reason.c_str()));
    closed->code = impl_->ws.reason().code;
    closed->reason = impl_->ws.reason().reason.c_str();
    return std::nullopt;
  }
  if (result) throw std::runtime_error("read failed: " + result.message());
  v1::ServerFrame frame;
  const auto data = impl_->buffer.cdata();
  if (!frame.ParseFromArray(data.data(), static_cast<int>(data.size())))
    throw std::runtime_error("server sent a frame that is not a ServerFrame");
  return frame;
}

v1::ServerFrame WsClient::next(std::chrono::milliseconds timeout) {
  if (!buffered_.empty()) {
    auto frame = std::move(buffered_.front());
    buffered_.pop_front();
    return frame;
  }
  return *read_one(timeout, nullptr);
}

std::optional<v1::ServerFrame> WsClient::next_or_close(CloseInfo& closed, std::chrono::milliseconds timeout) {
  if (!buffered_.empty()) return next(timeout);
  return read_one(timeout, &closed);
}

v1::ServerFrame WsClient::expect(v1::ServerFrame::FrameCase kind, std::chrono::milliseconds timeout) {
  for (auto it = buffered_.begin(); it != buffered_.end(); ++it) {
    if (it->frame_case() != kind) continue;
    auto frame = std::move(*it);
    buffered_.erase(it);
    return frame;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) throw std::runtime_error("timed out waiting for frame kind " + std::to_string(kind));
    auto frame = *read_one(left, nullptr);
    if (frame.frame_case() == kind) return frame;
    buffered_.push_back(std::move(frame));
  }
}

CloseInfo WsClient::expect_close(std::chrono::milliseconds timeout) {
  CloseInfo info;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) throw std::runtime_error("timed out waiting for close");
    auto frame = read_one(left, &info);
    if (!frame) return info;
    buffered_.push_back(std::move(*frame));
  }
}

void WsClient::sync() {
  v1::ClientFrame ping;
  ping.mutable_ping()->set_nonce(++ping_);
  send(ping);
  for (;;) {
    auto frame = expect(v1::ServerFrame::kPong);
    if (frame.pong().nonce() == ping_) return;
  }
}

void WsClient::close() {
  beast::error_code ec;
  impl_->ws.close(websocket::close_code::normal, ec);
}

HttpResult http_request(unsigned short port, const std::string& method, const std::string& target,
                        const std::string& body, const std::vector<std::pair<std::string, std::string>>& headers) {
  namespace http = beast::http;
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  HttpResult result{static_cast<int>(res.result_int()), std::string(res[http::field::content_type]), res.body(), {}};
  for (const auto& field : res) result.headers[std::string(field.name_string())] = std::string(field.value());
  return result;
}

HttpResult http_get(unsigned short port, const std::string& target) { return http_request(port, "GET", target); }

RawHttpResult raw_http(unsigned short port, const std::string& request, std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  asio::write(stream.socket(), asio::buffer(request));
  RawHttpResult result;
  std::array<char, 4096> chunk;
  stream.expires_after(timeout);
  bool done = false;
  std::function<void()> read = [&] {
    stream.async_read_some(asio::buffer(chunk), [&](beast::error_code ec, std::size_t n) {
      result.text.append(chunk.data(), n);
      if (ec) done = true;
      else read();
    });
  };
  read();
  while (!done && io.run_one()) {
  }
  if (result.text.starts_with("HTTP/1.") && result.text.size() >= 12)
    result.status = std::atoi(result.text.c_str() + 9);
  return result;
}

}  // namespace parley::test
