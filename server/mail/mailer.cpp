#include "mail/mailer.hpp"
#include "log/log.hpp"

#include "metrics/metrics.hpp"
#include <future>
#include <iostream>

namespace parley::mail {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Waits for a store callback; nothing if the store dropped the job (shutting down).
template <class T, class Start>
std::optional<T> await(Start start) {
  auto promise = std::make_shared<std::promise<T>>();
  auto future = promise->get_future();
  start([promise](T value) { promise->set_value(std::move(value)); });
  try {
    return future.get();
  } catch (const std::future_error&) {
    return std::nullopt;
  }
}

}  // namespace

Mailer::Mailer(store::RecordStore& store, MailerSettings settings) : store_(store), settings_(std::move(settings)) {
  thread_ = std::thread([this] { run(); });
}

Mailer::~Mailer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Mailer::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

MailerStats Mailer::stats() const { return {sent_.load(), failed_.load(), retried_.load()}; }

std::chrono::milliseconds Mailer::backoff(const MailerSettings& s, unsigned attempts) {
  auto delay = s.first_retry;
  for (unsigned i = 1; i < attempts && delay < s.max_retry; ++i) delay *= 2;
  return std::min(delay, s.max_retry);
}

void Mailer::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, settings_.poll, [this] { return stopping_ || poked_; });
      if (stopping_) return;
      poked_ = false;
    }
    auto jobs = await<std::optional<std::vector<store::RecordStore::MailJob>>>([&](auto done) {
      store_.claim_mail(now_ms(), settings_.batch, settings_.lease.count(), std::move(done));
    });
    if (!jobs || !*jobs) continue;  // the store cannot answer now: the next poll tries again
    for (auto& job : **jobs) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;  // claimed mails are tried again when their lease ends
      }
      send_one(std::move(job));
    }
    if ((*jobs)->size() == settings_.batch) poke();  // more may be due
  }
}

void Mailer::send_one(store::RecordStore::MailJob job) {
  auto mail = job.mail;
  const auto now = now_ms();
  if (!settings_.smtp) {
    // Kept until a relay is configured; not an attempt.
    mail.set_last_error("no mail relay configured (--smtp)");
    mail.set_next_attempt_ms(now + std::chrono::milliseconds(std::chrono::minutes(1)).count());
  } else {
    SendResult result;
    try {
      const auto message = compose(settings_.identity, job, now);
      result = send(*settings_.smtp, settings_.identity.from_address, mail.to(), message);
    } catch (const std::exception& e) {
      result = {false, true, std::string("could not compose the mail: ") + e.what()};
    }
    mail.set_attempts(mail.attempts() + 1);
    if (result.ok) {
      mail.set_status(tickets::Mail::STATUS_SENT);
      mail.set_sent_ms(now);
      mail.set_message_id(message_id(settings_.identity, mail));
      mail.set_last_error("");
      ++sent_;
      metrics::process().mail(metrics::Mail::sent);
    } else if (result.permanent || mail.attempts() >= settings_.max_attempts) {
      mail.set_status(tickets::Mail::STATUS_FAILED);
      mail.set_last_error(result.error);
      ++failed_;
      metrics::process().mail(metrics::Mail::failed);
      log::error("mail", "a mail could not be delivered; given up", {{"mail", mail.id()}, {"ticket", mail.ticket_id()},
                                                                      {"attempts", mail.attempts()}, {"error", result.error}});
    } else {
      mail.set_last_error(result.error);
      mail.set_next_attempt_ms(now + backoff(settings_, mail.attempts()).count());
      ++retried_;
      metrics::process().mail(metrics::Mail::retry);
    }
  }
  // If this cannot be stored, the lease runs out and the mail is tried again.
  await<bool>([&](auto done) { store_.finish_mail(mail, std::move(done)); });
}

}  // namespace parley::mail
