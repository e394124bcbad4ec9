// Plain classes: queues, routing policy, message log, outbox, rate limiter, codec.
#include "backend/memory/memory_message_log.hpp"
#include "chat/hub.hpp"
#include "chat/queues.hpp"
#include "chat/routing.hpp"
#include "net/outbox.hpp"
#include "util/token_bucket.hpp"
#include "protocol/codec.hpp"
#include "support/frames.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using namespace parley;

TEST_CASE("queue positions follow push order, requeued entries go first") {
  chat::QueueSet q;
  const auto deposit = chat::queue_for(1, v1::CATEGORY_DEPOSIT);
  const auto refund = chat::queue_for(1, v1::CATEGORY_REFUND);
  q.push_back("a", deposit);
  q.push_back("b", deposit);
  q.push_back("c", refund);
  CHECK(*q.position("a") == 1);
  CHECK(*q.position("b") == 2);
  CHECK(*q.position("c") == 1);
  q.push_front("z", deposit);
  CHECK(*q.position("z") == 1);
  CHECK(*q.position("b") == 3);
  CHECK(q.remove("a"));
  CHECK_FALSE(q.remove("a"));
  CHECK(*q.position("b") == 2);
  CHECK(q.size(1) == 3);
  CHECK(chat::queue_for(2, v1::CATEGORY_REFUND) == chat::queue_for(2, v1::CATEGORY_DEPOSIT));
  q.remove("c");
  CHECK(q.queues().count(refund) == 0);
}

TEST_CASE("least-loaded routing skips full agents and breaks ties by idle time") {
  using chat::RoutingCandidate;
  CHECK_FALSE(chat::pick_least_loaded({}));
  CHECK_FALSE(chat::pick_least_loaded({{"a", 2, 2, 0}}));
  CHECK(*chat::pick_least_loaded({{"a", 1, 3, 0}, {"b", 0, 3, 50}}) == "b");
  CHECK(*chat::pick_least_loaded({{"a", 1, 3, 100}, {"b", 1, 3, 50}}) == "b");
  CHECK(*chat::pick_least_loaded({{"a", 0, 1, 100}, {"b", 0, 0, 0}}) == "a");
}

TEST_CASE("wait estimate grows with position and shrinks with agents") {
  chat::WaitEstimator estimator(120);
  CHECK(estimator.estimate_seconds(1, 1) == 120);
  CHECK(estimator.estimate_seconds(3, 1) == 360);
  CHECK(estimator.estimate_seconds(3, 3) == 120);
  CHECK(estimator.estimate_seconds(2, 0) == 240);
  estimator.record_handle_time(20);
  CHECK(estimator.estimate_seconds(1, 1) == 100);
}

TEST_CASE("memory message log numbers messages and deduplicates by sender and client id") {
  backend::MemoryMessageLog log;
  v1::Message m;
  m.set_conversation_id("c1");
  m.set_sender_id("v1");
  m.set_client_message_id("x");
  m.set_text("first");
  auto r1 = log.append(m);
  CHECK(r1.stored.seq() == 1);
  CHECK_FALSE(r1.duplicate);
  auto r2 = log.append(m);
  CHECK(r2.duplicate);
  CHECK(r2.stored.seq() == 1);
  m.set_sender_id("agent");  // same client id, other sender: a different message
  CHECK(log.append(m).stored.seq() == 2);
  v1::Message system;
  system.set_conversation_id("c1");
  CHECK(log.append(system).stored.seq() == 3);
  CHECK(log.append(system).stored.seq() == 4);  // no client id: never a duplicate
  CHECK(log.read_after("c1", 2, 100).size() == 2);
  CHECK(log.read_after("c1", 0, 3).back().seq() == 3);
  CHECK(log.read_after("c1", 4, 100).empty());
  CHECK(log.read_after("c1", 99, 100).empty());
  CHECK(log.last_seq("c2") == 0);
}

TEST_CASE("outbox refuses frames past either limit") {
  net::Outbox box(3, 100);
  auto frame = [](std::size_t n) { return std::make_shared<const std::string>(n, 'x'); };
  CHECK(box.push(frame(40)));
  CHECK(box.push(frame(40)));
  CHECK_FALSE(box.push(frame(40)));  // 120 bytes > 100
  CHECK(box.push(frame(10)));
  CHECK_FALSE(box.push(frame(1)));  // 4 frames > 3
  CHECK(box.bytes() == 90);
  box.drop_all_but_front();
  CHECK(box.size() == 1);
  CHECK(box.bytes() == 40);
  box.pop();
  CHECK(box.empty());
  CHECK(box.bytes() == 0);
}

TEST_CASE("rate limiter allows a burst, then the steady rate") {
  util::TokenBucket limiter(10, 3);
  std::int64_t now = 1000;
  CHECK(limiter.try_take(now));
  CHECK(limiter.try_take(now));
  CHECK(limiter.try_take(now));
  CHECK_FALSE(limiter.try_take(now));
  now += 100;  // one token per 100 ms
  CHECK(limiter.try_take(now));
  CHECK_FALSE(limiter.try_take(now));
  CHECK(limiter.wait_ms(now) == 100);
  now += 10'000;
  CHECK(limiter.full(now));
  for (int i = 0; i < 3; ++i) CHECK(limiter.try_take(now));
  CHECK_FALSE(limiter.try_take(now));
}

TEST_CASE("keyed buckets keep one budget per key and forget full ones when there are many") {
  util::KeyedTokenBuckets buckets(1, 2, 3);
  std::int64_t now = 1000;
  CHECK(buckets.try_take("a", now));
  CHECK(buckets.try_take("a", now));
  CHECK_FALSE(buckets.try_take("a", now));
  CHECK(buckets.try_take("b", now));
  CHECK(buckets.try_take("c", now));
  CHECK(buckets.size() == 3);
  now += 5'000;  // every bucket is full again
  CHECK(buckets.try_take("d", now));  // a fourth key sweeps the full ones
  CHECK(buckets.size() == 1);
  CHECK(buckets.try_take("a", now));  // a fresh budget, as before
}

TEST_CASE("codec rejects garbage, truncation and unknown frames") {
  auto bytes = protocol::encode_client(test::start_chat("hello there"));
  auto ok = protocol::decode_client_frame(bytes);
  REQUIRE(ok.frame);
  CHECK(ok.frame->start_chat().first_message() == "hello there");
  auto truncated = protocol::decode_client_frame(std::string_view(bytes).substr(0, bytes.size() - 3));
  CHECK(truncated.error == v1::ERROR_CODE_MALFORMED_FRAME);
  auto garbage = protocol::decode_client_frame("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff");
  CHECK(garbage.error == v1::ERROR_CODE_MALFORMED_FRAME);
  // Field 99, length-delimited, 2 bytes: a valid envelope with no known frame.
  auto unknown = protocol::decode_client_frame(std::string("\x9a\x06\x02hi", 5));
  CHECK(unknown.error == v1::ERROR_CODE_UNKNOWN_FRAME);
  auto numbered = protocol::decode_client_frame(std::string("\x08\x2a\x9a\x06\x02hi", 7));
  CHECK(numbered.error == v1::ERROR_CODE_UNKNOWN_FRAME);
  CHECK(numbered.request_id == 42);
  auto empty = protocol::decode_client_frame("");
  CHECK(empty.error == v1::ERROR_CODE_UNKNOWN_FRAME);
  // Invalid UTF-8 in a string field.
  v1::ClientFrame f = test::send_message("c", "m", "x");
  auto raw = protocol::encode_client(f);
  raw[raw.size() - 1] = '\xc3';
  CHECK(protocol::decode_client_frame(raw).error == v1::ERROR_CODE_MALFORMED_FRAME);
  CHECK(protocol::error_name(v1::ERROR_CODE_FORBIDDEN) == "forbidden");
}

namespace {
// A log whose flushes complete only when the test says so.
struct DeferredLog final : chat::MessageLog {
  backend::MemoryMessageLog inner;
  std::vector<std::function<void(bool)>> waiting;
  chat::AppendResult append(v1::Message m) override { return inner.append(std::move(m)); }
  std::vector<v1::Message> read_after(const std::string& c, std::uint64_t after, std::size_t max) const override {
    return inner.read_after(c, after, max);
  }
  std::uint64_t last_seq(const std::string& c) const override { return inner.last_seq(c); }
  void flush(std::function<void(bool)> done) override { waiting.push_back(std::move(done)); }
};
struct CountingOutlet final : chat::Outlet {
  std::vector<v1::ServerFrame> frames;
  std::optional<std::uint16_t> closed;
  void deliver(protocol::SharedBytes bytes) override { frames.push_back(*protocol::decode_server_frame(*bytes)); }
  void close(std::uint16_t code, std::string) override { closed = code; }
};
}  // namespace

TEST_CASE("the hub delivers nothing before the log says it is durable, then everything in order") {
  chat::ManualClock clock;
  DeferredLog log;
  chat::Service service({}, {}, log, clock);
  chat::Hub hub(service, log);
  auto outlet = std::make_shared<CountingOutlet>();
  hub.attach(1, outlet, "192.0.2.1");
  hub.handle(1, test::visitor_hello());
  hub.handle(1, test::start_chat("stored first"));
  CHECK(outlet->frames.empty());
  REQUIRE(log.waiting.size() == 2);  // one flush per event that produced output
  log.waiting[0](true);
  REQUIRE(outlet->frames.size() == 2);
  CHECK(outlet->frames[0].has_welcome());
  CHECK(outlet->frames[1].has_availability());  // a visitor with no chat is told who can serve them
  log.waiting[1](true);
  CHECK(outlet->frames[2].ack().seq() == 1);

  SECTION("a failed flush closes the connection instead of claiming anything was stored") {
    const auto delivered = outlet->frames.size();
    hub.handle(1, test::send_message(outlet->frames[2].ack().conversation_id(), "m-2", "lost?"));
    REQUIRE(log.waiting.size() == 3);
    log.waiting[2](false);
    CHECK(outlet->frames.size() == delivered);  // no Ack for a message that may not be stored
    CHECK(outlet->closed == 1012);
  }
}
