#include "mail/inbound.hpp"

#include "chat/text.hpp"
#include "secrets/detector.hpp"
#include "util/random.hpp"

#include <gmime/gmime.h>
#include <magic.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>

namespace parley::mail {
namespace {

std::once_flag gmime_once;

struct GObjectUnref {
  void operator()(void* p) const { g_object_unref(p); }
};
using MessagePtr = std::unique_ptr<GMimeMessage, GObjectUnref>;

MessagePtr read_message(const std::string& raw) {
  std::call_once(gmime_once, [] { g_mime_init(); });
  std::unique_ptr<GMimeStream, GObjectUnref> stream(g_mime_stream_mem_new_with_buffer(raw.data(), raw.size()));
  std::unique_ptr<GMimeParser, GObjectUnref> parser(g_mime_parser_new_with_stream(stream.get()));
  // Headers and parts with no declared charset (or raw 8-bit ones) are tried
  // as UTF-8, then the Chinese encodings, then Latin-1 (which always decodes).
  std::unique_ptr<GMimeParserOptions, void (*)(GMimeParserOptions*)> options(g_mime_parser_options_new(),
                                                                               g_mime_parser_options_free);
  const char* fallback[] = {"utf-8", "gb18030", "big5", "iso-8859-1", nullptr};
  g_mime_parser_options_set_fallback_charsets(options.get(), fallback);
  return MessagePtr(g_mime_parser_construct_message(parser.get(), options.get()));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// Valid UTF-8, whatever the part claimed: else read as GB18030, then Latin-1.
std::string utf8(std::string text) {
  if (g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr)) return text;
  for (const char* charset : {"gb18030", "iso-8859-1"}) {
    gsize written = 0;
    char* converted = g_convert(text.data(), static_cast<gssize>(text.size()), "utf-8", charset, nullptr, &written, nullptr);
    if (converted) {
      std::string out(converted, written);
      g_free(converted);
      return out;
    }
  }
  return "";
}

std::string header(GMimeObject* object, const char* name) {
  const char* v = g_mime_object_get_header(object, name);
  return v ? trim(v) : "";
}

std::string decoded_bytes(GMimePart* part) {
  auto* content = g_mime_part_get_content(part);
  if (!content) return "";
  std::unique_ptr<GMimeStream, GObjectUnref> mem(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, mem.get());
  auto* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
  return bytes ? std::string(reinterpret_cast<const char*>(bytes->data), bytes->len) : "";
}

std::string part_text(GMimeObject* object) {
  char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(object));
  std::string out = text ? text : "";
  g_free(text);
  return utf8(std::move(out));
}

bool is_type(GMimeObject* object, const char* type, const char* subtype) {
  auto* ct = g_mime_object_get_content_type(object);
  return ct && g_mime_content_type_is_type(ct, type, subtype);
}

// The parts of a mail in MIME order: a body text (the first text/plain or
// text/html that is not an attachment) and the attachments.
bool is_attachment(GMimeObject* object) {
  if (!GMIME_IS_PART(object)) return false;
  auto* part = GMIME_PART(object);
  if (g_mime_part_is_attachment(part)) return true;
  if (GMIME_IS_TEXT_PART(object) && (is_type(object, "text", "plain") || is_type(object, "text", "html"))) return false;
  return g_mime_part_get_filename(part) != nullptr || !is_type(object, "text", "*");
}

void for_each_part(GMimeMessage* message, const std::function<void(GMimeObject*)>& visit) {
  g_mime_message_foreach(
      message, [](GMimeObject*, GMimeObject* part, gpointer data) { (*static_cast<const std::function<void(GMimeObject*)>*>(data))(part); },
      const_cast<std::function<void(GMimeObject*)>*>(&visit));
}

std::string clean_file_name(const char* name, unsigned index) {
  std::string n = name ? utf8(name) : "";
  const auto slash = n.find_last_of("/\\");
  if (slash != std::string::npos) n = n.substr(slash + 1);
  n.erase(std::remove_if(n.begin(), n.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f || c == '"'; }), n.end());
  n = chat::truncate_utf8(trim(n), 200);
  if (n.empty() || n == "." || n == "..") n = "attachment-" + std::to_string(index + 1);
  return n;
}

// HTML to text, for a mail without a plain part: tags dropped (and what is
// inside style and script), line breaks kept, the common entities decoded.
std::string html_text(const std::string& html) {
  std::string out;
  for (std::size_t i = 0; i < html.size();) {
    if (html[i] == '<') {
      const auto end = html.find('>', i);
      if (end == std::string::npos) break;
      const auto tag = lower(html.substr(i + 1, std::min<std::size_t>(end - i - 1, 10)));
      const char* skip = tag.rfind("style", 0) == 0 ? "style" : tag.rfind("script", 0) == 0 ? "script" : nullptr;
      if (skip) {
        const auto close = lower(html).find(std::string("</") + skip, end);
        i = close == std::string::npos ? html.size() : close;
        continue;
      }
      if (tag.rfind("br", 0) == 0 || tag.rfind("/p", 0) == 0 || tag.rfind("/div", 0) == 0 || tag.rfind("/tr", 0) == 0 ||
          tag.rfind("/li", 0) == 0 || tag.rfind("/h", 0) == 0)
        out += '\n';
      i = end + 1;
    } else if (html[i] == '&') {
      static const std::array<std::pair<const char*, const char*>, 6> entities{
          {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&nbsp;", " "}, {"&#39;", "'"}}};
      bool matched = false;
      for (const auto& [name, value] : entities) {
        if (html.compare(i, std::strlen(name), name) == 0) {
          out += value;
          i += std::strlen(name);
          matched = true;
          break;
        }
      }
      if (!matched) out += html[i++];
    } else {
      if (html[i] != '\r') out += (html[i] == '\n' ? ' ' : html[i]);
      ++i;
    }
  }
  return out;
}

bool has_cjk(const std::string& s) {
  // U+3400..U+9FFF: three-byte UTF-8 sequences starting E3 90..E9 BF.
  for (std::size_t i = 0; i + 2 < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xE4 && c <= 0xE9) return true;
    if (c == 0xE3 && static_cast<unsigned char>(s[i + 1]) >= 0x90) return true;
  }
  return false;
}

std::string local_part(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? address : address.substr(0, at);
}

std::string domain_part(const std::string& address) {
  const auto at = address.rfind('@');
  return at == std::string::npos ? "" : lower(address.substr(at + 1));
}

// Why a mail must not be answered (RFC 3834 and the habits of real mail systems).
std::string automatic(GMimeMessage* message, const std::string& envelope_from, const std::string& from,
                      const Identity& identity) {
  auto* object = GMIME_OBJECT(message);
  if (envelope_from.empty()) return "bounce (empty envelope sender)";
  if (auto* body = g_mime_message_get_mime_part(message); body && is_type(body, "multipart", "report"))
    return "bounce (delivery report)";
  const auto local = lower(local_part(from));
  if (local == "mailer-daemon" || local == "postmaster") return "bounce (from " + local + ")";
  const auto submitted = lower(header(object, "Auto-Submitted"));
  if (!submitted.empty() && submitted != "no") return "auto-reply (Auto-Submitted: " + submitted + ")";
  for (const char* h : {"X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"})
    if (g_mime_object_get_header(object, h)) return std::string("auto-reply (") + h + ")";
  const auto precedence = lower(header(object, "Precedence"));
  if (precedence == "bulk" || precedence == "junk" || precedence == "list" || precedence == "auto_reply")
    return "bulk mail (Precedence: " + precedence + ")";
  if (g_mime_object_get_header(object, "List-Id") || g_mime_object_get_header(object, "List-Unsubscribe")) return "mailing list";
  const auto ours = lower(local_part(identity.from_address));
  const auto theirs = lower(local_part(from));
  if (!identity.from_address.empty() && domain_part(from) == domain_part(identity.from_address) &&
      (theirs == ours || theirs.rfind(ours + "+", 0) == 0))
    return "our own mail";
  return "";
}

std::string strip_angles(std::string id) {
  id = trim(id);
  if (!id.empty() && id.front() == '<') id.erase(0, 1);
  if (!id.empty() && id.back() == '>') id.pop_back();
  return id;
}

struct MagicClose {
  void operator()(magic_t m) const { magic_close(m); }
};

}  // namespace

std::string detected_type(const std::string& bytes) {
  thread_local std::unique_ptr<std::remove_pointer_t<magic_t>, MagicClose> cookie = [] {
    std::unique_ptr<std::remove_pointer_t<magic_t>, MagicClose> m(magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR));
    if (m && magic_load(m.get(), nullptr) != 0) m.reset();
    return m;
  }();
  if (!cookie) return "application/octet-stream";
  const char* type = magic_buffer(cookie.get(), bytes.data(), bytes.size());
  return type ? type : "application/octet-stream";
}

bool accepted_type(const std::string& t) {
  return t == "image/png" || t == "image/jpeg" || t == "image/gif" || t == "image/webp" || t == "application/pdf" ||
         t == "text/plain" || t == "text/csv";
}

std::string new_part(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (;;) {
    const auto nl = text.find('\n', start);
    auto line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  std::size_t cut = lines.size();
  for (std::size_t i = 0; i < lines.size() && cut == lines.size(); ++i) {
    const auto l = trim(lines[i]);
    const bool marker = l.find("##-") != std::string::npos;
    const bool wrote = (l.rfind("On ", 0) == 0 && l.size() >= 6 && l.compare(l.size() - 6, 6, "wrote:") == 0) ||
                       (l.rfind("在", 0) == 0 && l.find("写道") != std::string::npos) ||
                       (l.rfind("於", 0) == 0 && l.find("寫道") != std::string::npos);
    const bool original = l.find("-----Original Message-----") != std::string::npos ||
                          l.find("----- Original Message -----") != std::string::npos ||
                          l.find("------------------ 原始邮件 ------------------") != std::string::npos ||
                          l.rfind("________________________________", 0) == 0;
    if (marker || wrote || original) cut = i;
  }
  while (cut > 0 && (trim(lines[cut - 1]).empty() || trim(lines[cut - 1]).rfind('>', 0) == 0)) --cut;
  std::string out;
  for (std::size_t i = 0; i < cut; ++i) out += (i ? "\n" : "") + lines[i];
  out = trim(out);
  return out.empty() ? trim(text) : out;
}

Inbound parse(const Identity& identity, const std::string& raw, const std::string& envelope_from) {
  Inbound in;
  auto& m = in.mail;
  auto message = read_message(raw);
  if (!message) {  // not a mail at all: kept raw, with what can be said of it
    m.message_id = util::hash_hex(raw, 16) + "@parley.invalid";
    m.automatic = "not a mail (unparseable)";
    return in;
  }
  auto* object = GMIME_OBJECT(message.get());
  const char* id = g_mime_message_get_message_id(message.get());
  m.message_id = id && *id ? strip_angles(id) : util::hash_hex(raw, 16) + "@parley.invalid";
  if (auto* from = g_mime_message_get_from(message.get()); from && internet_address_list_length(from) > 0) {
    auto* a = internet_address_list_get_address(from, 0);
    if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
      const char* addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
      m.from_address = addr ? trim(addr) : "";
    }
    const char* name = internet_address_get_name(a);
    m.from_name = name ? chat::truncate_utf8(trim(utf8(name)), 100) : "";
  }
  const char* subject = g_mime_message_get_subject(message.get());
  m.subject = subject ? trim(utf8(subject)) : "";
  // References: In-Reply-To first, then References from the newest.
  auto add_refs = [&](const char* h, bool reverse) {
    const char* value = g_mime_object_get_header(object, h);
    if (!value) return;
    auto* refs = g_mime_references_parse(nullptr, value);
    if (!refs) return;
    std::vector<std::string> ids;
    for (int i = 0; i < g_mime_references_length(refs) && i < 100; ++i) ids.push_back(g_mime_references_get_message_id(refs, i));
    g_mime_references_free(refs);
    if (reverse) std::reverse(ids.begin(), ids.end());
    for (auto& r : ids)
      if (std::find(in.references.begin(), in.references.end(), r) == in.references.end()) in.references.push_back(std::move(r));
  };
  add_refs("In-Reply-To", false);
  add_refs("References", true);

  std::string plain, html;
  unsigned index = 0;
  for_each_part(message.get(), [&](GMimeObject* part) {
    if (is_attachment(part)) {
      const unsigned n = index++;
      if (n >= max_listed_attachments) return;
      const auto bytes = decoded_bytes(GMIME_PART(part));
      parley::desk::v1::MailAttachment a;
      a.set_index(n);
      a.set_file_name(clean_file_name(g_mime_part_get_filename(GMIME_PART(part)), n));
      a.set_content_type(detected_type(bytes));
      a.set_size(bytes.size());
      if (bytes.size() > max_attachment_bytes)
        a.set_refused("larger than " + std::to_string(max_attachment_bytes / (1024 * 1024)) + " MiB");
      else if (!accepted_type(a.content_type()))
        a.set_refused("a " + a.content_type() + " file is not accepted");
      m.attachments.push_back(std::move(a));
      return;
    }
    if (!GMIME_IS_TEXT_PART(part)) return;
    if (plain.empty() && is_type(part, "text", "plain")) plain = part_text(part);
    else if (html.empty() && is_type(part, "text", "html")) html = part_text(part);
  });
  auto text = new_part(!plain.empty() ? plain : html_text(html));
  if (chat::utf8_length(text) > tickets::max_text_chars) {
    static const std::string note = "\n[… cut here; the whole mail is kept as received]";
    text = chat::truncate_utf8(text, tickets::max_text_chars - chat::utf8_length(note)) + note;
  }
  m.text = std::move(text);
  m.locale = has_cjk(m.subject) || has_cjk(m.text) ? "zh-CN" : "en";
  m.automatic = automatic(message.get(), envelope_from, m.from_address, identity);
  return in;
}

store::RecordStore::ReceivedMail received(const Identity& identity, const Inbound& inbound,
                                          const std::vector<std::string>& recipients, std::string raw, std::string inbox_id,
                                          std::int64_t now_ms) {
  store::RecordStore::ReceivedMail r;
  r.inbox_id = std::move(inbox_id);
  r.message_id = inbound.mail.message_id;
  for (const auto& to : recipients)
    if (auto number = ticket_of_reply_address(identity, to)) {
      r.ticket_number = number;
      break;
    }
  const auto ours = domain_part(identity.from_address);
  for (const auto& ref : inbound.references) {
    r.references.push_back(ref);
    // Our Message-IDs are "<mail id>@<our domain>" (message_id()).
    if (!ours.empty() && domain_part(ref) == ours && local_part(ref).rfind("m_", 0) == 0) r.sent_mail_ids.push_back(local_part(ref));
  }
  r.sender_email = inbound.mail.from_address;
  r.received_ms = now_ms;
  r.raw = std::move(raw);
  return r;
}

std::string without_secrets(const std::string& raw) {
  auto end = raw.find("\r\n\r\n");
  if (end == std::string::npos) end = raw.find("\n\n");
  std::string headers = raw.substr(0, end == std::string::npos ? raw.size() : end);
  // The header lines, without those that describe the body (and their folded continuations).
  std::string kept;
  bool dropping = false;
  std::size_t at = 0;
  while (at < headers.size()) {
    auto nl = headers.find('\n', at);
    if (nl == std::string::npos) nl = headers.size();
    std::string line = headers.substr(at, nl - at);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    at = nl + 1;
    const bool continuation = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    if (!continuation) {
      std::string lower = line.substr(0, line.find(':'));
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      dropping = lower.rfind("content-", 0) == 0 || lower == "mime-version";
    }
    if (!dropping) kept += line + "\r\n";
  }
  return secrets::mask(kept).text +
         "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n"
         "X-Parley-Redacted: secret\r\n\r\n"
         "[Parley kept no copy of this mail as it was sent: it held a secret (a recovery phrase, a private key, a code "
         "or a password). Its text, with the secret removed, is on the ticket; its attachments were not kept.]\r\n";
}

void receive(const Receiving& receiving, const Envelope& envelope, std::string raw, std::int64_t now_ms,
             std::function<void(LmtpReply)> done) {
  auto inbound = parse(receiving.identity, raw, envelope.from);
  // Secrets are never stored: the raw mail that held one is replaced by its
  // headers and a note (the text on the ticket is masked by tickets).
  if (!secrets::find(inbound.mail.text).empty() || !secrets::find(inbound.mail.subject).empty() || !secrets::find(raw).empty()) {
    raw = without_secrets(raw);
    for (auto& a : inbound.mail.attachments) a.set_refused("not kept: the mail held a secret");
    inbound.mail.subject = secrets::mask(inbound.mail.subject).text;
  }
  const auto inbox_id = util::random_token("in_", 12);
  inbound.mail.inbox_id = inbox_id;
  auto mail = received(receiving.identity, inbound, envelope.recipients, std::move(raw), inbox_id, now_ms);
  const auto due = receiving.reply_by ? receiving.reply_by(now_ms) : now_ms + 24 * 3'600'000LL;
  auto decide = [incoming = inbound.mail, now_ms, due, ack = util::random_token("m_", 12),
                 token = util::random_token("", 32)](const tickets::Context& c) {
    return tickets::decide_mail(incoming, c, now_ms, due, ack, token);
  };
  receiving.store->receive_mail(
      std::move(mail), std::move(decide),
      [done = std::move(done), queued = receiving.mail_queued](std::optional<store::RecordStore::MailReceipt> receipt) {
        if (!receipt) return done({451, "4.3.0 the mail could not be stored now; try again later"});
        const auto& d = receipt->decision;
        if (receipt->duplicate) return done({250, "2.0.0 received before; kept once"});
        switch (d.outcome) {
          case tickets::Outcome::done:
            if (!d.mails.empty() && queued) queued();
            return done({250, "2.0.0 stored on request #" + std::to_string(d.put ? d.put->number() : 0)});
          case tickets::Outcome::unchanged: return done({250, "2.0.0 stored; " + d.message});
          case tickets::Outcome::limit_reached: return done({550, "5.7.1 " + d.message});
          default: return done({550, "5.1.7 " + d.message});
        }
      });
}

std::optional<Attachment> attachment(const std::string& raw, unsigned index) {
  auto message = read_message(raw);
  if (!message) return std::nullopt;
  std::optional<Attachment> out;
  unsigned n = 0;
  for_each_part(message.get(), [&](GMimeObject* part) {
    if (!is_attachment(part)) return;
    if (n++ != index || out) return;
    Attachment a;
    a.bytes = decoded_bytes(GMIME_PART(part));
    a.file_name = clean_file_name(g_mime_part_get_filename(GMIME_PART(part)), index);
    a.content_type = detected_type(a.bytes);
    out = std::move(a);
  });
  return out;
}

}  // namespace parley::mail
