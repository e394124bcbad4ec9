#pragma once
// E-mail out (server/mail): the mails of the transactional outbox, composed
// with GMime (multipart/alternative, a plain-text and an HTML part, en and
// zh-CN) and sent through the configured SMTP relay with libcurl (STARTTLS,
// authentication); never hand-written SMTP.
//
// Threading: every mail names its ticket in a reply address signed with a key
// kept in the store (support+t1042.3f9a0c21b7d4@example.com), and carries
// Message-ID, In-Reply-To and References, so a reply can be put on the right
// ticket without trusting its subject.

#include "store/record_store.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace parley::mail {

struct Identity {
  std::string from_name = "Support";
  std::string from_address;  // support@example.com: also the reply address, plus-tagged
  std::string key;           // signs reply addresses (RecordStore::secret("mail-reply"))
};

// The signed reply address of a ticket, and the ticket number a reply address names
// (nothing if it is not one of ours or its signature is wrong).
std::string reply_address(const Identity& identity, const tickets::Record& ticket);
std::optional<std::uint64_t> ticket_of_reply_address(const Identity& identity, const std::string& address);
// "<mail id>@<domain of from_address>", without angle brackets.
std::string message_id(const Identity& identity, const tickets::Mail& mail);

// The whole message, CRLF line ends, ready for SMTP. Throws std::invalid_argument
// if the job's mail names no message of its thread.
std::string compose(const Identity& identity, const store::RecordStore::MailJob& job, std::int64_t now_ms);

// Times as the requester reads them: "2026-12-07 11:00 (CST)" in their zone (UTC if unknown).
std::string local_time(std::int64_t utc_ms, const std::string& time_zone);

struct Smtp {
  std::string url;  // smtp://relay:587 (STARTTLS) or smtps://relay:465 (TLS from the start)
  std::string user, password;
  enum class StartTls { required, optional, off } starttls = StartTls::required;
  std::string ca_file;  // verify the relay against this CA; else the system's
  std::chrono::seconds timeout{30};
};

struct SendResult {
  bool ok = false;
  bool permanent = false;  // the relay refused it for good (5xx): retrying will not help
  std::string error;       // one line, no secrets
};

// One message through the relay; blocks (the mailer's own thread).
SendResult send(const Smtp& smtp, const std::string& from_address, const std::string& to_address, const std::string& message);

}  // namespace parley::mail
