#include "mail/mail.hpp"

#include "mail/inbound.hpp"

#include "util/random.hpp"

#include <curl/curl.h>
#include <date/tz.h>
#include <gmime/gmime.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace parley::mail {
namespace {

std::string domain_of(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? "localhost" : address.substr(at + 1);
}

std::string signature(const Identity& identity, std::uint64_t number) {
  return util::hash_hex(identity.key + "\x1freply-to\x1f" + std::to_string(number), 16).substr(0, 12);
}

bool zh(const tickets::Record& t) { return t.requester().locale().rfind("zh", 0) == 0; }

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\n': out += "<br>\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string quoted(const std::string& text) {
  std::string out = "> ";
  for (char c : text) {
    out += c;
    if (c == '\n') out += "> ";
  }
  return out;
}

// The text of one mail, in the requester's language: subject, plain body and HTML body.
struct Content {
  std::string subject, plain, html;
};

// Every mail we send starts with the "reply above this line" marker, where a
// reply is cut when it comes back (inbound.hpp, new_part); the HTML part is
// the same text, escaped.
Content with_marker(Content c, bool chinese) {
  c.plain = std::string(chinese ? reply_marker_zh : reply_marker_en) + "\n\n" + c.plain;
  c.html = "<!doctype html><html><body style=\"font-family:sans-serif;font-size:14px;line-height:1.5\">" + html_escape(c.plain) +
           "</body></html>";
  return c;
}

Content content(const store::RecordStore::MailJob& job, const tickets::Message* message) {
  const auto& t = job.thread.ticket;
  const bool chinese = zh(t);
  const std::string number = "#" + std::to_string(t.number());
  const std::string subject = t.subject().empty() ? (chinese ? "您的请求" : "Your request") : t.subject();
  const std::string name = t.requester().name().empty() ? (chinese ? "您好" : "Hello") : t.requester().name();
  const std::string due = local_time(t.due_ms(), t.requester().time_zone());
  Content c;
  if (job.mail.kind() == tickets::Mail::KIND_ACKNOWLEDGEMENT) {
    const std::string first = job.thread.messages.empty() ? "" : job.thread.messages.front().text();
    if (chinese) {
      c.subject = "[" + number + "] 我们已收到您的请求：" + subject;
      c.plain = name + "：\n\n我们已收到您的请求 " + number + "，将在 " + due + "（您的时间）之前答复您。\n\n您写道：\n" +
                quoted(first) + "\n\n直接回复此邮件即可补充您的请求。客服绝不会向您索要密码、助记词、私钥或验证码。\n";
    } else {
      c.subject = "[" + number + "] We received your request: " + subject;
      c.plain = name + ",\n\nWe received your request " + number + " and will answer by " + due +
                " (your time).\n\nYou wrote:\n" + quoted(first) +
                "\n\nReply to this e-mail to add to your request. Support will never ask for your password, "
                "recovery phrase, private keys or 2FA codes.\n";
    }
  } else {
    const std::string agent = message ? message->author_name() : "";
    c.subject = "Re: [" + number + "] " + subject;
    if (chinese)
      c.plain = (message ? message->text() : "") + "\n\n— " + agent + "，客服团队\n\n直接回复此邮件即可回答。请求 " + number + "。\n";
    else
      c.plain = (message ? message->text() : "") + "\n\n— " + agent + ", Support\n\nReply to this e-mail to answer. Request " +
                number + ".\n";
  }
  return with_marker(std::move(c), chinese);
}

// A chat's transcript, in the reader's language and zone: who said what, when.
Content transcript_content(const Identity& identity, const store::RecordStore::MailJob& job) {
  const auto& mail = job.mail;
  const auto& chat = *job.chat;
  const bool chinese = mail.locale().rfind("zh", 0) == 0;
  const auto& info = chat.record.info();
  const auto started = local_time(info.created_ms(), mail.time_zone());
  Content c;
  c.subject = chinese ? "您与" + identity.from_name + "的会话记录（" + started + "）"
                      : "Your chat with " + identity.from_name + " on " + started;
  std::string lines;
  for (const auto& m : chat.messages) {
    if (m.system() && chinese) continue;  // the notices' text is English; the Chinese reader has the messages
    const auto when = local_time(m.server_time_ms(), mail.time_zone());
    const auto clock = when.size() >= 16 ? when.substr(11, 5) : when;  // HH:MM of "YYYY-MM-DD HH:MM (Z)"
    const std::string who = m.system() ? "" : (m.sender_role() == v1::ROLE_VISITOR ? (chinese ? "您" : "You") : m.sender_name()) + ": ";
    lines += "[" + clock + "] " + who + m.text() + "\n";
  }
  if (chinese)
    c.plain = "以下是您要求发送的会话记录，开始于 " + started + "。\n\n" + lines +
              "\n如需继续咨询，直接回复此邮件即可。客服绝不会向您索要密码、助记词、私钥或验证码。\n";
  else
    c.plain = "Here is the record of your chat, which began " + started + ", as you asked.\n\n" + lines +
              "\nReply to this e-mail to contact support again. Support will never ask for your password, recovery "
              "phrase, private keys or 2FA codes.\n";
  return with_marker(std::move(c), chinese);
}

struct GObjectUnref {
  void operator()(void* p) const { g_object_unref(p); }
};

std::once_flag gmime_once;

GMimeTextPart* text_part(const char* subtype, const std::string& text) {
  auto* part = g_mime_text_part_new_with_subtype(subtype);
  g_mime_text_part_set_charset(part, "utf-8");
  g_mime_text_part_set_text(part, text.c_str());
  g_mime_part_set_content_encoding(GMIME_PART(part), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  return part;
}

}  // namespace

std::string reply_address(const Identity& identity, const tickets::Record& ticket) {
  const auto at = identity.from_address.rfind('@');
  const auto local = at == std::string::npos ? identity.from_address : identity.from_address.substr(0, at);
  return local + "+t" + std::to_string(ticket.number()) + "." + signature(identity, ticket.number()) + "@" +
         domain_of(identity.from_address);
}

std::optional<std::uint64_t> ticket_of_reply_address(const Identity& identity, const std::string& address) {
  const auto plus = address.find("+t");
  const auto dot = address.find('.', plus == std::string::npos ? 0 : plus);
  const auto at = address.rfind('@');
  if (plus == std::string::npos || dot == std::string::npos || at == std::string::npos || !(plus < dot && dot < at)) return std::nullopt;
  const auto digits = address.substr(plus + 2, dot - plus - 2);
  if (digits.empty() || digits.size() > 18 || !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  const auto number = std::stoull(digits);
  if (!util::secure_equals(address.substr(dot + 1, at - dot - 1), signature(identity, number))) return std::nullopt;
  return number;
}

std::string message_id(const Identity& identity, const tickets::Mail& mail) {
  return mail.id() + "@" + domain_of(identity.from_address);
}

std::string local_time(std::int64_t utc_ms, const std::string& time_zone) {
  const auto tp = std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(utc_ms));
  const auto minutes = std::chrono::floor<std::chrono::minutes>(tp);
  try {
    const auto* zone = time_zone.empty() ? date::locate_zone("UTC") : date::locate_zone(time_zone);
    return date::format("%Y-%m-%d %H:%M (%Z)", date::make_zoned(zone, minutes));
  } catch (const std::exception&) {
    return date::format("%Y-%m-%d %H:%M (UTC)", minutes);
  }
}

std::string compose(const Identity& identity, const store::RecordStore::MailJob& job, std::int64_t now_ms) {
  std::call_once(gmime_once, [] { g_mime_init(); });
  const bool transcript = job.mail.kind() == tickets::Mail::KIND_TRANSCRIPT;
  if (transcript && !job.chat) throw std::invalid_argument("a transcript mail without its chat");
  const auto& t = job.thread.ticket;
  const tickets::Message* message = nullptr;
  if (job.mail.kind() == tickets::Mail::KIND_REPLY) {
    for (const auto& m : job.thread.messages)
      if (m.seq() == job.mail.seq()) message = &m;
    if (!message) throw std::invalid_argument("the mail's message is not in its thread");
  }
  const auto c = transcript ? transcript_content(identity, job) : content(job, message);
  std::unique_ptr<GMimeMessage, GObjectUnref> msg(g_mime_message_new(TRUE));
  g_mime_message_add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_FROM, identity.from_name.c_str(), identity.from_address.c_str());
  const std::string to_name = transcript ? job.chat->record.info().visitor_name() : t.requester().name();
  g_mime_message_add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_TO, to_name.c_str(), job.mail.to().c_str());
  // A reply to a transcript goes to the support address (a new request); to a ticket's mail, to that ticket.
  g_mime_message_add_mailbox(msg.get(), GMIME_ADDRESS_TYPE_REPLY_TO, identity.from_name.c_str(),
                             transcript ? identity.from_address.c_str() : reply_address(identity, t).c_str());
  g_mime_message_set_subject(msg.get(), c.subject.c_str(), "utf-8");
  g_mime_message_set_message_id(msg.get(), message_id(identity, job.mail).c_str());
  std::unique_ptr<GDateTime, void (*)(GDateTime*)> when(g_date_time_new_from_unix_utc(now_ms / 1000), g_date_time_unref);
  g_mime_message_set_date(msg.get(), when.get());
  // Threading: every mail of this ticket sent before, and the mails the
  // requester sent in, oldest first.
  std::vector<std::string> references;
  for (const auto& m : job.thread.messages)
    if (!m.mail_message_id().empty() && m.seq() <= job.mail.seq()) references.push_back("<" + m.mail_message_id() + ">");
  // Message-IDs are fixed when a mail is queued (its id), so a mail refers to
  // the ones queued before it even if they are still on their way.
  for (const auto& m : job.thread.mails)
    if (m.id() != job.mail.id() && m.created_ms() <= job.mail.created_ms() && m.status() != tickets::Mail::STATUS_FAILED)
      references.push_back("<" + message_id(identity, m) + ">");
  auto* object = GMIME_OBJECT(msg.get());
  if (!references.empty()) {
    std::string joined;
    for (const auto& r : references) joined += (joined.empty() ? "" : " ") + r;
    g_mime_object_set_header(object, "In-Reply-To", references.back().c_str(), nullptr);
    g_mime_object_set_header(object, "References", joined.c_str(), nullptr);
  }
  // RFC 3834: automatic mail says so, so that auto-responders do not answer it.
  if (job.mail.kind() == tickets::Mail::KIND_ACKNOWLEDGEMENT) g_mime_object_set_header(object, "Auto-Submitted", "auto-replied", nullptr);
  if (transcript) g_mime_object_set_header(object, "Auto-Submitted", "auto-generated", nullptr);
  else g_mime_object_set_header(object, "X-Parley-Ticket", ("#" + std::to_string(t.number())).c_str(), nullptr);

  std::unique_ptr<GMimeMultipart, GObjectUnref> alternative(g_mime_multipart_new_with_subtype("alternative"));
  std::unique_ptr<GMimeTextPart, GObjectUnref> plain(text_part("plain", c.plain));
  std::unique_ptr<GMimeTextPart, GObjectUnref> html(text_part("html", c.html));
  g_mime_multipart_add(alternative.get(), GMIME_OBJECT(plain.get()));
  g_mime_multipart_add(alternative.get(), GMIME_OBJECT(html.get()));
  g_mime_message_set_mime_part(msg.get(), GMIME_OBJECT(alternative.get()));

  auto* options = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(options, GMIME_NEWLINE_FORMAT_DOS);
  char* text = g_mime_object_to_string(object, options);
  g_mime_format_options_free(options);
  std::string out(text ? text : "");
  g_free(text);
  return out;
}

namespace {

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const auto n = std::min(size * count, up->data->size() - up->offset);
  std::memcpy(buffer, up->data->data() + up->offset, n);
  up->offset += n;
  return n;
}

std::once_flag curl_once;

}  // namespace

SendResult send(const Smtp& smtp, const std::string& from_address, const std::string& to_address, const std::string& message) {
  std::call_once(curl_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return {false, false, "libcurl could not start"};
  auto* h = curl.get();
  Upload upload{&message};
  char error[CURL_ERROR_SIZE] = "";
  curl_slist* recipients = curl_slist_append(nullptr, ("<" + to_address + ">").c_str());
  curl_easy_setopt(h, CURLOPT_URL, smtp.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, ("<" + from_address + ">").c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(smtp.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  if (smtp.url.rfind("smtp://", 0) == 0) {
    using S = Smtp::StartTls;
    curl_easy_setopt(h, CURLOPT_USE_SSL, smtp.starttls == S::required   ? static_cast<long>(CURLUSESSL_ALL)
                                         : smtp.starttls == S::optional ? static_cast<long>(CURLUSESSL_TRY)
                                                                        : static_cast<long>(CURLUSESSL_NONE));
  }
  if (!smtp.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, smtp.ca_file.c_str());
  if (!smtp.user.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, smtp.user.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, smtp.password.c_str());
  }
  const auto rc = curl_easy_perform(h);
  long response = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response);
  curl_slist_free_all(recipients);
  if (rc == CURLE_OK) return {true, false, ""};
  std::string why = error[0] ? error : curl_easy_strerror(rc);
  if (response > 0) why += " (SMTP " + std::to_string(response) + ")";
  // 5xx: the relay refused it for good (unknown recipient, policy); 4xx and
  // connection trouble: try again later.
  return {false, response >= 500 && response < 600, why};
}

}  // namespace parley::mail
