#pragma once
// E-mail in (server/mail): what a received mail says, read with GMime (any
// charset it declares, GBK and Big5 included, and broken mail), and the
// attachments it carries. Pure functions over the raw message: the listener
// (lmtp_server.hpp) stores the raw mail first, then nothing is lost if this
// changes.
//
// Threading (RecordStore::receive_mail): the signed reply address among the
// envelope recipients names the ticket; else In-Reply-To and References, the
// nearest first, matched against the mails we sent and received; never the
// subject. A mail with no Message-ID gets one from its content, so a
// redelivery is still recognised.
//
// Loop protection (RFC 3834): a mail is automatic, kept but never answered,
// when its envelope sender is empty (a bounce), it is a delivery report, it
// says Auto-Submitted (other than "no"), X-Autoreply, X-Autorespond or
// X-Auto-Response-Suppress, Precedence bulk, junk, list or auto_reply, it has
// List-Id or List-Unsubscribe, it comes from MAILER-DAEMON or postmaster, or
// it comes from our own address.
//
// Limits: the text kept is what is new in the mail (cut at our "reply above
// this line" marker and at the usual quoted-history openers), at most
// tickets::max_text_chars; at most 20 attachments are listed, each offered
// for download if it is at most 10 MiB and, judged from its bytes (libmagic),
// an image (PNG, JPEG, GIF, WebP), a PDF or plain text/CSV. The raw mail
// keeps everything.

#include "mail/lmtp_server.hpp"
#include "mail/mail.hpp"
#include "tickets/tickets.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace parley::mail {

inline constexpr std::size_t max_listed_attachments = 20;
inline constexpr std::size_t max_attachment_bytes = 10 * 1024 * 1024;

// The line above which a requester types their answer (in every mail we send).
inline constexpr const char* reply_marker_en = "##- Please type your reply above this line -##";
inline constexpr const char* reply_marker_zh = "##- 请在此行上方输入回复 -##";

struct Inbound {
  tickets::IncomingMail mail;           // inbox_id left empty
  std::vector<std::string> references;  // Message-IDs it answers, nearest first, without angle brackets
};

// Reads a raw mail (CRLF or LF). envelope_from: MAIL FROM's address ("" for <>).
Inbound parse(const Identity& identity, const std::string& raw, const std::string& envelope_from);

// The receipt the store is given: which ticket the envelope recipients name
// (a reply address we signed), which references are our own mails.
store::RecordStore::ReceivedMail received(const Identity& identity, const Inbound& inbound,
                                          const std::vector<std::string>& recipients, std::string raw,
                                          std::string inbox_id, std::int64_t now_ms);

// What is new in a reply: the text above our marker or above the quoted
// history ("On ... wrote:", "在 ... 写道：", "-----Original Message-----",
// Outlook's rule), trailing quoted lines dropped. The whole text if that leaves nothing.
std::string new_part(const std::string& text);

// Receives one mail for the listener: reads it, finds its ticket and stores
// it (RecordStore::receive_mail); `done` gets the answer for its recipients,
// on the store's thread: 250 once stored (also for a duplicate, or an
// automatic mail kept unanswered), 550 when it is refused (the sender's
// address cannot be answered, the sender is at the open-request limit), 451
// when the store cannot take it now (the relay retries).
struct Receiving {
  store::RecordStore* store = nullptr;
  Identity identity;
  std::function<std::int64_t(std::int64_t now_ms)> reply_by;  // the deadline of a new mail ticket
  std::function<void()> mail_queued;                          // an acknowledgement was queued
};
void receive(const Receiving& receiving, const Envelope& envelope, std::string raw, std::int64_t now_ms,
             std::function<void(LmtpReply)> done);

struct Attachment {
  std::string file_name, content_type;  // content type as detected from the bytes
  std::string bytes;
};
// Attachment `index` of a raw mail (as listed by parse), if there is one.
std::optional<Attachment> attachment(const std::string& raw, unsigned index);

// A received mail that held a secret, as it is kept: its header lines (masked)
// and a note in place of the body and attachments.
std::string without_secrets(const std::string& raw);

// The type of some bytes as libmagic sees them ("image/png"), and whether
// such a file is offered for download.
std::string detected_type(const std::string& bytes);
bool accepted_type(const std::string& content_type);

}  // namespace parley::mail
