// One contract for every MessageLog: the in-memory one and the systems of record (SQLite, PostgreSQL) must number, deduplicate and page
// messages the same way. Then one contract for both record stores (restart,
// group commit, refused writes, one server per database, staff sign-ins), and
// the engine-specific cases.
#include "backend/memory/memory_message_log.hpp"
#include "store/durable_log.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "chat/clock.hpp"
#include "support/postgres_server.hpp"
#include "support/redis_server.hpp"  // free_port
#include "support/temp_dir.hpp"
#include "support/run_until.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include <tuple>

#include <future>
#include <filesystem>
#include <optional>
#include <set>
#include <unistd.h>

using namespace parley;
using namespace std::chrono_literals;
using parley::test::run_until;

namespace {

v1::Message message(const std::string& conversation, const std::string& sender, const std::string& client_id,
                    const std::string& text) {
  v1::Message m;
  m.set_conversation_id(conversation);
  m.set_sender_id(sender);
  m.set_client_message_id(client_id);
  m.set_text(text);
  return m;
}

// A domain event of `conversation` at `at`, its kind filled in by `fill`.
template <class Fill>
chat::events::Event event(const std::string& conversation, std::int64_t at, Fill fill) {
  chat::events::Event e;
  e.set_at_ms(at);
  e.set_conversation_id(conversation);
  fill(e);
  return e;
}

struct MemoryBackend {
  backend::MemoryMessageLog memory;
  chat::MessageLog& log() { return memory; }
  bool flush() {
    std::optional<bool> result;
    memory.flush([&](bool ok) { result = ok; });
    return result.value_or(false);
  }
};

// A system of record behind the port, with the DurableLog the server puts in
// front of it; open() again is a restart on the same data.
template <class Engine>
struct StoreBackend {
  boost::asio::io_context io;
  // Completions come from the store's writer thread: keep io running while waiting.
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<store::RecordStore> db;
  std::unique_ptr<store::DurableLog> durable;
  Engine engine;

  template <class... Args>
  explicit StoreBackend(Args&&... args) : engine(std::forward<Args>(args)...) {
    open();
  }
  ~StoreBackend() { close(); }
  void close() {
    durable.reset();
    db.reset();
  }
  void open() {
    close();
    db = engine.open(io.get_executor());
    auto stored = db->load();
    durable = std::make_unique<store::DurableLog>(*db);
    durable->restore(stored);
  }
  chat::MessageLog& log() { return *durable; }
  bool flush() {
    std::optional<bool> result;
    durable->flush([&](bool ok) { result = ok; });
    REQUIRE(run_until(io, [&] { return result.has_value(); }, 20s));
    return *result;
  }
  // Tickets and mail as the store's callers see them, waited for (the store
  // answers on its own thread): one decision, a ticket with its thread, a
  // received mail's raw text.
  std::optional<tickets::Decision> change(const std::string& id, const std::string& email, store::RecordStore::TicketDecide decide) {
    std::promise<std::optional<tickets::Decision>> done;
    db->change_ticket(id, email, std::move(decide), [&](std::optional<tickets::Decision> d) { done.set_value(std::move(d)); });
    return done.get_future().get();
  }
  std::optional<store::RecordStore::TicketThread> thread(const std::string& id) {
    std::promise<std::optional<store::RecordStore::TicketThread>> done;
    db->ticket(id, [&](bool ok, std::optional<store::RecordStore::TicketThread> t) {
      CHECK(ok);
      done.set_value(std::move(t));
    });
    return done.get_future().get();
  }
  std::optional<std::string> raw(const std::string& inbox_id) {
    std::promise<std::optional<std::string>> done;
    db->inbox_mail(inbox_id, [&](bool ok, std::optional<std::string> r) {
      CHECK(ok);
      done.set_value(std::move(r));
    });
    return done.get_future().get();
  }
  // Stores a conversation's record (and, if `visitor` is set, a remembered
  // visitor whose chat it is), as the chat core's change sets would.
  bool record(const std::string& conversation, v1::ConversationState state, const std::string& visitor = {},
              std::int64_t closed_ms = 0) {
    store::StoreBatch batch;
    auto* c = batch.state.add_conversations();
    c->mutable_info()->set_conversation_id(conversation);
    c->mutable_info()->set_state(state);
    c->set_closed_ms(closed_ms);
    if (!visitor.empty()) {
      auto* v = batch.state.add_visitors();
      v->set_id(visitor);
      v->set_conversation_id(conversation);
    }
    return commit(std::move(batch));
  }
  // One batch through the store's writer; whether it committed.
  bool commit(store::StoreBatch batch) {
    std::optional<bool> result;
    db->commit(std::move(batch), [&](bool ok) { result = ok; });
    REQUIRE(run_until(io, [&] { return result.has_value(); }, 20s));
    return *result;
  }
};

// SQLite in a temporary directory.
struct SqliteEngine {
  static constexpr int schema_version = 8;
  test::TempDir temp{"sqlite"};
  std::unique_ptr<store::RecordStore> open(boost::asio::any_io_executor completions) {
    return std::make_unique<store::SqliteStore>(temp.path() / "parley.db", std::move(completions));
  }
};

// A fresh database on a real PostgreSQL server.
struct PostgresEngine {
  static constexpr int schema_version = 7;
  test::PostgresServer& server = test::shared_postgres();
  std::string url = server.create_database();
  std::unique_ptr<store::RecordStore> open(boost::asio::any_io_executor completions) {
    return std::make_unique<store::PostgresStore>(url, std::move(completions));
  }
};

using SqliteBackend = StoreBackend<SqliteEngine>;
using PostgresBackend = StoreBackend<PostgresEngine>;

}  // namespace

TEMPLATE_TEST_CASE("message log contract: numbering, idempotency, paging, flush", "", MemoryBackend, SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  auto& log = backend.log();
  CHECK(log.last_seq("c1") == 0);
  CHECK(log.append(message("c1", "v", "m1", "one")).stored.seq() == 1);
  CHECK(log.append(message("c2", "v", "m1", "other chat")).stored.seq() == 1);
  CHECK(log.append(message("c1", "a", "m1", "same id, other sender")).stored.seq() == 2);
  auto again = log.append(message("c1", "v", "m1", "one (resent)"));
  CHECK(again.duplicate);
  CHECK(again.stored.seq() == 1);
  CHECK(again.stored.text() == "one");
  CHECK(log.append(message("c1", "", "", "system notice")).stored.seq() == 3);
  CHECK(log.append(message("c1", "", "", "system notice")).stored.seq() == 4);
  CHECK(log.last_seq("c1") == 4);
  auto page = log.read_after("c1", 1, 2);
  REQUIRE(page.size() == 2);
  CHECK(page[0].seq() == 2);
  CHECK(page[1].seq() == 3);
  CHECK(log.read_after("c1", 4, 10).empty());
  CHECK(backend.flush());
}

TEMPLATE_TEST_CASE("record store: what was flushed survives a restart, with its idempotency", "", SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  REQUIRE(backend.record("c", v1::CONVERSATION_STATE_ASSIGNED));
  for (int i = 1; i <= 50; ++i)
    backend.log().append(message("c", "v", "m" + std::to_string(i), "text " + std::to_string(i)));
  REQUIRE(backend.flush());
  backend.open();  // a restart on the same data directory
  auto& log = backend.log();
  CHECK(log.last_seq("c") == 50);
  CHECK(log.read_after("c", 49, 5)[0].text() == "text 50");
  auto resent = log.append(message("c", "v", "m7", "text 7"));
  CHECK(resent.duplicate);
  CHECK(resent.stored.seq() == 7);
  CHECK(log.append(message("c", "v", "m51", "text 51")).stored.seq() == 51);
  REQUIRE(backend.flush());
  CHECK(backend.db->schema_version() == decltype(backend.engine)::schema_version);
}

TEMPLATE_TEST_CASE("record store: group commit keeps flush order, and a failed commit is reported and written again",
                   "", SqliteBackend, PostgresBackend) {
  TestType backend;
  REQUIRE(backend.record("g", v1::CONVERSATION_STATE_QUEUED));
  // Many flushes queued before the writer runs: all complete, in order.
  std::vector<int> completed;
  for (int i = 0; i < 200; ++i) {
    backend.log().append(message("g", "v", "m" + std::to_string(i), std::to_string(i)));
    backend.durable->flush([&completed, i](bool ok) {
      CHECK(ok);
      completed.push_back(i);
    });
  }
  REQUIRE(run_until(backend.io, [&] { return completed.size() == 200; }, 10s));
  for (int i = 0; i < 200; ++i) CHECK(completed[static_cast<std::size_t>(i)] == i);

  // The database refuses writes (as a full or read-only disk would): not durable, and not lost.
  backend.db->refuse_writes(true);
  backend.log().append(message("g", "v", "late", "written once the disk is back"));
  CHECK_FALSE(backend.flush());
  backend.log().append(message("g", "v", "later", "and this after it"));
  CHECK_FALSE(backend.flush());
  backend.db->refuse_writes(false);
  CHECK(backend.flush());  // the refused batches are written first, then this one
  backend.open();
  CHECK(backend.log().last_seq("g") == 202);
  CHECK(backend.log().read_after("g", 200, 1)[0].text() == "written once the disk is back");
  CHECK(backend.log().read_after("g", 201, 1)[0].text() == "and this after it");
}

TEMPLATE_TEST_CASE("record store: start-up loads what is live, not history, the rest stays in the store", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  REQUIRE(backend.record("open", v1::CONVERSATION_STATE_ASSIGNED));
  REQUIRE(backend.record("closed-remembered", v1::CONVERSATION_STATE_CLOSED, "v-1"));
  REQUIRE(backend.record("closed-long-ago", v1::CONVERSATION_STATE_CLOSED));
  for (const char* id : {"open", "closed-remembered", "closed-long-ago"})
    for (int i = 1; i <= 3; ++i) backend.log().append(message(id, "v", "m" + std::to_string(i), id));
  REQUIRE(backend.flush());
  backend.close();
  boost::asio::io_context io;
  auto reopened = backend.engine.open(io.get_executor());
  auto stored = reopened->load();
  std::set<std::string> loaded;
  for (const auto& c : stored.image.conversations()) loaded.insert(c.info().conversation_id());
  CHECK(loaded == std::set<std::string>{"open", "closed-remembered"});
  CHECK(stored.logs.size() == 2);
  CHECK(stored.logs["open"].size() == 3);
  CHECK(stored.logs["closed-remembered"].size() == 3);
  CHECK(stored.logs.count("closed-long-ago") == 0);
}

TEMPLATE_TEST_CASE("record store: domain events are appended with the change, in order, and read back after a restart",
                   "", SqliteBackend, PostgresBackend) {
  TestType backend;
  store::StoreBatch batch;
  batch.events.push_back(event("c", 1, [](auto& e) { e.mutable_chat_started()->set_visitor_id("v"); }));
  batch.events.push_back(event("c", 2, [](auto& e) { e.mutable_chat_queued()->set_tier(1); }));
  batch.events.push_back(event("other", 2, [](auto& e) { e.mutable_chat_queued()->set_tier(1); }));
  batch.events.push_back(event("", 3, [](auto& e) { e.mutable_agent_status_changed()->set_agent_id("alice"); }));
  batch.events.push_back(event("c", 4, [](auto& e) {
    e.set_actor_id("alice");
    e.mutable_chat_assigned()->set_agent_id("alice");
    e.mutable_chat_assigned()->set_waited_ms(2);
  }));
  REQUIRE(backend.commit(std::move(batch)));
  backend.open();  // a restart
  const auto events = backend.db->events_of("c");
  REQUIRE(events.size() == 3);
  CHECK(events[0].has_chat_started());
  CHECK(events[1].has_chat_queued());
  CHECK(events[2].chat_assigned().agent_id() == "alice");
  CHECK(events[2].actor_id() == "alice");
  CHECK(events[2].at_ms() == 4);
  CHECK(backend.db->events_of("").size() == 1);
  CHECK(backend.db->events_of("nobody").empty());
}

TEMPLATE_TEST_CASE("record store: a report reads every event of the chats started in its period, their rating "
                   "comments, and says when it stopped short", "", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto started = [](auto& e) { e.mutable_chat_started()->set_visitor_id("v"); };
  store::StoreBatch batch;
  batch.events.push_back(event("before", 50, started));
  batch.events.push_back(event("a", 100, started));
  batch.events.push_back(event("b", 200, started));
  batch.events.push_back(event("before", 210, [](auto& e) { e.mutable_chat_closed(); }));
  batch.events.push_back(event("c", 300, started));
  batch.events.push_back(event("", 310, [](auto& e) { e.mutable_agent_status_changed()->set_agent_id("alice"); }));
  batch.events.push_back(event("late", 1000, started));
  // The help center's events have no conversation.
  batch.events.push_back(event("", 400, [](auto& e) {
    e.set_actor_id("v1");
    e.mutable_article_viewed()->set_article_id("reset-2fa");
    e.mutable_article_viewed()->set_from_widget(true);
  }));
  batch.events.push_back(event("", 450, [](auto& e) { e.mutable_article_rated()->set_helpful(true); }));
  batch.events.push_back(event("", 1200, [](auto& e) { e.mutable_article_rated()->set_helpful(false); }));
  // After the period ends, a chat of the period goes on: those events belong to it.
  batch.events.push_back(event("a", 1500, [](auto& e) { e.mutable_chat_closed(); }));
  batch.events.push_back(event("a", 1600, [](auto& e) {
    e.mutable_chat_rated()->set_score(4);
    e.mutable_chat_rated()->set_has_comment(true);
  }));
  auto* record = batch.state.add_conversations();
  record->mutable_info()->set_conversation_id("a");
  record->mutable_info()->set_state(v1::CONVERSATION_STATE_CLOSED);
  record->mutable_rating()->set_score(4);
  record->mutable_rating()->set_comment("提币很快, thanks");
  REQUIRE(backend.commit(std::move(batch)));

  auto report = [&](std::int64_t from, std::int64_t to, std::size_t max) {
    std::promise<std::optional<store::RecordStore::ReportData>> done;
    backend.db->report_events(from, to, max, [&](auto data) { done.set_value(std::move(data)); });
    auto data = done.get_future().get();
    REQUIRE(data);
    return std::move(*data);
  };
  auto ids = [](const store::RecordStore::ReportData& data) {
    std::vector<std::string> out;
    for (const auto& e : data.events) out.push_back(e.conversation_id() + "@" + std::to_string(e.at_ms()));
    return out;
  };
  const auto all = report(100, 1000, 10);
  CHECK(ids(all) == std::vector<std::string>{"a@100", "b@200", "c@300", "a@1500", "a@1600"});
  CHECK_FALSE(all.truncated);
  CHECK(all.comments == std::map<std::string, std::string>{{"a", "提币很快, thanks"}});
  // Help events of the period, and the chats started from its start to an hour after its end.
  auto at = [](const std::vector<parley::events::v1::Event>& events) {
    std::vector<std::int64_t> out;
    for (const auto& e : events) out.push_back(e.at_ms());
    return out;
  };
  CHECK(at(all.help) == std::vector<std::int64_t>{400, 450});
  CHECK(all.help[0].actor_id() == "v1");
  CHECK(all.help[0].article_viewed().article_id() == "reset-2fa");
  CHECK(at(all.chat_starts) == std::vector<std::int64_t>{100, 200, 300, 1000});
  CHECK(at(report(100, 300, 10).chat_starts) == std::vector<std::int64_t>{100, 200, 300, 1000});
  CHECK_FALSE(all.help_truncated);
  // At most two chats: the first two started, and it says so.
  const auto two = report(100, 1000, 2);
  CHECK(ids(two) == std::vector<std::string>{"a@100", "b@200", "a@1500", "a@1600"});
  CHECK(two.truncated);
  CHECK(report(2000, 3000, 10).events.empty());
  backend.open();  // the same after a restart
  CHECK(ids(report(100, 1000, 10)) == ids(all));
}

TEMPLATE_TEST_CASE("record store: retention deletes closed chats past their time, never open or held ones, and the "
                   "core's writes never clear a hold", "", SqliteBackend, PostgresBackend) {
  TestType backend;
  REQUIRE(backend.record("old", v1::CONVERSATION_STATE_CLOSED, {}, 1000));
  REQUIRE(backend.record("old-held", v1::CONVERSATION_STATE_CLOSED, {}, 1000));
  REQUIRE(backend.record("recent", v1::CONVERSATION_STATE_CLOSED, {}, 5000));
  REQUIRE(backend.record("open", v1::CONVERSATION_STATE_ASSIGNED));
  for (const char* id : {"old", "old-held", "recent", "open"}) backend.log().append(message(id, "v", "m1", id));
  REQUIRE(backend.flush());
  std::promise<std::optional<bool>> held;
  backend.db->set_legal_hold("old-held", true, chat::events::Event{}, [&](std::optional<bool> found) { held.set_value(found); });
  CHECK(held.get_future().get() == std::optional<bool>(true));
  std::promise<std::optional<bool>> missing;
  backend.db->set_legal_hold("nobody", true, chat::events::Event{}, [&](std::optional<bool> found) { missing.set_value(found); });
  CHECK(missing.get_future().get() == std::optional<bool>(false));
  // The chat core writes the held conversation again (a late change): the hold stays.
  REQUIRE(backend.record("old-held", v1::CONVERSATION_STATE_CLOSED, {}, 1000));
  std::promise<std::vector<std::string>> deleted;
  backend.db->expire_closed(2000, 10, 9999, [&](std::vector<std::string> ids) { deleted.set_value(std::move(ids)); });
  CHECK(deleted.get_future().get() == std::vector<std::string>{"old"});
  std::promise<std::optional<store::RecordStore::Transcript>> gone, kept;
  backend.db->transcript("old", [&](auto t) { gone.set_value(std::move(t)); });
  backend.db->transcript("old-held", [&](auto t) { kept.set_value(std::move(t)); });
  CHECK_FALSE(gone.get_future().get());
  auto held_transcript = kept.get_future().get();
  REQUIRE(held_transcript);
  CHECK(held_transcript->messages.size() == 1);
  // Its deletion is on record.
  const auto events = backend.db->events_of("old");
  REQUIRE(events.size() == 1);
  CHECK(events[0].conversation_deleted().reason() == "retention");
}

TEMPLATE_TEST_CASE("record store: every conversation of one customer or visitor, oldest first", "", SqliteBackend,
                   PostgresBackend) {
  TestType backend;
  store::StoreBatch batch;
  auto add = [&](const std::string& id, const std::string& customer, const std::string& visitor, std::int64_t created) {
    auto* c = batch.state.add_conversations();
    c->mutable_info()->set_conversation_id(id);
    c->mutable_info()->set_customer_id(customer);
    c->mutable_info()->set_visitor_id(visitor);
    c->mutable_info()->set_created_ms(created);
  };
  add("later", "cust-1", "v-1", 20);
  add("earlier", "cust-1", "v-2", 10);
  add("other", "cust-2", "v-3", 5);
  add("anonymous", "", "v-4", 1);
  REQUIRE(backend.commit(std::move(batch)));
  auto of = [&](const std::string& customer, const std::string& visitor) {
    std::promise<std::optional<std::vector<store::RecordStore::Transcript>>> p;
    backend.db->conversations_of(customer, visitor, 10, [&](auto all) { p.set_value(std::move(all)); });
    const auto all = p.get_future().get();
    REQUIRE(all);
    std::vector<std::string> ids;
    for (const auto& t : *all) ids.push_back(t.record.info().conversation_id());
    return ids;
  };
  CHECK(of("cust-1", "") == std::vector<std::string>{"earlier", "later"});
  CHECK(of("", "v-4") == std::vector<std::string>{"anonymous"});
  CHECK(of("nobody", "").empty());
}

TEMPLATE_TEST_CASE("record store: an erasure anonymises the customer's conversations right after its commit, and "
                   "only theirs", "", SqliteBackend, PostgresBackend) {
  TestType backend;
  store::StoreBatch setup;
  auto add = [&](const std::string& id, const std::string& customer) {
    auto* c = setup.state.add_conversations();
    c->mutable_info()->set_conversation_id(id);
    c->mutable_info()->set_customer_id(customer);
    c->mutable_info()->set_visitor_name("Wang Fang");
    c->mutable_info()->set_email("wang@example.com");
    c->mutable_info()->set_transaction_id("0xdeadbeef");
    c->mutable_info()->set_state(v1::CONVERSATION_STATE_CLOSED);
    auto* note = c->add_notes();
    note->set_text("customer called from +86 138 0000 0000");
    c->mutable_rating()->set_score(4);
    c->mutable_rating()->set_comment("thanks, Wang");
    c->set_senior_reason("I am Wang Fang, call me on 138 0000 0000");
    c->set_escalation_reason("Wang's withdrawal to 0xdeadbeef");
    c->set_close_comment("refunded to Wang");
  };
  add("hers", "cust-99");
  add("someone-else", "cust-1");
  std::optional<bool> done;
  backend.db->commit(std::move(setup), [&](bool ok) { done = ok; });
  REQUIRE(run_until(backend.io, [&] { return done.has_value(); }, 20s));
  auto visitor_message = message("hers", "v", "m1", "my address is 0xdeadbeef");
  visitor_message.set_sender_role(v1::ROLE_VISITOR);
  visitor_message.set_sender_name("Wang Fang");
  backend.log().append(visitor_message);
  backend.log().append(message("someone-else", "v", "m1", "unrelated"));
  REQUIRE(backend.flush());

  // The erasure's batch also carries a late message of hers: the listener (the
  // search index) must hear that message before it hears the erasure.
  store::StoreBatch erasure;
  auto late = message("hers", "v", "m2", "one more thing, my phone is 138 0000 0000");
  late.set_seq(2);
  erasure.messages.push_back(late);
  erasure.erasures.emplace_back().set_customer_id("cust-99");
  std::vector<std::string> heard;
  backend.db->on_committed([&](const store::StoreBatch& b) {
    for (const auto& m : b.messages) heard.push_back("message " + m.conversation_id());
    for (const auto& id : b.erased_conversations) heard.push_back("erased " + id);
  });
  done.reset();
  backend.db->commit(std::move(erasure), [&](bool ok) { done = ok; });
  REQUIRE(run_until(backend.io, [&] { return done.has_value(); }, 20s));
  REQUIRE(*done);
  CHECK(heard == std::vector<std::string>{"message hers", "erased hers"});
  auto read = [&](const std::string& id) {
    std::promise<std::optional<store::RecordStore::Transcript>> p;
    backend.db->transcript(id, [&](auto t) { p.set_value(std::move(t)); });
    auto t = p.get_future().get();
    REQUIRE(t);
    return *t;
  };
  const auto hers = read("hers");
  CHECK(hers.record.info().visitor_name() == "(erased)");
  CHECK(hers.record.info().email().empty());
  CHECK(hers.record.info().customer_id().empty());
  CHECK(hers.record.info().transaction_id().empty());
  CHECK(hers.record.notes(0).text() == "(erased)");
  CHECK(hers.record.rating().score() == 4);  // counts and scores stay for reports
  CHECK(hers.record.rating().comment().empty());
  CHECK(hers.record.senior_reason() == "(erased)");
  CHECK(hers.record.escalation_reason() == "(erased)");
  CHECK(hers.record.close_comment() == "(erased)");
  REQUIRE(hers.messages.size() == 2);
  CHECK(hers.messages[0].text() == "(erased)");
  CHECK(hers.messages[0].sender_name() == "(erased)");
  CHECK(hers.messages[1].text() == "(erased)");
  const auto other = read("someone-else");
  CHECK(other.record.info().visitor_name() == "Wang Fang");
  CHECK(other.messages[0].text() == "unrelated");
  // The customer can no longer be found by their id.
  std::promise<std::optional<std::vector<store::RecordStore::Transcript>>> of;
  backend.db->conversations_of("cust-99", "", 10, [&](auto all) { of.set_value(std::move(all)); });
  const auto left = of.get_future().get();
  REQUIRE(left);
  CHECK(left->empty());
  backend.db->on_committed({});
}

TEMPLATE_TEST_CASE("record store: a second server on the same data is refused", "", SqliteBackend, PostgresBackend) {
  TestType backend;
  CHECK_THROWS_AS(backend.engine.open(backend.io.get_executor()), store::StoreError);
}

TEMPLATE_TEST_CASE("record store: staff sign-ins are kept across a restart, expire, and can be removed", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  chat::ManualClock clock;
  // The port's callbacks run on the store's thread: wait for them with futures.
  auto put = [&](auth::StaffSessionStore& s, const std::string& key, std::int64_t expires) {
    std::promise<bool> stored;
    s.put(key, {"alice", "stamp", expires}, [&](bool ok) { stored.set_value(ok); });
    return stored.get_future().get();
  };
  auto get = [&](auth::StaffSessionStore& s, const std::string& key) {
    std::promise<std::optional<auth::StaffSession>> found;
    s.get(key, [&](std::optional<auth::StaffSession> session) { found.set_value(std::move(session)); });
    return found.get_future().get();
  };
  {
    auto sessions = backend.db->staff_sessions(clock);
    CHECK(put(*sessions, "k1", clock.now_ms() + 1000));
    CHECK(put(*sessions, "k2", clock.now_ms() + 5000));
  }
  backend.open();  // a restart
  auto staff = backend.db->staff_sessions(clock);
  auto& sessions = *staff;
  auto found = get(sessions, "k1");
  REQUIRE(found);
  CHECK(found->agent_id == "alice");
  CHECK(found->credential_stamp == "stamp");
  clock.advance(1000);
  CHECK_FALSE(get(sessions, "k1"));  // expired
  std::promise<bool> removed;
  sessions.remove("k2", [&](bool r) { removed.set_value(r); });
  CHECK(removed.get_future().get());
  CHECK_FALSE(get(sessions, "k2"));
}

TEMPLATE_TEST_CASE("record store: canned responses are decided over all of them, kept across a restart, and "
                   "a failed decision writes nothing", "", SqliteBackend, PostgresBackend) {
  TestType backend;
  const canned::Staff alice{"alice", v1::ROLE_AGENT};
  const canned::Staff sam{"sam", v1::ROLE_SUPERVISOR};
  auto change = [&](store::RecordStore::CannedDecide decide) {
    std::promise<std::optional<canned::Decision>> done;
    backend.db->change_canned_responses(std::move(decide), [&](std::optional<canned::Decision> d) { done.set_value(std::move(d)); });
    return done.get_future().get();
  };
  auto all = [&] {
    std::promise<std::optional<std::vector<canned::Record>>> done;
    backend.db->canned_responses([&](std::optional<std::vector<canned::Record>> r) { done.set_value(std::move(r)); });
    auto out = done.get_future().get();
    REQUIRE(out);
    return *out;
  };
  auto edit = [](std::string shortcut, bool shared) {
    canned::Edit e;
    e.shortcut = std::move(shortcut);
    e.title = "Confirmations";
    e.shared = shared;
    e.texts = {{"en", "Deposits need 12 confirmations, {visitor_name}."}, {"zh-CN", "充值需要 12 个区块确认。"}};
    return e;
  };
  auto save = [&](const canned::Staff& who, canned::Edit e, std::string id) {
    return change([=](const std::vector<canned::Record>& now) { return canned::decide_save(who, e, now, 5, id); });
  };
  CHECK(all().empty());
  auto mine = save(alice, edit("confirm", false), "cr_1");
  REQUIRE(mine);
  CHECK(mine->outcome == canned::Outcome::saved);
  REQUIRE(save(sam, edit("confirm", true), "cr_2"));
  // The second decision saw the first: the same shortcut again is refused, nothing written.
  auto again = save(alice, edit("confirm", false), "cr_3");
  REQUIRE(again);
  CHECK(again->outcome == canned::Outcome::duplicate_shortcut);
  CHECK(all().size() == 2);
  // A decision that throws (as a failing statement would) rolls back whatever it did.
  auto failed = change([](const std::vector<canned::Record>&) -> canned::Decision { throw store::StoreError("boom"); });
  CHECK_FALSE(failed);

  backend.open();  // a restart
  auto kept = all();
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].id() == "cr_1");
  CHECK(kept[0].owner_id() == "alice");
  CHECK(kept[0].texts().at("zh-CN") == "充值需要 12 个区块确认。");
  CHECK(kept[1].shared());
  auto gone = change([&](const std::vector<canned::Record>& now) { return canned::decide_delete(alice, "cr_1", now); });
  REQUIRE(gone);
  CHECK(gone->outcome == canned::Outcome::deleted);
  REQUIRE(all().size() == 1);
  CHECK(all()[0].id() == "cr_2");
}

TEMPLATE_TEST_CASE("record store: a ticket, its thread and its mails are written together, numbered, claimed for a "
                   "lease, and kept across a restart", "", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto change = [&](const std::string& id, const std::string& email, store::RecordStore::TicketDecide decide) {
    return backend.change(id, email, std::move(decide));
  };
  auto thread = [&](const std::string& id) { return backend.thread(id); };
  auto claim = [&](std::int64_t now) {
    std::promise<std::optional<std::vector<store::RecordStore::MailJob>>> done;
    backend.db->claim_mail(now, 10, 60'000, [&](auto jobs) { done.set_value(std::move(jobs)); });
    auto out = done.get_future().get();
    REQUIRE(out);
    return *out;
  };
  auto request = [](char fill, const std::string& email) {
    tickets::NewRequest r;
    r.token = std::string(40, fill);
    r.category = v1::CATEGORY_DEPOSIT;
    r.text = "充值没有到账";
    r.requester.set_email(email);
    return r;
  };
  auto open = [&](char fill, const std::string& email) {
    const auto r = request(fill, email);
    return change(tickets::id_for_token(r.token), email, [r, fill](const tickets::Context& c) {
      return tickets::decide_open(r, c, 1000, 90'000, std::string("m_") + fill);
    });
  };
  auto first = open('a', "li@example.com");
  REQUIRE(first);
  REQUIRE(first->outcome == tickets::Outcome::done);
  CHECK(first->put->number() == 1001);
  auto second = open('b', "li@example.com");
  REQUIRE(second);
  CHECK(second->put->number() == 1002);
  // The decision saw the address's open tickets.
  std::size_t seen_open = 0;
  change("t_none", "li@example.com", [&](const tickets::Context& c) {
    seen_open = c.open_of_requester;
    return tickets::Decision{};
  });
  CHECK(seen_open == 2);
  // A decision that throws writes nothing.
  CHECK_FALSE(change(first->put->id(), "", [](const tickets::Context&) -> tickets::Decision { throw store::StoreError("boom"); }));

  const tickets::Staff alice{"alice", "Alice", v1::ROLE_AGENT};
  tickets::StaffChange reply;
  reply.action = tickets::Action::reply;
  reply.text = "已到账";
  reply.client_message_id = "r1";
  auto replied = change(first->put->id(), "", [&](const tickets::Context& c) { return tickets::decide_staff(alice, reply, c, 2000, "m_r"); });
  REQUIRE(replied);
  REQUIRE(replied->outcome == tickets::Outcome::done);

  // The outbox: three mails due; a claim takes them for its lease, a second claim meanwhile gets none.
  auto jobs = claim(3000);
  CHECK(jobs.size() == 3);
  CHECK(claim(3000).empty());
  for (const auto& j : jobs) CHECK(j.thread.ticket.id() == j.mail.ticket_id());
  auto sent = jobs[0].mail;
  sent.set_status(tickets::Mail::STATUS_SENT);
  std::promise<bool> finished;
  backend.db->finish_mail(sent, [&](bool ok) { finished.set_value(ok); });
  CHECK(finished.get_future().get());
  // Past the lease the unfinished two are handed out again; the sent one never.
  CHECK(claim(3000 + 60'001).size() == 2);
  const auto key = backend.db->secret("mail-reply");
  CHECK(key.size() == 64);

  backend.open();  // a restart
  auto kept = thread(first->put->id());
  REQUIRE(kept);
  CHECK(kept->ticket.status() == desk::v1::TICKET_STATUS_PENDING);
  REQUIRE(kept->messages.size() == 2);
  CHECK(kept->messages[0].text() == "充值没有到账");
  CHECK(kept->messages[1].text() == "已到账");
  CHECK(kept->mails.size() == 2);
  CHECK_FALSE(thread("t_nothing"));
  std::promise<std::optional<std::vector<tickets::Record>>> listed;
  backend.db->tickets(desk::v1::TICKET_STATUS_OPEN, desk::v1::TICKET_STATUS_PENDING, 100, [&](auto r) { listed.set_value(std::move(r)); });
  auto list = listed.get_future().get();
  REQUIRE(list);
  CHECK(list->size() == 2);
  std::promise<std::optional<std::vector<tickets::Record>>> open_only;
  backend.db->tickets(desk::v1::TICKET_STATUS_OPEN, desk::v1::TICKET_STATUS_OPEN, 100, [&](auto r) { open_only.set_value(std::move(r)); });
  auto opens = open_only.get_future().get();
  REQUIRE(opens);
  REQUIRE(opens->size() == 1);
  CHECK(opens->front().number() == 1002);
  // The reply-address key is the same after the restart (addresses already mailed stay valid).
  CHECK(backend.db->secret("mail-reply") == key);
}

TEMPLATE_TEST_CASE("record store: a received mail is threaded by ticket number, by our mail's id or by a received "
                   "Message-ID, stored once with its raw text, and nothing of a refused one is kept", "", SqliteBackend, PostgresBackend) {
  TestType backend;
  auto receive = [&](store::RecordStore::ReceivedMail mail, store::RecordStore::TicketDecide decide) {
    std::promise<std::optional<store::RecordStore::MailReceipt>> done;
    backend.db->receive_mail(std::move(mail), std::move(decide), [&](auto r) { done.set_value(std::move(r)); });
    return done.get_future().get();
  };
  auto mail = [](const std::string& inbox_id, const std::string& message_id) {
    store::RecordStore::ReceivedMail m;
    m.inbox_id = inbox_id;
    m.message_id = message_id;
    m.sender_email = "li@example.com";
    m.received_ms = 1000;
    m.raw = "From: li@example.com\r\n\r\n充值 " + message_id;
    return m;
  };
  auto incoming = [](const std::string& message_id, const std::string& inbox_id) {
    tickets::IncomingMail in;
    in.from_address = "li@example.com";
    in.subject = "Deposit";
    in.text = "充值没有到账";
    in.message_id = message_id;
    in.inbox_id = inbox_id;
    return in;
  };
  // A new mail: a ticket, its acknowledgement, the raw mail kept.
  std::string seen_ticket;
  auto first = receive(mail("in_1", "a@mail.example"), [&](const tickets::Context& c) {
    CHECK_FALSE(c.ticket);
    return tickets::decide_mail(incoming("a@mail.example", "in_1"), c, 1000, 9000, "m_ack1", std::string(40, 'a'));
  });
  REQUIRE(first);
  REQUIRE(first->decision.outcome == tickets::Outcome::done);
  CHECK_FALSE(first->duplicate);
  const auto id = first->decision.put->id();
  CHECK(first->decision.put->number() == 1001);
  // The same Message-ID again: a duplicate, decided by nobody.
  auto again = receive(mail("in_2", "a@mail.example"), [](const tickets::Context&) -> tickets::Decision {
    FAIL("a duplicate must not be decided");
    return {};
  });
  REQUIRE(again);
  CHECK(again->duplicate);
  // Found by the ticket's number (a signed reply address).
  auto by_number_mail = mail("in_3", "b@mail.example");
  by_number_mail.ticket_number = 1001;
  auto by_number = receive(by_number_mail, [&](const tickets::Context& c) {
    REQUIRE(c.ticket);
    CHECK(c.ticket->id() == id);
    CHECK_FALSE(c.by_reference);
    CHECK(c.messages.size() == 1);
    return tickets::decide_mail(incoming("b@mail.example", "in_3"), c, 2000, 9000, "m_x", std::string(40, 'b'));
  });
  REQUIRE(by_number);
  CHECK(by_number->decision.put->id() == id);
  // Found by our acknowledgement's id (an outbox id), then by a received Message-ID: by reference.
  for (const auto& [inbox, ref, ours] : {std::tuple<std::string, std::string, bool>{"in_4", "m_ack1", true},
                                         std::tuple<std::string, std::string, bool>{"in_5", "b@mail.example", false}}) {
    INFO(ref);
    auto m = mail(inbox, "ref-" + inbox + "@mail.example");
    if (ours) m.sent_mail_ids = {"m_nothing", ref};
    else m.references = {"unknown@x", ref};
    bool found = false;
    auto r = receive(m, [&, inbox = inbox](const tickets::Context& c) {
      found = c.ticket && c.ticket->id() == id && c.by_reference;
      return tickets::decide_mail(incoming("ref-" + inbox + "@mail.example", inbox), c, 3000, 9000, "m_" + inbox, std::string(40, 'c'));
    });
    REQUIRE(r);
    CHECK(found);
  }
  // An automatic mail: kept (raw), on no ticket; a refused one: nothing kept (it can come again).
  auto kept = receive(mail("in_6", "auto@mail.example"), [](const tickets::Context&) {
    return tickets::Decision{tickets::Outcome::unchanged, "kept, not answered: auto-reply", std::nullopt, {}, {}};
  });
  REQUIRE(kept);
  auto refused = receive(mail("in_7", "refused@mail.example"), [](const tickets::Context&) {
    return tickets::Decision{tickets::Outcome::limit_reached, "too many", std::nullopt, {}, {}};
  });
  REQUIRE(refused);
  auto refused_again = receive(mail("in_8", "refused@mail.example"), [](const tickets::Context&) {
    return tickets::Decision{tickets::Outcome::limit_reached, "too many", std::nullopt, {}, {}};
  });
  CHECK_FALSE(refused_again->duplicate);

  backend.open();  // a restart
  auto raw = [&](const std::string& inbox_id) { return backend.raw(inbox_id); };
  CHECK(raw("in_1") == "From: li@example.com\r\n\r\n充值 a@mail.example");
  CHECK(raw("in_6"));
  CHECK_FALSE(raw("in_2"));  // the duplicate was not stored twice
  CHECK_FALSE(raw("in_7"));
  std::promise<std::optional<store::RecordStore::TicketThread>> t;
  backend.db->ticket(id, [&](bool, std::optional<store::RecordStore::TicketThread> r) { t.set_value(std::move(r)); });
  const auto thread = t.get_future().get();
  REQUIRE(thread);
  REQUIRE(thread->messages.size() == 4);
  CHECK(thread->messages[1].inbox_id() == "in_3");
  CHECK(thread->messages[3].mail_message_id() == "ref-in_5@mail.example");
  // A duplicate after the restart is still one.
  auto late = receive(mail("in_9", "b@mail.example"), [](const tickets::Context&) { return tickets::Decision{}; });
  REQUIRE(late);
  CHECK(late->duplicate);
}

TEST_CASE("postgres store: a new cluster leader takes the database over, and the old one can store nothing more") {
  PostgresEngine engine;
  StoreBackend<PostgresEngine&> old_leader(engine);
  REQUIRE(old_leader.record("c", v1::CONVERSATION_STATE_ASSIGNED));
  old_leader.log().append(message("c", "v", "m1", "acknowledged by the old leader"));
  REQUIRE(old_leader.flush());

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  // Without the right to it, a second server is refused...
  CHECK_THROWS_WITH(store::PostgresStore(engine.url, io.get_executor()), Catch::Contains("another parley-server"));
  // ...a new leader takes it over, with everything acknowledged.
  store::PostgresStore next(engine.url, io.get_executor(), store::PostgresStore::Takeover::yes);
  auto stored = next.load();
  REQUIRE(stored.logs.count("c"));
  CHECK(stored.logs.at("c").back().text() == "acknowledged by the old leader");

  // The old leader's session was ended: its late writes fail, and so do its
  // reconnects (it never takes the database back).
  for (const char* id : {"m2", "m3"}) {
    old_leader.log().append(message("c", "v", id, "a deposed leader's late write"));
    CHECK_FALSE(old_leader.flush());
  }
  std::optional<std::optional<store::RecordStore::Transcript>> seen;
  next.transcript("c", [&](std::optional<store::RecordStore::Transcript> t) {
    boost::asio::post(io, [&seen, t = std::move(t)] { seen = t; });
  });
  REQUIRE(run_until(io, [&] { return seen.has_value(); }, 20s));
  REQUIRE(*seen);
  REQUIRE((*seen)->messages.size() == 1);
  CHECK((*seen)->messages[0].text() == "acknowledged by the old leader");
}

TEST_CASE("postgres store: killed and restarted under a running store, nothing acknowledged is lost") {
  test::PostgresServer server;  // its own: this test kills it
  PostgresEngine engine{server};
  StoreBackend<PostgresEngine&> backend(engine);
  REQUIRE(backend.record("c", v1::CONVERSATION_STATE_ASSIGNED));
  for (int i = 1; i <= 20; ++i) backend.log().append(message("c", "v", "m" + std::to_string(i), std::to_string(i)));
  REQUIRE(backend.flush());  // what an Ack would wait for
  server.kill_hard();
  backend.log().append(message("c", "v", "m21", "while the database is away"));
  CHECK_FALSE(backend.flush());  // not acknowledged
  server.start();
  backend.log().append(message("c", "v", "m22", "once it is back"));
  CHECK(backend.flush());  // reconnected; the refused batch is written first
  backend.open();          // a restart reads it all back
  CHECK(backend.log().last_seq("c") == 22);
  CHECK(backend.log().read_after("c", 19, 3)[1].text() == "while the database is away");
}

TEST_CASE("postgres store: a bad URL or an unreachable server is a clear error that never shows the password") {
  boost::asio::io_context io;
  const auto port = test::free_port();  // nothing listens there
  try {
    store::PostgresStore("postgresql://parley:s3cret-pw@127.0.0.1:" + std::to_string(port) + "/parley", io.get_executor());
    FAIL("connected to nothing");
  } catch (const store::StoreError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("s3cret-pw") == std::string::npos);
    CHECK(what.find("cannot connect") != std::string::npos);
    CHECK(what.find("parley:***@127.0.0.1") != std::string::npos);
  }
  CHECK(store::redact_database_url("postgres://u:p@h/db") == "postgres://u:***@h/db");
  CHECK(store::redact_database_url("host=h password=p dbname=x") == "host=h password=*** dbname=x");
  CHECK(store::redact_database_url("postgres://h/db?password=p&x=1") == "postgres://h/db?password=***&x=1");
  CHECK(store::redact_database_url("postgres://u@h/db") == "postgres://u@h/db");
}

TEMPLATE_TEST_CASE("record store: tickets are erased with their customer or by their requester's address, and only "
                   "theirs, and retention deletes solved and closed tickets past their time with their mail", "",
                   SqliteBackend, PostgresBackend) {
  TestType backend;
  auto change = [&](const std::string& id, const std::string& email, store::RecordStore::TicketDecide decide) {
    auto d = backend.change(id, email, std::move(decide));
    REQUIRE(d);
    return *d;
  };
  auto thread = [&](const std::string& id) { return backend.thread(id); };
  auto raw = [&](const std::string& inbox_id) { return backend.raw(inbox_id); };
  // Three requesters: a verified customer, one known by e-mail only (a mail), and someone else.
  auto open = [&](char fill, const std::string& email, const std::string& customer, std::int64_t now) {
    tickets::NewRequest r;
    r.token = std::string(40, fill);
    r.category = v1::CATEGORY_REFUND;
    r.subject = "Refund for 0xdeadbeef";
    r.transaction_id = "0xdeadbeef";
    r.text = "I am Wang Fang, please refund 0xdeadbeef to me";
    r.requester.set_name("Wang Fang");
    r.requester.set_email(email);
    r.requester.set_customer_id(customer);
    return change(tickets::id_for_token(r.token), email, [r, now, fill](const tickets::Context& c) {
      return tickets::decide_open(r, c, now, now + 90'000, std::string("m_") + fill);
    }).put->id();
  };
  const auto hers = open('a', "wang@example.com", "cust-99", 1000);
  const auto by_mail = open('b', "fang@example.cn", "", 1000);
  const auto other = open('c', "li@example.com", "cust-1", 1000);
  // A mail with an attachment on the e-mail requester's ticket.
  store::RecordStore::ReceivedMail mail;
  mail.inbox_id = "in_1";
  mail.message_id = "fang-1@example.cn";
  mail.sender_email = "fang@example.cn";
  mail.received_ms = 1500;
  mail.ticket_number = 1002;  // a reply to the acknowledgement
  mail.raw = "From: fang@example.cn\r\n\r\nmy passport scan is attached";
  std::promise<std::optional<store::RecordStore::MailReceipt>> received;
  backend.db->receive_mail(mail, [&](const tickets::Context& c) {
    tickets::IncomingMail in;
    in.from_address = "fang@example.cn";
    in.text = "my passport scan is attached";
    in.message_id = mail.message_id;
    in.inbox_id = mail.inbox_id;
    auto d = tickets::decide_mail(in, c, 1500, 90'000, "m_in", std::string(40, 'd'));
    return d;
  }, [&](auto r) { received.set_value(std::move(r)); });
  REQUIRE(received.get_future().get());
  const tickets::Staff alice{"alice", "Alice", v1::ROLE_AGENT};
  tickets::StaffChange note;
  note.action = tickets::Action::note;
  note.text = "Wang called from +86 138 0000 0000";
  change(hers, "", [&](const tickets::Context& c) { return tickets::decide_staff(alice, note, c, 2000, "m_n"); });

  // Erased with the customer (an erasure in a committed batch, as the chat core sends it).
  store::StoreBatch erasure;
  erasure.erasures.emplace_back().set_customer_id("cust-99");
  std::optional<bool> done;
  backend.db->commit(std::move(erasure), [&](bool ok) { done = ok; });
  REQUIRE(run_until(backend.io, [&] { return done.has_value(); }, 20s));
  REQUIRE(*done);
  auto gone = thread(hers);
  REQUIRE(gone);
  CHECK(gone->ticket.requester().name() == "(erased)");
  CHECK(gone->ticket.requester().email().empty());
  CHECK(gone->ticket.requester().customer_id().empty());
  CHECK(gone->ticket.subject().empty());
  CHECK(gone->ticket.transaction_id().empty());
  CHECK(gone->ticket.requester_token_hash().empty());
  CHECK(gone->ticket.notes(0).text() == "(erased)");
  CHECK(gone->ticket.number() == 1001);  // numbers, times and states stay for reports
  for (const auto& m : gone->messages) CHECK(m.text() == "(erased)");
  REQUIRE_FALSE(gone->mails.empty());
  for (const auto& m : gone->mails) {
    CHECK(m.to().empty());
    CHECK(m.status() == tickets::Mail::STATUS_FAILED);  // never sent now
  }
  // Its address no longer counts or finds anything.
  std::size_t open_of_address = 99;
  change("t_none", "wang@example.com", [&](const tickets::Context& c) {
    open_of_address = c.open_of_requester;
    return tickets::Decision{};
  });
  CHECK(open_of_address == 0);

  // Erased by address: the e-mail requester's tickets and the mails they sent.
  std::promise<std::optional<std::size_t>> by_address;
  events::v1::Event event;
  event.set_at_ms(3000);
  event.set_actor_id("sam");
  event.mutable_customer_erased()->set_email("fang@example.cn");
  backend.db->erase_requester("fang@example.cn", event, [&](auto n) { by_address.set_value(n); });
  CHECK(by_address.get_future().get() == std::optional<std::size_t>(1));
  auto fang = thread(by_mail);
  REQUIRE(fang);
  CHECK(fang->ticket.requester().email().empty());
  REQUIRE(fang->messages.size() == 2);
  CHECK(fang->messages[1].text() == "(erased)");
  CHECK(raw("in_1") == std::optional<std::string>(""));  // the raw mail is gone, its Message-ID still known
  std::promise<std::optional<store::RecordStore::MailReceipt>> redelivered;
  mail.inbox_id = "in_2";
  backend.db->receive_mail(mail, [](const tickets::Context&) { return tickets::Decision{}; },
                           [&](auto r) { redelivered.set_value(std::move(r)); });
  auto again = redelivered.get_future().get();
  REQUIRE(again);
  CHECK(again->duplicate);
  // Nobody else's.
  auto kept = thread(other);
  REQUIRE(kept);
  CHECK(kept->ticket.requester().email() == "li@example.com");
  CHECK(kept->messages[0].text() == "I am Wang Fang, please refund 0xdeadbeef to me");
  // The audit keeps who asked and when, not whom.
  bool audited = false;
  for (const auto& e : backend.db->events_of(""))
    if (e.has_customer_erased()) audited = e.actor_id() == "sam" && e.customer_erased().email().empty();
  CHECK(audited);

  // Retention: only solved or closed tickets not changed since the time go, with their thread and mails.
  tickets::StaffChange solve;
  solve.action = tickets::Action::set_status;
  solve.status = desk::v1::TICKET_STATUS_SOLVED;
  change(other, "", [&](const tickets::Context& c) { return tickets::decide_staff(alice, solve, c, 5000, "m_s"); });
  auto expire = [&](std::int64_t before) {
    std::promise<std::vector<std::string>> ids;
    backend.db->expire_tickets(before, 10, 9000, [&](auto v) { ids.set_value(std::move(v)); });
    return ids.get_future().get();
  };
  CHECK(expire(5000).empty());  // solved at 5000: not before
  CHECK(expire(5001) == std::vector<std::string>{other});
  CHECK_FALSE(thread(other));
  CHECK(thread(hers));  // still open
  bool recorded = false;
  for (const auto& e : backend.db->events_of(other))
    recorded |= e.has_ticket_deleted() && e.ticket_deleted().number() == 1003 && e.ticket_deleted().reason() == "retention";
  CHECK(recorded);
  backend.open();  // a restart: all of it kept
  CHECK_FALSE(thread(other));
  CHECK(thread(hers)->ticket.requester().email().empty());
}

TEMPLATE_TEST_CASE("record store: a chat's transcript mail is queued up to its limit, claimed with the chat, and erased "
                   "with its customer", "", SqliteBackend, PostgresBackend) {
  TestType backend;
  store::StoreBatch setup;
  auto* c = setup.state.add_conversations();
  c->mutable_info()->set_conversation_id("c_1");
  c->mutable_info()->set_customer_id("cust-7");
  c->mutable_info()->set_state(v1::CONVERSATION_STATE_CLOSED);
  std::optional<bool> done;
  backend.db->commit(std::move(setup), [&](bool ok) { done = ok; });
  REQUIRE(run_until(backend.io, [&] { return done.has_value(); }, 20s));
  backend.log().append(message("c_1", "v", "m1", "where is my deposit"));
  REQUIRE(backend.flush());
  auto queue = [&](const std::string& id) {
    tickets::Mail mail;
    mail.set_id(id);
    mail.set_kind(tickets::Mail::KIND_TRANSCRIPT);
    mail.set_conversation_id("c_1");
    mail.set_to("wang@example.com");
    mail.set_status(tickets::Mail::STATUS_QUEUED);
    mail.set_next_attempt_ms(1000);
    std::promise<std::optional<bool>> queued;
    backend.db->queue_chat_mail(mail, 2, [&](auto q) { queued.set_value(q); });
    return queued.get_future().get();
  };
  CHECK(queue("m_1") == std::optional<bool>(true));
  CHECK(queue("m_2") == std::optional<bool>(true));
  CHECK(queue("m_3") == std::optional<bool>(false));  // at the limit: nothing written
  std::promise<std::optional<std::vector<store::RecordStore::MailJob>>> claimed;
  backend.db->claim_mail(2000, 10, 60'000, [&](auto jobs) { claimed.set_value(std::move(jobs)); });
  auto jobs = claimed.get_future().get();
  REQUIRE(jobs);
  REQUIRE(jobs->size() == 2);
  for (const auto& j : *jobs) {
    REQUIRE(j.chat);
    CHECK(j.chat->messages.at(0).text() == "where is my deposit");
  }
  // Erased with the customer: no address is kept, and the mail never goes.
  store::StoreBatch erasure;
  erasure.erasures.emplace_back().set_customer_id("cust-7");
  done.reset();
  backend.db->commit(std::move(erasure), [&](bool ok) { done = ok; });
  REQUIRE(run_until(backend.io, [&] { return done.has_value(); }, 20s));
  std::promise<std::optional<std::vector<store::RecordStore::MailJob>>> after;
  backend.db->claim_mail(2000 + 60'001, 10, 60'000, [&](auto j) { after.set_value(std::move(j)); });
  auto left = after.get_future().get();
  REQUIRE(left);
  CHECK(left->empty());
}
