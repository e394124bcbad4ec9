#pragma once
// The outbox's sender: a thread of its own that claims due mails from the
// store (RecordStore::claim_mail, a lease so that a mail is not sent twice at
// once), composes and sends each through the relay, and stores the outcome.
//
// Policy: a mail is written in the transaction of the reply it carries, so a
// reply is never lost to a relay that is down; it is tried at once, then after
// 30 s, doubling to at most an hour, 12 times (about five hours), then marked
// failed (agents see it on the ticket; a 5xx refusal fails it at once).
// Without a relay (--smtp unset) mails stay queued, marked "no mail relay
// configured", and go out once one is. At least once: a crash between the
// relay's 250 and storing "sent" sends it again, with the same Message-ID.

#include "mail/mail.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace parley::mail {

struct MailerSettings {
  Identity identity;
  std::optional<Smtp> smtp;
  std::size_t batch = 20;
  std::chrono::milliseconds lease{std::chrono::minutes(5)};
  std::chrono::milliseconds first_retry{std::chrono::seconds(30)};
  std::chrono::milliseconds max_retry{std::chrono::hours(1)};
  unsigned max_attempts = 12;
  std::chrono::milliseconds poll{std::chrono::seconds(1)};
};

struct MailerStats {
  std::uint64_t sent = 0, failed = 0, retried = 0;
};

class Mailer {
 public:
  Mailer(store::RecordStore& store, MailerSettings settings);
  ~Mailer();  // stops and joins the thread (call before the store stops its jobs)
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;

  // A mail was queued: look now rather than at the next poll.
  void poke();
  MailerStats stats() const;
  // The delay before attempt `attempts + 1` (attempts made so far >= 1).
  static std::chrono::milliseconds backoff(const MailerSettings& settings, unsigned attempts);

 private:
  void run();
  void send_one(store::RecordStore::MailJob job);

  store::RecordStore& store_;
  MailerSettings settings_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool poked_ = false;
  bool stopping_ = false;
  std::atomic<std::uint64_t> sent_{0}, failed_{0}, retried_{0};
  std::thread thread_;
};

}  // namespace parley::mail
