// Hostile and broken clients: each gets an error frame or a clean close, and
// everyone else keeps chatting without losing an accepted message.
#include "integration/helpers.hpp"
#include "support/raw_ws.hpp"

#include <csignal>

#include <sys/wait.h>

using namespace parley;
using namespace parley::test;

TEST_CASE("bad frames get error codes and the server keeps serving everyone else") {
  ServerProcess server(server_args());
  auto alice = staff(server.port(), "alice");
  auto good = visitor(server.port());
  const auto id = start(good.ws);
  alice.ws.expect(F::kConversation);
  alice.ws.send(send_message(id, "a-1", "before the storm"));
  alice.ws.expect(F::kAck);
  CHECK(expect_text(good.ws).text() == "before the storm");

  SECTION("each bad frame gets its own error code") {
    auto bad = visitor(server.port());
    bad.ws.send_raw("definitely not protobuf \xff\xff\xff\xff");
    CHECK(bad.ws.expect_error().code() == v1::ERROR_CODE_MALFORMED_FRAME);

    auto whole = start_chat("truncated").SerializeAsString();
    bad.ws.send_raw(whole.substr(0, whole.size() - 4));
    CHECK(bad.ws.expect_error().code() == v1::ERROR_CODE_MALFORMED_FRAME);

    bad.ws.send_raw(std::string("\x9a\x06\x02hi", 5));  // field 99: a frame type from the future
    CHECK(bad.ws.expect_error().code() == v1::ERROR_CODE_UNKNOWN_FRAME);
    // The envelope parsed, so its request id is echoed.
    bad.ws.send_raw(std::string("\x08\x2a\x9a\x06\x02hi", 7));  // request_id 42, then field 99
    auto unknown = bad.ws.expect_error();
    CHECK(unknown.code() == v1::ERROR_CODE_UNKNOWN_FRAME);
    CHECK(unknown.request_id() == 42);

    bad.ws.send_raw(start_chat("as text").SerializeAsString(), false);
    CHECK(bad.ws.expect_error().code() == v1::ERROR_CODE_MALFORMED_FRAME);

    bad.ws.send(accept(id));  // agent-only frame from a visitor
    CHECK(bad.ws.expect_error().code() == v1::ERROR_CODE_FORBIDDEN);

    bad.ws.send(send_message(id, "x-1", "let me read your chat"));
    CHECK(bad.ws.expect_error().code() == v1::ERROR_CODE_NOT_FOUND);

    bad.ws.send(rate(id, 5));
    CHECK(bad.ws.expect_error().code() == v1::ERROR_CODE_NOT_FOUND);

    const auto own = start(bad.ws, "my own chat");
    bad.ws.send(rate(own, 5));  // wrong state: not closed yet
    CHECK(bad.ws.expect_error().code() == v1::ERROR_CODE_WRONG_STATE);

    bad.ws.send(visitor_hello());
    CHECK(bad.ws.expect_error().code() == v1::ERROR_CODE_ALREADY_DONE);
    bad.ws.sync();  // still connected and served
  }

  SECTION("malformed protobuf of every shape is MALFORMED_FRAME") {
    auto bad = visitor(server.port());
    const std::vector<std::string> shapes{
        std::string("\x08\xff\xff", 3),                          // a varint that never ends
        std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 12),  // a varint over 10 bytes
        std::string("\x5a\xff\xff\xff\xff\x0f", 6) + "abc",    // a length of 4 GiB with 3 bytes behind it
        std::string(2000, '\x0b'),                                // 2000 nested groups, past the depth limit
        std::string("\x5a\x03\x0a\x05x", 5),                     // a nested length past its parent's end
        std::string("\x0f", 1),                                   // wire type 7 does not exist
    };
    for (const auto& bytes : shapes) {
      bad.ws.send_raw(bytes);
      CHECK(bad.ws.expect_error().code() == v1::ERROR_CODE_MALFORMED_FRAME);
    }
    // A deeply nested but well-formed unknown field is skipped within the limits, or refused: never a crash.
    std::string nested;
    for (int i = 0; i < 90; ++i) nested = "\xfa\x3e" + std::string(1, static_cast<char>(nested.size())) + nested;
    bad.ws.send_raw(nested.substr(0, 120));
    bad.ws.sync();
  }

  SECTION("a replayed message id is stored once and acknowledged as a duplicate") {
    auto replay = visitor(server.port());
    const auto own = start(replay.ws, "my own chat");
    replay.ws.send(send_message(own, "m-7", "only once"));
    const auto first = replay.ws.expect(F::kAck).ack();
    replay.ws.send(send_message(own, "m-7", "only once"));
    const auto again = replay.ws.expect(F::kAck).ack();
    CHECK(again.duplicate());
    CHECK(again.seq() == first.seq());
    // A second device of the same visitor reads the log from the start: it is there once.
    auto reader = visitor(server.port(), replay.welcome.resume_token(), {{own, 0}});
    int copies = 0;
    const auto snapshot = reader.ws.expect(F::kConversation).conversation();
    for (const auto& m : snapshot.messages()) copies += m.text() == "only once";
    CHECK(copies == 1);
  }

  SECTION("an oversized frame closes that connection with 1009") {
    // Announced as 70 KiB: refused on the header, before the payload is read.
    // (A client that pushes all 70 KiB may see a reset instead of the close
    // frame: the server does not read what it refused.)
    RawWs big(server.port());
    REQUIRE(big.upgrade().status == 101);
    big.send_frame(0x2, visitor_hello().SerializeAsString());
    big.send_truncated(0x2, 70 * 1024, 200);
    CHECK(big.expect_close() == 1009);
  }

  SECTION("a frame before Hello is refused and the connection closed") {
    WsClient anonymous(server.port());
    anonymous.send(start_chat("who am I"));
    CHECK(anonymous.expect_error().code() == v1::ERROR_CODE_NOT_AUTHENTICATED);
    auto closed = anonymous.expect_close();
    CHECK(closed.code == 1008);
  }

  SECTION("a made-up session token is refused and the connection closed") {
    WsClient intruder(server.port());
    intruder.send(staff_hello("alice", "pst_" + std::string(64, 'a'), v1::ROLE_AGENT));
    CHECK(intruder.expect_error().code() == v1::ERROR_CODE_AUTH_FAILED);
    CHECK(intruder.expect_close().reason == "authentication failed");
  }

  SECTION("a frame flood is rate limited") {
    auto flood = visitor(server.port());
    const auto own = start(flood.ws, "flood");
    for (int i = 0; i < 60; ++i) flood.ws.send(send_message(own, "f-" + std::to_string(i), "spam"));
    CHECK(flood.ws.expect_error().code() == v1::ERROR_CODE_RATE_LIMITED);
  }

  // The good chat is intact and live.
  CHECK(server.running());
  good.ws.send(send_message(id, "m-2", "still there?"));
  auto ack = good.ws.expect(F::kAck).ack();
  alice.ws.send(send_message(id, "a-2", "yes"));
  CHECK(expect_text(good.ws).text() == "yes");
  auto resumed = visitor(server.port(), good.welcome.resume_token(), {{id, 0}});
  auto snap = resumed.ws.expect(F::kConversation).conversation();
  std::vector<std::string> texts;
  for (const auto& m : snap.messages())
    if (!m.system()) texts.push_back(m.text());
  CHECK(texts == std::vector<std::string>{"My deposit has not arrived", "before the storm", "still there?", "yes"});
  CHECK(ack.seq() == snap.messages(snap.messages_size() - 2).seq());
}

TEST_CASE("HTTP: health, static files, errors as JSON") {
  ServerProcess server(server_args());
  auto get = [&](const std::string& target) { return http_get(server.port(), target); };
  auto health = get("/healthz");
  CHECK(health.status == 200);
  CHECK(health.body.find(R"("status":"ok")") != std::string::npos);
  CHECK(health.body.find(R"("sessions":0)") != std::string::npos);
  auto v = visitor(server.port());
  start(v.ws);
  auto busy = get("/healthz").body;
  CHECK(busy.find(R"("sessions":1)") != std::string::npos);
  CHECK(busy.find(R"("queued_tier1":1)") != std::string::npos);
  auto missing = get("/../../etc/passwd");
  CHECK(missing.status == 404);
  CHECK(missing.content_type == "application/json");
  CHECK(get("/ws").status == 426);
}

TEST_CASE("bad flags and config files fail fast with one line") {
  auto run = [](const std::string& args) {
    const std::string command = std::string(PARLEY_SERVER_PATH) + " " + args + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    std::string output;
    char buf[256];
    while (fgets(buf, sizeof buf, pipe)) output += buf;
    const int status = pclose(pipe);
    return std::make_pair(WEXITSTATUS(status), output);
  };
  auto [code, out] = run("--threads 0");
  CHECK(code == 2);
  CHECK(out == "parley-server: error: --threads must be between 1 and 64\n");
  auto [code2, out2] = run("--agents " + test_data("agents.json") + ".missing");
  CHECK(code2 == 2);
  CHECK(out2.find("cannot be read") != std::string::npos);
  auto [code4, out4] = run("--tls-cert /no/such.pem --tls-key /no/such.pem");
  CHECK(code4 == 2);
  CHECK(out4.find("cannot be read") != std::string::npos);
  CHECK(run("--tls-cert " + test_data("agents.json")).second.find("go together") != std::string::npos);
  // Readable but not a certificate: OpenSSL's reason, exit status 1, before listening.
  auto [code5, out5] = run("--listen 127.0.0.1:0 --tls-cert " + test_data("agents.json") + " --tls-key " +
                           test_data("agents.json"));
  CHECK(code5 == 1);
  CHECK(out5.find("parley-server: error:") == 0);
  auto [code6, out6] = run("--log-level loud");
  CHECK(code6 == 2);
  CHECK(out6 == "parley-server: error: --log-level must be debug, info, warn or error\n");
  auto [code3, out3] = run("--help");
  CHECK(code3 == 0);
  CHECK(out3.find("--grace-period") != std::string::npos);
}

TEST_CASE("SIGTERM tells every client to reconnect and exits cleanly") {
  ServerProcess server(server_args());
  auto alice = staff(server.port(), "alice");
  auto v = visitor(server.port());
  start(v.ws);
  server.signal(SIGTERM);
  CHECK(v.ws.expect_close().code == 1001);
  CHECK(alice.ws.expect_close().reason == "server shutting down; reconnect");
  const int status = server.wait();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("WebSocket upgrades from other sites are refused unless allowed") {
  ServerProcess server(server_args({"--allowed-origin", "https://www.exchange.example"}));
  const std::string self = "http://127.0.0.1:" + std::to_string(server.port());
  CHECK_NOTHROW(WsClient(server.port(), "/ws", self));                           // the server's own pages
  CHECK_NOTHROW(WsClient(server.port(), "/ws", "https://www.exchange.example"));  // an allowed site
  CHECK_NOTHROW(WsClient(server.port(), "/ws"));                                  // not a browser
  CHECK_THROWS(WsClient(server.port(), "/ws", "https://evil.example"));
  CHECK_THROWS(WsClient(server.port(), "/ws", "https://www.exchange.example.evil.example"));
  CHECK(server.running());
}
