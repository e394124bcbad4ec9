// The server's side of RFC 6455, from a hand-written client (the Autobahn
// suite cannot run here): each protocol violation closes that connection with
// the right code, and the server goes on serving everyone else.

#include "helpers.hpp"
#include "support/raw_ws.hpp"

using namespace parley;
using namespace parley::test;

namespace {

constexpr std::uint8_t continuation = 0x0, text = 0x1, binary = 0x2, close_op = 0x8, ping = 0x9, pong = 0xa;

std::string hello_bytes() { return visitor_hello().SerializeAsString(); }

// A fresh, upgraded connection.
std::unique_ptr<RawWs> open(unsigned short port) {
  auto ws = std::make_unique<RawWs>(port);
  auto response = ws->upgrade();
  REQUIRE(response.status == 101);
  return ws;
}

// Sends one violation and returns the close code the server answered with.
std::uint16_t violation(unsigned short port, const std::function<void(RawWs&)>& send) {
  auto ws = open(port);
  send(*ws);
  return ws->expect_close();
}

}  // namespace

TEST_CASE("protocol violations close the offending connection with 1002/1007, and only that one") {
  ServerProcess server(server_args());
  const auto port = server.port();
  auto bystander = visitor(port);
  const auto conversation = start(bystander.ws, "still here?");

  CHECK(violation(port, [](RawWs& ws) { ws.send_frame(binary, hello_bytes(), true, false); }) == 1002);  // unmasked
  CHECK(violation(port, [](RawWs& ws) { ws.send_frame(binary, hello_bytes(), true, true, 4); }) == 1002);  // RSV1
  CHECK(violation(port, [](RawWs& ws) { ws.send_frame(binary, hello_bytes(), true, true, 1); }) == 1002);  // RSV3
  CHECK(violation(port, [](RawWs& ws) { ws.send_frame(0x3, "x"); }) == 1002);   // reserved data opcode
  CHECK(violation(port, [](RawWs& ws) { ws.send_frame(0xb, "x"); }) == 1002);   // reserved control opcode
  CHECK(violation(port, [](RawWs& ws) { ws.send_frame(ping, std::string(126, 'p')); }) == 1002);  // control > 125 bytes
  CHECK(violation(port, [](RawWs& ws) { ws.send_frame(ping, "frag", false); }) == 1002);  // fragmented control frame
  CHECK(violation(port, [](RawWs& ws) { ws.send_frame(continuation, "orphan"); }) == 1002);  // nothing to continue
  CHECK(violation(port, [](RawWs& ws) {  // a new message inside an unfinished one
    ws.send_frame(binary, "ab", false);
    ws.send_frame(binary, "cd");
  }) == 1002);
  CHECK(violation(port, [](RawWs& ws) { ws.send_frame(text, "\xc3\x28"); }) == 1007);  // text that is not UTF-8
  CHECK(violation(port, [](RawWs& ws) { ws.send_close(1005); }) == 1002);  // a code never sent on the wire
  CHECK(violation(port, [](RawWs& ws) { ws.send_close(999); }) == 1002);

  // Everyone else is still served.
  bystander.ws.send(send_message(conversation, "m-2", "hello?"));
  CHECK(bystander.ws.expect(F::kAck).ack().seq() == 2);
}

TEST_CASE("well-formed but unusual traffic is handled as RFC 6455 says") {
  ServerProcess server(server_args());
  const auto port = server.port();

  SECTION("a message in fragments, with a ping between them, is one frame to the server") {
    auto ws = open(port);
    const auto bytes = hello_bytes();
    ws->send_frame(binary, bytes.substr(0, 1), false);
    ws->send_frame(ping, "between");
    ws->send_frame(continuation, bytes.substr(1, 1), false);
    ws->send_frame(continuation, bytes.substr(2));
    auto answer = ws->read_frame();
    REQUIRE(answer);
    CHECK(answer->opcode == pong);
    CHECK(answer->payload == "between");
    auto welcome = ws->read_frame();
    REQUIRE(welcome);
    CHECK(welcome->opcode == binary);
    v1::ServerFrame frame;
    REQUIRE(frame.ParseFromString(welcome->payload));
    CHECK(frame.has_welcome());
  }

  SECTION("a close is answered with the same code") {
    auto ws = open(port);
    ws->send_close(1000, "bye");
    CHECK(ws->expect_close() == 1000);
    CHECK_FALSE(ws->read_frame());  // and then the server ends the TCP connection
  }

  SECTION("an application close code (4000-4999) is echoed too") {
    auto ws = open(port);
    ws->send_close(4321);
    CHECK(ws->expect_close() == 4321);
  }

  SECTION("permessage-deflate is not negotiated") {
    RawWs ws(port);
    auto response = ws.upgrade("Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n");
    CHECK(response.status == 101);
    CHECK(response.headers.count("sec-websocket-extensions") == 0);
  }

  SECTION("a message over the size limit closes with 1009") {
    auto ws = open(port);
    ws->send_truncated(binary, 64 * 1024 + 1, 100);
    CHECK(ws->expect_close() == 1009);
  }

  SECTION("a bad upgrade request is an HTTP error, not a crash") {
    RawWs ws(port);
    auto response = ws.upgrade({}, "8");  // an unsupported protocol version
    CHECK(response.status == 426);
    CHECK(response.headers["sec-websocket-version"] == "13");
  }
}

TEST_CASE("an idle connection is pinged, and closed when it stops answering") {
  ServerProcess server(server_args({"--idle-timeout", "2"}));
  auto ws = open(server.port());
  ws->send_frame(binary, hello_bytes());
  const auto started = std::chrono::steady_clock::now();
  bool pinged = false;
  for (;;) {
    auto frame = ws->read_frame(10s);
    if (!frame || frame->opcode == close_op) break;
    pinged |= frame->opcode == ping;  // never answered
  }
  const auto lasted = std::chrono::steady_clock::now() - started;
  CHECK(pinged);
  CHECK(lasted >= 1s);
  CHECK(lasted < 8s);
}

TEST_CASE("an answered ping keeps a quiet connection open past the idle timeout") {
  ServerProcess server(server_args({"--idle-timeout", "2"}));
  auto ws = open(server.port());
  ws->send_frame(binary, hello_bytes());
  int pongs = 0;
  while (pongs < 3) {  // three pings answered: more than two idle timeouts
    auto frame = ws->read_frame(10s);
    REQUIRE(frame);
    REQUIRE(frame->opcode != close_op);
    if (frame->opcode == ping) {
      ws->send_frame(pong, frame->payload);
      ++pongs;
    }
  }
}

TEST_CASE("connections per client address are limited, and closing one makes room") {
  ServerProcess server(server_args({"--max-connections-per-ip", "3"}));
  const auto port = server.port();
  std::vector<std::unique_ptr<RawWs>> held;
  for (int i = 0; i < 3; ++i) held.push_back(open(port));
  RawWs fourth(port);
  auto refused = fourth.upgrade();
  CHECK(refused.status == 429);
  CHECK(refused.headers["content-type"] == "application/json");
  CHECK(refused.body.find("too_many_connections") != std::string::npos);

  held.back()->send_close(1000);
  CHECK(held.back()->expect_close() == 1000);
  CHECK_FALSE(held.back()->read_frame());  // the server has ended its side
  held.pop_back();  // and this side: the server's teardown reads our EOF, then the session goes
  // The count is released when the session object goes, just after the
  // socket closes: a client retries as it would after a 429.
  int status = 0;
  for (int attempt = 0; attempt < 50 && status != 101; ++attempt) {
    RawWs again(port);
    status = again.upgrade().status;
    if (status != 101) std::this_thread::sleep_for(20ms);  // client backoff, not synchronisation
  }
  CHECK(status == 101);
}
