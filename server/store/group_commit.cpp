#include "store/group_commit.hpp"
#include "log/log.hpp"

#include "metrics/metrics.hpp"

#include <chrono>
#include <set>

#include "util/random.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstdint>
#include <future>
#include <iostream>

namespace parley::store {

namespace {
template <class T>
T parsed(const std::string& row, const char* what) {
  T out;
  if (!out.ParseFromString(row)) throw StoreError(std::string("a stored ") + what + " does not parse");
  return out;
}
}  // namespace


GroupCommitStore::~GroupCommitStore() { stop_writer(); }

void GroupCommitStore::start_writer() {
  writer_ = std::thread([this] { run_writer(); });
}

void GroupCommitStore::stop_writer() {
  // Completions not yet run are dropped: their owners may be going with this
  // store (a cluster leader stepping down destroys its chat core with it).
  *completions_open_ = false;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void GroupCommitStore::commit(StoreBatch batch, std::function<void(bool)> done) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() < max_pending_batches && !stopping_) {
      queue_.push_back({std::move(batch), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  boost::asio::post(completions_, [open = completions_open_, done = std::move(done)] {
    if (*open) done(false);
  });
}

bool GroupCommitStore::run_job(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (jobs_stopped_) return false;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void GroupCommitStore::stop_jobs() {
  {
    std::lock_guard lock(mutex_);
    jobs_stopped_ = true;
    jobs_.clear();
  }
  std::lock_guard running(job_running_);  // a job in progress finishes first
}

void GroupCommitStore::refuse_writes(bool refuse) {
  std::promise<void> applied;
  if (run_job([&] {
        set_refuse_writes(refuse);
        applied.set_value();
      }))
    applied.get_future().wait();
}

std::vector<parley::events::v1::Event> GroupCommitStore::read_history(const std::string& conversation_id) {
  std::vector<parley::events::v1::Event> out;
  for (const auto& row : read_events(conversation_id))
    if (!out.emplace_back().ParseFromString(row)) throw StoreError("a stored event does not parse");
  return out;
}

std::vector<parley::events::v1::Event> GroupCommitStore::events_of(const std::string& conversation_id) {
  std::promise<std::vector<parley::events::v1::Event>> events;
  if (!run_job([&] {
        try {
          events.set_value(read_history(conversation_id));
        } catch (...) {
          events.set_exception(std::current_exception());
        }
      }))
    throw StoreError("the store is shutting down");
  return events.get_future().get();
}

void GroupCommitStore::report_events(std::int64_t from_ms, std::int64_t to_ms, std::size_t max_conversations,
                                     std::function<void(std::optional<ReportData>)> done) {
  run_job([this, from_ms, to_ms, max_conversations, done = std::move(done)] {
    std::optional<ReportData> out;
    try {
      ReportData data;
      std::set<std::string> conversations;
      // One more than asked for says whether there were more.
      for (const auto& row : read_report_events(from_ms, to_ms, max_conversations + 1)) {
        auto event = parsed<parley::events::v1::Event>(row, "event");
        if (!conversations.contains(event.conversation_id()) && conversations.size() == max_conversations) {
          data.truncated = true;
          continue;
        }
        conversations.insert(event.conversation_id());
        if (event.has_chat_rated() && event.chat_rated().has_comment()) {
          if (auto record = read_conversation(event.conversation_id())) {
            parley::state::v1::ConversationRecord conversation;
            if (conversation.ParseFromString(*record) && !conversation.rating().comment().empty())
              data.comments[event.conversation_id()] = conversation.rating().comment();
          }
        }
        data.events.push_back(std::move(event));
      }
      const auto rows = read_tickets_updated_since(from_ms, max_tickets_read + 1);
      data.tickets_truncated = rows.size() > max_tickets_read;
      for (std::size_t i = 0; i < rows.size() && i < max_tickets_read; ++i) {
        auto ticket = parsed<tickets::Record>(rows[i], "ticket");
        if (ticket.created_ms() >= from_ms && ticket.created_ms() < to_ms) data.tickets.push_back(std::move(ticket));
      }
      using Event = parley::events::v1::Event;
      auto read_kind = [&](int kind, std::int64_t until_ms, std::vector<Event>& into) {
        const auto found = read_events_of_kind(kind, from_ms, until_ms, max_help_events + 1);
        data.help_truncated = data.help_truncated || found.size() > max_help_events;
        for (std::size_t i = 0; i < found.size() && i < max_help_events; ++i)
          into.push_back(parsed<Event>(found[i], "event"));
      };
      read_kind(Event::kArticleViewed, to_ms, data.help);
      read_kind(Event::kArticleRated, to_ms, data.help);
      read_kind(Event::kChatStarted, to_ms + chat_starts_after_ms, data.chat_starts);
      out = std::move(data);
    } catch (const StoreError& e) {
      log::error("store", "report failed", {{"error", e.what()}});
    }
    done(std::move(out));
  });
}

void GroupCommitStore::history(const std::string& conversation_id,
                               std::function<void(std::optional<std::vector<parley::events::v1::Event>>)> done) {
  run_job([this, conversation_id, done = std::move(done)] {
    std::optional<std::vector<parley::events::v1::Event>> out;
    try {
      out = read_history(conversation_id);
    } catch (const StoreError&) {
    }
    done(std::move(out));
  });
}

std::optional<RecordStore::Transcript> GroupCommitStore::read_transcript(const std::string& conversation_id) {
  auto record = read_conversation(conversation_id);
  if (!record) return std::nullopt;
  Transcript t;
  bool ok = t.record.ParseFromString(*record);
  for (const auto& row : read_messages(conversation_id)) ok = ok && t.messages.emplace_back().ParseFromString(row);
  if (!ok) throw StoreError("conversation " + conversation_id + " does not parse");
  return t;
}

std::size_t GroupCommitStore::erase_tickets(const std::string& customer_id, const std::string& visitor_id,
                                           const std::string& email) {
  const auto ids = read_ticket_ids_of(customer_id, visitor_id, email);
  for (const auto& id : ids) {
    auto t = read_ticket_thread(id);
    if (!t) continue;
    anonymise(t->ticket);
    write_ticket(t->ticket);
    for (auto& m : t->messages) {
      anonymise(m);
      rewrite_ticket_message(m);
    }
    for (auto& mail : t->mails) {
      anonymise(mail);
      write_mail(mail, 0);
    }
    erase_inbox_of(id);
  }
  return ids.size();
}

void GroupCommitStore::erase_requester(const std::string& email, parley::events::v1::Event event,
                                       std::function<void(std::optional<std::size_t>)> done) {
  run_job([this, email, event = std::move(event), done = std::move(done)]() mutable {
    std::optional<std::size_t> erased;
    try {
      std::size_t n = 0;
      in_transaction([&] { n = erase_tickets("", "", email); });
      event.mutable_customer_erased()->Clear();  // who asked and when stay on record, not whom
      StoreBatch audit;
      audit.events.push_back(std::move(event));
      if (write({&audit})) erased = n;
    } catch (const StoreError& e) {
      log::error("store", "erasure of a requester failed; it may be repeated", {{"error", e.what()}});
    }
    done(erased);
  });
}

void GroupCommitStore::expire_tickets(std::int64_t updated_before_ms, std::size_t max, std::int64_t now_ms,
                                      std::function<void(std::vector<std::string>)> done) {
  run_job([this, updated_before_ms, max, now_ms, done = std::move(done)] {
    std::vector<std::string> ids;
    try {
      const auto gone = delete_done_tickets(updated_before_ms, max);
      StoreBatch audit;
      for (const auto& [id, number] : gone) {
        ids.push_back(id);
        auto& e = audit.events.emplace_back();
        e.set_at_ms(now_ms);
        e.set_conversation_id(id);
        e.mutable_ticket_deleted()->set_reason("retention");
        e.mutable_ticket_deleted()->set_number(number);
      }
      if (!gone.empty()) write({&audit});
    } catch (const StoreError& e) {
      log::error("store", "ticket retention failed", {{"error", e.what()}});
    }
    done(std::move(ids));
  });
}

void GroupCommitStore::queue_chat_mail(tickets::Mail mail, std::size_t max_per_chat,
                                       std::function<void(std::optional<bool>)> done) {
  auto job = [this, mail = std::move(mail), max_per_chat, done] {
    std::optional<bool> queued;
    try {
      // Counted and written in one transaction on this thread: two requests never pass the limit together.
      in_transaction([&] {
        queued = read_chat_mails(mail.conversation_id()).size() < max_per_chat;
        if (*queued) write_mail(mail, 0);
      });
    } catch (const StoreError& e) {
      log::error("store", "outbox failed", {{"error", e.what()}});
      queued.reset();
    }
    done(queued);
  };
  if (!run_job(job)) done(std::nullopt);
}

std::vector<std::string> GroupCommitStore::erase_customer_records(const parley::events::v1::CustomerErased& who) {
  std::vector<std::string> ids;
  in_transaction([&] {
    erase_tickets(who.customer_id(), who.visitor_id(), who.email());
    ids = read_conversation_ids(who.customer_id(), who.visitor_id(), SIZE_MAX >> 1);
    for (const auto& id : ids)
      for (const auto& row : read_chat_mails(id)) {  // transcripts mailed to them: no address kept, none sent now
        auto mail = parsed<tickets::Mail>(row, "mail");
        anonymise(mail);
        write_mail(mail, 0);
      }
    for (const auto& id : ids) {
      auto t = read_transcript(id);
      if (!t) continue;
      anonymise(t->record);
      rewrite_conversation(t->record);
      for (auto& m : t->messages) {
        anonymise(m);
        rewrite_message(m);
      }
    }
  });
  return ids;
}

void GroupCommitStore::transcript(const std::string& conversation_id,
                                  std::function<void(std::optional<Transcript>)> done) {
  run_job([this, conversation_id, done = std::move(done)] {
    std::optional<Transcript> out;
    try {
      out = read_transcript(conversation_id);
    } catch (const StoreError&) {
    }
    done(std::move(out));
  });
}

void GroupCommitStore::conversations_of(const std::string& customer_id, const std::string& visitor_id, std::size_t max,
                                        std::function<void(std::optional<std::vector<Transcript>>)> done) {
  run_job([this, customer_id, visitor_id, max, done = std::move(done)] {
    std::optional<std::vector<Transcript>> out;
    try {
      std::vector<Transcript> all;
      for (const auto& id : read_conversation_ids(customer_id, visitor_id, max))
        if (auto t = read_transcript(id)) all.push_back(std::move(*t));
      std::sort(all.begin(), all.end(), [](const Transcript& a, const Transcript& b) {
        return a.record.info().created_ms() < b.record.info().created_ms();
      });
      out = std::move(all);
    } catch (const StoreError&) {
    }
    done(std::move(out));
  });
}

std::vector<parley::state::v1::CannedResponseRecord> GroupCommitStore::read_canned_records() {
  std::vector<parley::state::v1::CannedResponseRecord> out;
  for (const auto& row : read_canned())
    if (!out.emplace_back().ParseFromString(row)) throw StoreError("a stored canned response does not parse");
  return out;
}

void GroupCommitStore::canned_responses(
    std::function<void(std::optional<std::vector<parley::state::v1::CannedResponseRecord>>)> done) {
  auto job = [this, done] {
    std::optional<std::vector<parley::state::v1::CannedResponseRecord>> out;
    try {
      out = read_canned_records();
    } catch (const StoreError&) {
    }
    done(std::move(out));
  };
  if (!run_job(job)) done(std::nullopt);
}

void GroupCommitStore::change_canned_responses(CannedDecide decide,
                                               std::function<void(std::optional<canned::Decision>)> done) {
  auto job = [this, decide = std::move(decide), done] {
    std::optional<canned::Decision> decision;
    try {
      // Read, decide and write in one transaction: nothing else runs on this
      // thread meanwhile, and a failed write leaves the table as it was.
      in_transaction([&] {
        decision = decide(read_canned_records());
        if (decision->put)
          write_canned(decision->put->id(), decision->put->owner_id(), decision->put->shared(),
                       decision->put->SerializeAsString());
        if (!decision->remove.empty()) delete_canned(decision->remove);
      });
    } catch (const StoreError& e) {
      log::error("store", "canned responses failed", {{"error", e.what()}});
      decision.reset();
    }
    done(std::move(decision));
  };
  if (!run_job(job)) done(std::nullopt);
}

std::string GroupCommitStore::secret(const std::string& name) {
  std::promise<std::string> value;
  if (!run_job([&] {
        try {
          std::string v;
          in_transaction([&] {
            auto stored = read_meta("secret:" + name);
            v = stored ? *stored : util::random_token("", 32);
            if (!stored) write_meta("secret:" + name, v);
          });
          value.set_value(v);
        } catch (...) {
          value.set_exception(std::current_exception());
        }
      }))
    throw StoreError("the store is shutting down");
  return value.get_future().get();
}

std::optional<RecordStore::TicketThread> GroupCommitStore::read_ticket_thread(const std::string& id) {
  auto row = read_ticket(id);
  if (!row) return std::nullopt;
  TicketThread t;
  t.ticket = parsed<tickets::Record>(*row, "ticket");
  for (const auto& m : read_ticket_messages(id)) t.messages.push_back(parsed<tickets::Message>(m, "ticket message"));
  for (const auto& m : read_mails(id)) t.mails.push_back(parsed<tickets::Mail>(m, "mail"));
  std::stable_sort(t.mails.begin(), t.mails.end(),
                   [](const tickets::Mail& a, const tickets::Mail& b) { return a.created_ms() < b.created_ms(); });
  return t;
}

void GroupCommitStore::change_ticket(const std::string& id, const std::string& requester_email, TicketDecide decide,
                                     std::function<void(std::optional<tickets::Decision>)> done) {
  auto job = [this, id, requester_email, decide = std::move(decide), done] {
    std::optional<tickets::Decision> decision;
    try {
      // Read, decide and write in one transaction: nothing else runs on this
      // thread meanwhile, and a failed write leaves everything as it was.
      in_transaction([&] {
        tickets::Context context;
        if (auto row = read_ticket(id)) {
          context.ticket = parsed<tickets::Record>(*row, "ticket");
          for (const auto& m : read_ticket_messages(id)) context.messages.push_back(parsed<tickets::Message>(m, "ticket message"));
        }
        context.next_number = std::max<std::uint64_t>(max_ticket_number(), 1000) + 1;
        if (!requester_email.empty()) context.open_of_requester = count_active_tickets(requester_email);
        decision = decide(context);
        if (decision->outcome != tickets::Outcome::done) return;
        if (decision->put) write_ticket(*decision->put);
        for (const auto& m : decision->append) write_ticket_message(m);
        for (const auto& m : decision->mails) write_mail(m, 0);
      });
    } catch (const StoreError& e) {
      log::error("store", "tickets failed", {{"error", e.what()}});
      decision.reset();
    }
    done(std::move(decision));
  };
  if (!run_job(job)) done(std::nullopt);
}

void GroupCommitStore::receive_mail(ReceivedMail mail, TicketDecide decide, std::function<void(std::optional<MailReceipt>)> done) {
  auto job = [this, mail = std::move(mail), decide = std::move(decide), done] {
    std::optional<MailReceipt> receipt;
    try {
      in_transaction([&] {
        receipt.emplace();
        if (read_inbox_ticket_id(mail.message_id)) {
          receipt->duplicate = true;
          receipt->decision.outcome = tickets::Outcome::unchanged;
          receipt->decision.message = "a mail with this Message-ID was received before";
          return;
        }
        std::optional<std::string> id;
        bool by_reference = false;
        if (mail.ticket_number) id = read_ticket_id(*mail.ticket_number);
        for (std::size_t i = 0; !id && i < mail.sent_mail_ids.size(); ++i) id = read_mail_ticket_id(mail.sent_mail_ids[i]);
        for (std::size_t i = 0; !id && i < mail.references.size(); ++i) {
          id = read_inbox_ticket_id(mail.references[i]);
          if (id && id->empty()) id.reset();
        }
        if (id && !mail.ticket_number) by_reference = true;
        tickets::Context context;
        if (id) {
          if (auto row = read_ticket(*id)) {
            context.ticket = parsed<tickets::Record>(*row, "ticket");
            for (const auto& m : read_ticket_messages(*id)) context.messages.push_back(parsed<tickets::Message>(m, "ticket message"));
            context.by_reference = by_reference;
          }
        }
        context.next_number = std::max<std::uint64_t>(max_ticket_number(), 1000) + 1;
        if (!mail.sender_email.empty()) context.open_of_requester = count_active_tickets(mail.sender_email);
        auto& d = receipt->decision;
        d = decide(context);
        if (d.outcome == tickets::Outcome::done) {
          if (d.put) write_ticket(*d.put);
          for (const auto& m : d.append) write_ticket_message(m);
          for (const auto& m : d.mails) write_mail(m, 0);
          write_inbox(mail, d.put ? d.put->id() : "", "ticket");
        } else if (d.outcome == tickets::Outcome::unchanged) {
          write_inbox(mail, "", d.message);
        }
      });
    } catch (const StoreError& e) {
      log::error("store", "inbox failed", {{"error", e.what()}});
      receipt.reset();
    }
    done(std::move(receipt));
  };
  if (!run_job(job)) done(std::nullopt);
}

void GroupCommitStore::inbox_mail(const std::string& inbox_id, std::function<void(bool, std::optional<std::string>)> done) {
  auto job = [this, inbox_id, done] {
    try {
      auto raw = read_inbox_raw(inbox_id);
      done(true, std::move(raw));
    } catch (const StoreError& e) {
      log::error("store", "inbox failed", {{"error", e.what()}});
      done(false, std::nullopt);
    }
  };
  if (!run_job(job)) done(false, std::nullopt);
}

void GroupCommitStore::tickets(int min_status, int max_status, std::size_t limit,
                               std::function<void(std::optional<std::vector<tickets::Record>>)> done) {
  auto job = [this, min_status, max_status, limit, done] {
    std::optional<std::vector<tickets::Record>> out;
    try {
      std::vector<tickets::Record> all;
      for (const auto& row : read_tickets(min_status, max_status, limit)) all.push_back(parsed<tickets::Record>(row, "ticket"));
      out = std::move(all);
    } catch (const StoreError& e) {
      log::error("store", "tickets failed", {{"error", e.what()}});
    }
    done(std::move(out));
  };
  if (!run_job(job)) done(std::nullopt);
}

void GroupCommitStore::ticket(const std::string& id, std::function<void(bool, std::optional<TicketThread>)> done) {
  auto job = [this, id, done] {
    try {
      auto t = read_ticket_thread(id);
      done(true, std::move(t));
    } catch (const StoreError& e) {
      log::error("store", "tickets failed", {{"error", e.what()}});
      done(false, std::nullopt);
    }
  };
  if (!run_job(job)) done(false, std::nullopt);
}

void GroupCommitStore::claim_mail(std::int64_t now_ms, std::size_t max, std::int64_t lease_ms,
                                  std::function<void(std::optional<std::vector<MailJob>>)> done) {
  auto job = [this, now_ms, max, lease_ms, done] {
    std::optional<std::vector<MailJob>> out;
    try {
      std::vector<MailJob> jobs;
      in_transaction([&] {
        jobs.clear();
        for (const auto& row : read_due_mails(now_ms, max)) {
          auto mail = parsed<tickets::Mail>(row, "mail");
          if (!mail.conversation_id().empty()) {  // a chat's transcript
            auto chat = read_transcript(mail.conversation_id());
            if (!chat) {
              mail.set_status(tickets::Mail::STATUS_FAILED);
              mail.set_last_error("the chat no longer exists");
              write_mail(mail, 0);
              continue;
            }
            write_mail(mail, now_ms + lease_ms);
            jobs.push_back({std::move(mail), {}, std::move(*chat)});
            continue;
          }
          auto thread = read_ticket_thread(mail.ticket_id());
          if (!thread) {  // its ticket is gone (erased): nothing to send, ever
            mail.set_status(tickets::Mail::STATUS_FAILED);
            mail.set_last_error("the ticket no longer exists");
            write_mail(mail, 0);
            continue;
          }
          write_mail(mail, now_ms + lease_ms);
          jobs.push_back({std::move(mail), std::move(*thread), std::nullopt});
        }
      });
      out = std::move(jobs);
    } catch (const StoreError& e) {
      log::error("store", "outbox failed", {{"error", e.what()}});
    }
    done(std::move(out));
  };
  if (!run_job(job)) done(std::nullopt);
}

void GroupCommitStore::finish_mail(tickets::Mail mail, std::function<void(bool)> done) {
  auto job = [this, mail = std::move(mail), done] {
    bool ok = false;
    try {
      in_transaction([&] { write_mail(mail, 0); });
      ok = true;
    } catch (const StoreError& e) {
      log::error("store", "outbox failed", {{"error", e.what()}});
    }
    done(ok);
  };
  if (!run_job(job)) done(false);
}

void GroupCommitStore::set_legal_hold(const std::string& conversation_id, bool hold, parley::events::v1::Event event,
                                      std::function<void(std::optional<bool>)> done) {
  run_job([this, conversation_id, hold, event = std::move(event), done = std::move(done)] {
    std::optional<bool> found;
    try {
      found = write_legal_hold(conversation_id, hold);
      if (*found) {
        StoreBatch audit;
        audit.events.push_back(event);
        if (!write({&audit})) found.reset();  // the hold is set; say so only once its record is kept too
      }
    } catch (const StoreError&) {
    }
    done(found);
  });
}

void GroupCommitStore::expire_closed(std::int64_t closed_before_ms, std::size_t max, std::int64_t now_ms,
                                     std::function<void(std::vector<std::string>)> done) {
  run_job([this, closed_before_ms, max, now_ms, done = std::move(done)] {
    std::vector<std::string> ids;
    try {
      ids = delete_closed(closed_before_ms, max);
      StoreBatch audit;
      for (const auto& id : ids) {
        auto& e = audit.events.emplace_back();
        e.set_at_ms(now_ms);
        e.set_conversation_id(id);
        e.mutable_conversation_deleted()->set_reason("retention");
      }
      if (!ids.empty()) write({&audit});
    } catch (const StoreError& e) {
      log::error("store", "retention failed", {{"error", e.what()}});
    }
    done(std::move(ids));
  });
}

void GroupCommitStore::record_events(std::vector<parley::events::v1::Event> events) {
  run_job([this, events = std::move(events)] {
    StoreBatch audit;
    audit.events = events;
    write({&audit});
  });
}

void GroupCommitStore::run_writer() {
  std::deque<Pending> failed;  // written again, first, with the next group
  for (;;) {
    std::deque<Pending> group;
    std::deque<std::function<void()>> jobs;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || !jobs_.empty(); });
      if (queue_.empty() && jobs_.empty() && stopping_) return;
      group.swap(queue_);
      jobs.swap(jobs_);
    }
    for (auto& job : jobs) {
      std::lock_guard running(job_running_);
      {
        std::lock_guard lock(mutex_);
        if (jobs_stopped_) break;
      }
      job();
    }
    if (group.empty()) continue;
    std::vector<const StoreBatch*> all;
    for (const auto& p : failed) all.push_back(&p.batch);
    for (const auto& p : group) all.push_back(&p.batch);
    // A flush with nothing new only keeps its place in line.
    const bool nothing = std::all_of(all.begin(), all.end(), [](const StoreBatch* b) { return b->empty(); });
    const auto started = std::chrono::steady_clock::now();
    const bool ok = nothing || write(all);
    if (!nothing)
      metrics::process().store_commit(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), all.size(), ok);
    // After the commit, in order: each batch goes to the listener (the search
    // index), then its erasures run, each in a transaction of its own, and the
    // listener hears which conversations they anonymised, so nothing the same
    // batch carried can be indexed after its erasure. An erasure that fails is
    // reported (not durable: the request is answered "unavailable" and may be
    // repeated; it is idempotent).
    bool erased = true;
    if (ok) {
      auto after_commit = [&](const StoreBatch& batch) {
        if (committed_) committed_(batch);
        for (const auto& who : batch.erasures) {
          try {
            StoreBatch forget;
            forget.erased_conversations = erase_customer_records(who);
            if (committed_) committed_(forget);
          } catch (const StoreError& e) {
            log::error("store", "erasure failed; it may be repeated", {{"error", e.what()}});
            erased = false;
          }
        }
      };
      for (const auto& p : failed) after_commit(p.batch);
      for (const auto& p : group) after_commit(p.batch);
      failed.clear();
    } else {
      for (auto& p : group) failed.push_back({std::move(p.batch), nullptr});
    }
    // Completions in order, on the hub.
    boost::asio::post(completions_, [open = completions_open_, group = std::move(group), ok, erased]() mutable {
      if (!*open) return;
      for (auto& p : group)
        if (p.done) p.done(ok && (p.batch.erasures.empty() || erased));
    });
  }
}

}  // namespace parley::store
