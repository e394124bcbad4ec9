// The staff HTTP API: POST /api/login and POST /api/logout; with a system of
// record, GET /api/search and GET /api/conversations/ID (past conversations).
//
// Neither is callable cross-site: a browser request must come from this
// server's own pages (Origin equal to the Host), and the body must be JSON,
// which an HTML form cannot send. No cookies are used: the token travels in
// the JSON reply and then in the Hello, so nothing is sent on a user's behalf.

#include "util/html.hpp"
#include "auth/accounts_file.hpp"
#include "canned/canned_responses.hpp"
#include "chat/text.hpp"
#include "net/api_helpers.hpp"
#include "net/static_files.hpp"
#include "util/random.hpp"

#include <boost/json.hpp>
#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <cstdlib>
#include <ctime>

namespace parley::net {
namespace json = boost::json;
namespace {

using namespace api;

const char* state_name(int state) {
  switch (state) {
    case v1::CONVERSATION_STATE_QUEUED: return "queued";
    case v1::CONVERSATION_STATE_ASSIGNED: return "assigned";
    case v1::CONVERSATION_STATE_CLOSED: return "closed";
    default: return "unknown";
  }
}

json::object info_json(const v1::ConversationInfo& info) {
  return {{"conversation_id", info.conversation_id()},
          {"visitor_id", info.visitor_id()},
          {"visitor_name", info.visitor_name()},
          {"email", info.email()},
          {"verified", info.verified()},
          {"customer_id", info.customer_id()},
          {"category", v1::Category_Name(info.category())},
          {"subject", info.subject()},
          {"transaction_id", info.transaction_id()},
          {"locale", info.locale()},
          {"tier", info.tier()},
          {"state", state_name(info.state())},
          {"created_ms", info.created_ms()}};
}

json::object transcript_json(const store::RecordStore::Transcript& t) {
  json::array messages, notes;
  for (const auto& m : t.messages)
    messages.push_back({{"seq", m.seq()},
                        {"sender_role", v1::Role_Name(m.sender_role())},
                        {"sender_name", m.sender_name()},
                        {"system", m.system()},
                        {"text", m.text()},
                        {"time_ms", m.server_time_ms()}});
  for (const auto& n : t.record.notes())
    notes.push_back({{"author_name", n.author_name()}, {"kind", n.kind()}, {"text", n.text()}, {"time_ms", n.server_time_ms()}});
  json::value rating = nullptr;
  if (t.record.has_rating())
    rating = json::object{{"score", t.record.rating().score()}, {"comment", t.record.rating().comment()}};
  return {{"conversation", info_json(t.record.info())},
          {"messages", std::move(messages)},
          {"notes", std::move(notes)},
          {"rating", std::move(rating)},
          {"closed_ms", t.record.closed_ms()}};
}

using util::html_escape;

std::string utc_time(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buffer;
}

// A readable, self-contained page (for a customer or a regulator): no
// scripts, everything escaped. `body` is already HTML.
std::string readable_page(const std::string& title, const std::string& body) {
  return "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + html_escape(title) +
         "</title><style>body{font:14px sans-serif;max-width:760px;margin:24px auto}dt{font-weight:bold}"
         ".msg{margin:6px 0}.meta{color:#667}.system{color:#667;font-style:italic}.note{background:#fff8e0;padding:4px}"
         "section{border-top:1px solid #ccd;margin-top:24px}</style></head><body><h1>" +
         html_escape(title) + "</h1>" + body + "</body></html>";
}

// One conversation as a section of a readable page. with_heading (a page of
// several): the section opens with an h2 naming it and its parts are h3;
// otherwise (the page is this conversation) its parts are h2.
std::string transcript_section(const store::RecordStore::Transcript& t, bool with_heading) {
  const auto& info = t.record.info();
  const std::string h = with_heading ? "h3" : "h2";
  std::string out = "<section>";
  if (with_heading) out += "<h2>Conversation " + html_escape(info.conversation_id()) + "</h2>";
  out += "<dl>";
  auto field = [&](const char* name, const std::string& value) {
    if (!value.empty()) out += "<dt>" + std::string(name) + "</dt><dd>" + html_escape(value) + "</dd>";
  };
  field("Visitor", info.visitor_name());
  field("E-mail", info.email());
  field("Verified customer", info.customer_id());
  field("Category", v1::Category_Name(info.category()));
  field("Subject", info.subject());
  field("Transaction", info.transaction_id());
  field("Started", utc_time(info.created_ms()));
  if (t.record.closed_ms() > 0) field("Closed", utc_time(t.record.closed_ms()));
  out += "</dl><" + h + ">Messages</" + h + ">";
  for (const auto& m : t.messages)
    out += m.system() ? "<p class=\"msg system\">" + html_escape(m.text()) + "</p>"
                      : "<p class=\"msg\"><span class=\"meta\">" + html_escape(utc_time(m.server_time_ms())) + " · " +
                            html_escape(m.sender_name()) + "</span><br>" + html_escape(m.text()) + "</p>";
  if (t.record.notes_size() > 0) {
    out += "<" + h + ">Internal notes</" + h + ">";
    for (const auto& n : t.record.notes())
      out += "<p class=\"note\"><span class=\"meta\">" + html_escape(utc_time(n.server_time_ms())) + " · " +
             html_escape(n.author_name()) + " · " + html_escape(n.kind()) + "</span><br>" + html_escape(n.text()) + "</p>";
  }
  if (t.record.has_rating())
    out += "<" + h + ">Rating</" + h + "><p>" + std::to_string(t.record.rating().score()) + "/5 " +
           html_escape(t.record.rating().comment()) + "</p>";
  return out + "</section>";
}

// A download: the page or JSON with a file name, under the API's headers.
http::response<http::string_body> download(http::response<http::string_body> res, const std::string& filename) {
  res.set(http::field::content_disposition, "attachment; filename=\"" + filename + "\"");
  return res;
}

http::response<http::string_body> html_response(const Request& req, std::string page) {
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::server, "parley");
  res.set(http::field::content_type, "text/html; charset=utf-8");
  for (const auto& [name, value] : api_headers()) res.set(name, value);
  res.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
  res.body() = std::move(page);
  res.prepare_payload();
  res.keep_alive(req.keep_alive());
  return res;
}

// One stored event as JSON: when, who, what kind, and the kind's details.
json::value event_json(const chat::events::Event& e) {
  const auto* field = e.GetDescriptor()->FindFieldByNumber(static_cast<int>(e.kind_case()));
  json::object details;
  if (field) {
    std::string text;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    if (google::protobuf::util::MessageToJsonString(e.GetReflection()->GetMessage(e, field), &text, options).ok()) {
      error_code ec;
      auto parsed = json::parse(text, ec);
      if (!ec && parsed.is_object()) details = std::move(parsed.as_object());
    }
  }
  return {{"at_ms", e.at_ms()},
          {"actor_id", e.actor_id()},
          {"kind", field ? field->name() : std::string("unknown")},
          {"details", std::move(details)}};
}

// A records event about a conversation, by a staff member, now (exports, holds).
chat::events::Event audit_event(const std::string& conversation_id, const std::string& actor_id);

const char* role_name(v1::Role role) {
  switch (role) {
    case v1::ROLE_TIER2: return "tier2";
    case v1::ROLE_SUPERVISOR: return "supervisor";
    case v1::ROLE_ADMIN: return "admin";
    default: return "agent";
  }
}

// GET /api/conversations/ID/customer: the exchange's data about the chat's
// verified customer, filtered by the viewer's role; every view is recorded.
// 200 {"state": "ok", "cards", "tables", "as_of_ms", "cached", "transaction_id"}
// or {"state": "unverified" | "off" | "unavailable", "reason"}.
template <class Reply>
void customer_context(ServerContext& context, const Request& req, const auth::StaffMember& staff, const std::string& id, Reply reply) {
  if (!context.customer_context)
    return reply(json_response(req, http::status::ok, {{"state", "off"}, {"reason", "no customer context is configured"}}));
  auto* store = context.store;
  auto* client = context.customer_context;
  store->transcript(id, [req, reply, store, client, id, role = std::string(role_name(staff.role)), who = staff.agent_id](
                            std::optional<store::RecordStore::Transcript> t) {
    if (!t) return reply(error_response(req, http::status::not_found, "not_found", "no such conversation"));
    const auto& info = t->record.info();
    // Unverified visitors get no call at all: their id is not the exchange's.
    if (info.customer_id().empty() || info.verified_site().empty())
      return reply(json_response(req, http::status::ok, {{"state", "unverified"}, {"reason", "the visitor is not a signed-in customer"}}));
    client->fetch({info.verified_site(), info.customer_id(), id, role},
                  [req, reply, store, id, role, who, tx = info.transaction_id()](context::Answer answer) {
                    auto audit = audit_event(id, who);
                    audit.mutable_customer_context_viewed()->set_from_cache(answer.cached);
                    store->record_events({audit});
                    if (!answer.context)
                      return reply(json_response(req, http::status::ok, {{"state", "unavailable"}, {"reason", answer.unavailable}}));
                    const auto shown = context::for_role(*answer.context, role);
                    json::array cards, tables;
                    for (const auto& c : shown.cards) cards.push_back({{"label", c.label}, {"value", c.value}});
                    for (const auto& table : shown.tables) {
                      json::array columns(table.columns.begin(), table.columns.end()), rows;
                      for (const auto& row : table.rows) rows.push_back(json::array(row.begin(), row.end()));
                      tables.push_back({{"title", table.title}, {"columns", std::move(columns)}, {"rows", std::move(rows)}});
                    }
                    reply(json_response(req, http::status::ok,
                                        {{"state", "ok"}, {"cards", std::move(cards)}, {"tables", std::move(tables)},
                                         {"as_of_ms", shown.as_of_ms}, {"cached", answer.cached}, {"transaction_id", tx}}));
                  });
  });
}

chat::events::Event audit_event(const std::string& conversation_id, const std::string& actor_id) {
  chat::events::Event e;
  e.set_at_ms(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count());
  e.set_conversation_id(conversation_id);
  e.set_actor_id(actor_id);
  return e;
}

json::object canned_json(const canned::Record& r, const canned::Staff& staff) {
  json::object texts;
  for (const auto& [locale, text] : r.texts()) texts[locale] = text;
  return {{"id", r.id()},
          {"shortcut", r.shortcut()},
          {"title", r.title()},
          {"shared", r.shared()},
          {"team", r.team()},
          {"texts", std::move(texts)},
          {"mine", !r.shared() && r.owner_id() == staff.id},
          {"may_edit", canned::may_change(staff, r)},
          {"updated_ms", r.updated_ms()},
          {"updated_by", r.updated_by()}};
}

// A canned response as a client sends it; nothing if the body is not of that shape.
std::optional<canned::Edit> canned_edit(const std::string& body_text) {
  error_code ec;
  const auto body = json::parse(body_text, ec);
  if (ec || !body.is_object()) return std::nullopt;
  const auto& o = body.as_object();
  canned::Edit edit;
  auto str = [&](const char* key, std::string& out) {
    auto it = o.find(key);
    if (it == o.end()) return true;
    if (!it->value().is_string()) return false;
    out = std::string(it->value().as_string());
    return true;
  };
  if (!str("shortcut", edit.shortcut) || !str("title", edit.title) || !str("team", edit.team)) return std::nullopt;
  if (auto it = o.find("shared"); it != o.end()) {
    if (!it->value().is_bool()) return std::nullopt;
    edit.shared = it->value().as_bool();
  }
  auto texts = o.find("texts");
  if (texts == o.end() || !texts->value().is_object()) return std::nullopt;
  for (const auto& [locale, text] : texts->value().as_object()) {
    if (!text.is_string()) return std::nullopt;
    edit.texts[std::string(locale)] = std::string(text.as_string());
  }
  return edit;
}

http::status canned_status(canned::Outcome outcome) {
  using O = canned::Outcome;
  switch (outcome) {
    case O::saved:
    case O::deleted: return http::status::ok;
    case O::invalid: return http::status::bad_request;
    case O::forbidden: return http::status::forbidden;
    case O::not_found: return http::status::not_found;
    case O::duplicate_shortcut:
    case O::limit_reached: return http::status::conflict;
  }
  return http::status::internal_server_error;
}

const char* canned_code(canned::Outcome outcome) {
  using O = canned::Outcome;
  switch (outcome) {
    case O::invalid: return "invalid_request";
    case O::forbidden: return "forbidden";
    case O::not_found: return "not_found";
    case O::duplicate_shortcut: return "duplicate_shortcut";
    case O::limit_reached: return "limit_reached";
    default: return "ok";
  }
}

}  // namespace

// GET /api/canned (what the staff member sees), POST /api/canned (create),
// PUT /api/canned/ID (replace), DELETE /api/canned/ID; the rules are in
// server/canned (docs/security.md).
template <class Stream>
void HttpSession<Stream>::handle_canned_api(Request incoming, const std::string& path) {
  const bool one = path.starts_with("/api/canned/");
  const std::string id = one ? path.substr(std::string_view("/api/canned/").size()) : "";
  if (one && (id.empty() || id.size() > 64 || id.find('/') != std::string::npos))
    return write(error_response(incoming, http::status::not_found, "not_found", "no such canned response"));
  const auto method = incoming.method();
  const bool allowed = one ? method == http::verb::put || method == http::verb::delete_
                           : method == http::verb::get || method == http::verb::post;
  if (!allowed)
    return write(error_response(incoming, http::status::method_not_allowed, "method_not_allowed",
                                one ? "use PUT or DELETE" : "use GET or POST"));
  if ((method == http::verb::post || method == http::verb::put) && !is_json(incoming))
    return write(error_response(incoming, http::status::unsupported_media_type, "expected_json",
                                "send the canned response as application/json"));
  as_staff(std::move(incoming), [self = this->shared_from_this(), id, method](const Request& req, const auth::StaffMember& member,
                                                                       auto reply) {
    auto* store = self->context_.store;
    if (!store)
      return reply(error_response(req, http::status::service_unavailable, "no_records",
                                  "this server keeps no records (start it with --data-dir or --database)"));
    const canned::Staff staff{member.agent_id, member.role};
    auto unavailable = [req, reply] {
      reply(error_response(req, http::status::service_unavailable, "unavailable", "the store cannot answer now; retry"));
    };
    if (method == http::verb::get) {
      store->canned_responses([req, reply, unavailable, staff](std::optional<std::vector<canned::Record>> all) {
        if (!all) return unavailable();
        json::array out;
        for (const auto& r : canned::visible(staff, *all)) out.push_back(canned_json(r, staff));
        reply(json_response(req, http::status::ok, {{"responses", std::move(out)}}));
      });
      return;
    }
    store::RecordStore::CannedDecide decide;
    if (method == http::verb::delete_) {
      decide = [staff, id](const std::vector<canned::Record>& all) { return canned::decide_delete(staff, id, all); };
    } else {
      auto edit = canned_edit(req.body());
      if (!edit)
        return reply(error_response(req, http::status::bad_request, "invalid_request",
                                    "send {\"shortcut\", \"title\", \"texts\": {\"en\": ..., \"zh-CN\": ...}, \"shared\", \"team\"}"));
      edit->id = id;
      decide = [staff, edit = *edit, new_id = util::random_token("cr_", 9)](const std::vector<canned::Record>& all) {
        return canned::decide_save(staff, edit, all, now_ms(), new_id);
      };
    }
    store->change_canned_responses(std::move(decide), [req, reply, unavailable, staff](std::optional<canned::Decision> d) {
      if (!d) return unavailable();
      if (d->outcome == canned::Outcome::deleted) return reply(json_response(req, http::status::ok, {{"deleted", true}}));
      if (d->outcome != canned::Outcome::saved)
        return reply(error_response(req, canned_status(d->outcome), canned_code(d->outcome), d->message));
      reply(json_response(req, http::status::ok, {{"response", canned_json(*d->put, staff)}}));
    });
  });
}

// GET /api/search and GET /api/conversations/ID: any signed-in staff member
// (docs/security.md), with the console's session token as a Bearer token.
template <class Stream>
void HttpSession<Stream>::handle_records_api(Request incoming, const std::string& path) {
  if (path.starts_with("/api/customers/") && path != "/api/customers/export" && path != "/api/customers/erase")
    return write(error_response(incoming, http::status::not_found, "not_found", "no such API"));
  const bool hold = path.starts_with("/api/conversations/") && path.ends_with("/hold");
  const bool erase = path == "/api/customers/erase";
  const auto method = hold ? http::verb::put : erase ? http::verb::post : http::verb::get;
  if (incoming.method() != method)
    return write(error_response(incoming, http::status::method_not_allowed, "method_not_allowed",
                                "use " + std::string(http::to_string(method))));
  as_staff(std::move(incoming), [self = this->shared_from_this(), path](const Request& req, const auth::StaffMember& staff,
                                                                  auto reply) {
    if (!self->context_.store || (path == "/api/search" && !self->context_.search))
      return reply(error_response(req, http::status::service_unavailable, "no_records",
                                  "this server keeps no records to search (start it with --data-dir or --database)"));
    if (path == "/api/search") {
      search::Query query;
      query.text = query_param(req.target(), "q");
      query.customer_id = query_param(req.target(), "customer");
      query.visitor_id = query_param(req.target(), "visitor");
      const auto limit = query_param(req.target(), "limit");
      query.limit = limit.empty() ? 20 : std::strtoul(limit.c_str(), nullptr, 10);
      if (chat::blank(query.text) && query.customer_id.empty() && query.visitor_id.empty())
        return reply(error_response(req, http::status::bad_request, "invalid_request",
                                    "give q (words, a transaction id, a name or an e-mail), customer or visitor"));
      if (chat::utf8_length(query.text) > 200 || query.customer_id.size() > 200 || query.visitor_id.size() > 200)
        return reply(error_response(req, http::status::bad_request, "invalid_request", "the query is too long"));
      self->context_.search->search(std::move(query), [req, reply](std::vector<search::Hit> hits, std::string error) {
        if (!error.empty()) return reply(error_response(req, http::status::service_unavailable, "unavailable", error));
        json::array results;
        for (const auto& hit : hits)
          results.push_back({{"conversation_id", hit.conversation_id},
                             {"visitor_name", hit.visitor_name},
                             {"customer_id", hit.customer_id},
                             {"transaction_id", hit.transaction_id},
                             {"created_ms", hit.created_ms},
                             {"state", state_name(hit.state)},
                             {"snippet", hit.snippet}});
        reply(json_response(req, http::status::ok, {{"results", std::move(results)}}));
      });
      return;
    }
    const bool oversees = staff.role == v1::ROLE_SUPERVISOR || staff.role == v1::ROLE_ADMIN;
    if (path == "/api/customers/erase") {
      // Erasure on request: supervisors and admins; the chat core forgets
      // the visitor first, then the store anonymises, in that order.
      if (!oversees)
        return reply(error_response(req, http::status::forbidden, "forbidden",
                                    "only supervisors and admins may erase a customer's data"));
      error_code ec;
      const auto body = json::parse(req.body(), ec);
      const auto customer = ec ? std::string() : string_member(body, "customer_id");
      const auto visitor = ec ? std::string() : string_member(body, "visitor_id");
      const auto email = ec ? std::string() : string_member(body, "email");
      if ((!customer.empty() && !visitor.empty()) || (customer.empty() && visitor.empty() && email.empty()) ||
          customer.size() > 200 || visitor.size() > 200 || (!email.empty() && !tickets::plausible_email(email)))
        return reply(error_response(req, http::status::bad_request, "invalid_request",
                                    "send {\"customer_id\": ...} or {\"visitor_id\": ...}, and/or {\"email\": ...} "
                                    "(a requester's tickets), one plain address"));
      // The tickets of a requester known by e-mail (no chat of theirs lives in the core).
      auto erase_requester = [store = self->context_.store, req, reply, email, who = staff.agent_id] {
        if (email.empty()) return reply(json_response(req, http::status::ok, {{"erased", true}}));
        auto event = audit_event("", who);
        event.mutable_customer_erased()->set_email(email);
        store->erase_requester(email, std::move(event), [req, reply](std::optional<std::size_t> n) {
          if (!n)
            return reply(error_response(req, http::status::service_unavailable, "unavailable",
                                        "the store could not complete the erasure; repeat the request"));
          reply(json_response(req, http::status::ok, {{"erased", true}, {"tickets", *n}}));
        });
      };
      if (customer.empty() && visitor.empty()) return erase_requester();
      asio::post(self->context_.hub, [self, req, reply, customer, visitor, erase_requester, who = staff.agent_id] {
        self->context_.service.erase_customer(customer, visitor, who, [req, reply, erase_requester](chat::ErasureResult result) {
          using R = chat::ErasureResult;
          switch (result) {
            case R::erased: return erase_requester();
            case R::open_chat:
              return reply(error_response(req, http::status::conflict, "open_chat",
                                          "this customer has an open chat; close it first"));
            case R::unsupported:
              return reply(error_response(req, http::status::service_unavailable, "unsupported",
                                          "erasure needs --data-dir or --database (not --redis)"));
            case R::unavailable:
              return reply(error_response(req, http::status::service_unavailable, "unavailable",
                                          "the store could not complete the erasure; repeat the request"));
          }
        });
      });
      return;
    }
    if (path == "/api/customers/export") {
      // Everything about one customer (a data-access request): supervisors and admins.
      if (!oversees)
        return reply(error_response(req, http::status::forbidden, "forbidden",
                                    "only supervisors and admins may export a customer's conversations"));
      const auto customer = query_param(req.target(), "customer");
      const auto visitor = query_param(req.target(), "visitor");
      auto format = query_param(req.target(), "format");
      if (format.empty()) format = "json";
      if ((customer.empty() == visitor.empty()) || customer.size() > 200 || visitor.size() > 200)
        return reply(error_response(req, http::status::bad_request, "invalid_request", "give customer or visitor"));
      if (format != "json" && format != "html")
        return reply(error_response(req, http::status::bad_request, "invalid_request", "format must be json or html"));
      auto* store = self->context_.store;
      store->conversations_of(customer, visitor, 1000, [req, reply, store, customer, visitor, format, who = staff.agent_id](
                                                           std::optional<std::vector<store::RecordStore::Transcript>> all) {
        if (!all) return reply(error_response(req, http::status::service_unavailable, "unavailable", "the store cannot answer now"));
        std::vector<chat::events::Event> audit;
        for (const auto& t : *all) {
          audit.push_back(audit_event(t.record.info().conversation_id(), who));
          audit.back().mutable_transcript_exported()->set_format(format + " (customer)");
        }
        store->record_events(std::move(audit));
        const std::string whom = customer.empty() ? "visitor " + visitor : "customer " + customer;
        if (format == "html") {
          std::string body = "<p>" + std::to_string(all->size()) + " conversation(s), oldest first.</p>";
          for (const auto& t : *all) body += transcript_section(t, true);
          return reply(download(html_response(req, readable_page("Conversations of " + whom, body)), "customer-export.html"));
        }
        json::array conversations;
        for (const auto& t : *all) conversations.push_back(transcript_json(t));
        reply(download(json_response(req, http::status::ok,
                                     {{"customer_id", customer}, {"visitor_id", visitor}, {"conversations", std::move(conversations)}}),
                       "customer-export.json"));
      });
      return;
    }
    // /api/conversations/ID[/export|/hold]
    auto rest = path.substr(std::string_view("/api/conversations/").size());
    const auto slash = rest.find('/');
    const std::string id = rest.substr(0, slash);
    const std::string action = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (id.empty() || id.size() > 64 ||
        (action != "" && action != "export" && action != "hold" && action != "events" && action != "customer"))
      return reply(error_response(req, http::status::not_found, "not_found", "no such conversation"));
    auto* store = self->context_.store;
    if (action == "customer") return customer_context(self->context_, req, staff, id, reply);
    if (!action.empty() && !oversees)
      return reply(error_response(req, http::status::forbidden, "forbidden",
                                  "only supervisors and admins may see a conversation's history, export it or set a legal hold"));
    if (action == "events") {
      // The conversation's history, this read included: who took it, moved
      // it, viewed or exported it, and when.
      auto audit = audit_event(id, staff.agent_id);
      store->history(id, [req, reply, store, audit](std::optional<std::vector<chat::events::Event>> events) mutable {
        if (!events) return reply(error_response(req, http::status::service_unavailable, "unavailable", "the store cannot answer now"));
        if (events->empty()) return reply(error_response(req, http::status::not_found, "not_found", "no such conversation"));
        audit.mutable_transcript_viewed();
        store->record_events({audit});
        json::array out;
        for (const auto& e : *events) out.push_back(event_json(e));
        reply(json_response(req, http::status::ok, {{"events", std::move(out)}}));
      });
      return;
    }
    auto audit = audit_event(id, staff.agent_id);
    if (action == "hold") {
      error_code ec;
      const auto body = json::parse(req.body(), ec);
      if (ec || !body.is_object() || !body.as_object().contains("hold") || !body.at("hold").is_bool())
        return reply(error_response(req, http::status::bad_request, "invalid_request", "send {\"hold\": true|false}"));
      const bool on = body.at("hold").as_bool();
      audit.mutable_legal_hold_changed()->set_hold(on);
      store->set_legal_hold(id, on, audit, [req, reply, on](std::optional<bool> found) {
        if (!found) return reply(error_response(req, http::status::service_unavailable, "unavailable", "the store cannot answer now"));
        if (!*found) return reply(error_response(req, http::status::not_found, "not_found", "no such conversation"));
        reply(json_response(req, http::status::ok, {{"legal_hold", on}}));
      });
      return;
    }
    const std::string format = query_param(req.target(), "format");
    if (action == "export" && format != "json" && format != "html")
      return reply(error_response(req, http::status::bad_request, "invalid_request", "format must be json or html"));
    store->transcript(id, [req, reply, store, action, format, audit](std::optional<store::RecordStore::Transcript> t) mutable {
      if (!t) return reply(error_response(req, http::status::not_found, "not_found", "no such conversation"));
      // Every read of a transcript is recorded: who saw or took out which
      // conversation, when (docs/security.md).
      if (action.empty())
        audit.mutable_transcript_viewed();
      else
        audit.mutable_transcript_exported()->set_format(format);
      store->record_events({audit});
      const std::string filename = "conversation-" + t->record.info().conversation_id() + "." + format;
      if (action.empty()) return reply(json_response(req, http::status::ok, transcript_json(*t)));
      if (format == "json") return reply(download(json_response(req, http::status::ok, transcript_json(*t)), filename));
      reply(download(html_response(req, readable_page("Conversation " + t->record.info().conversation_id(),
                                                      transcript_section(*t, false))),
                     filename));
    });
  });
}

template <class Stream>
void HttpSession<Stream>::handle_api(Request req, const std::string& path) {
  if (path == "/api/search" || path.starts_with("/api/conversations/") || path.starts_with("/api/customers/"))
    return handle_records_api(std::move(req), path);
  if (path == "/api/canned" || path.starts_with("/api/canned/")) return handle_canned_api(std::move(req), path);
  if (path == "/api/requests" || path.starts_with("/api/requests/") || path == "/api/transcripts")
    return handle_requests_api(std::move(req), path);
  if (path == "/api/tickets" || path.starts_with("/api/tickets/")) return handle_ticket_api(std::move(req), path);
  if (path.starts_with("/api/reports/")) return handle_report_api(std::move(req), path);
  if (path.starts_with("/api/help/")) return handle_help_api(std::move(req), path);
  if (path != "/api/login" && path != "/api/logout")
    return write(error_response(req, http::status::not_found, "not_found", "no such API"));
  if (req.method() != http::verb::post)
    return write(error_response(req, http::status::method_not_allowed, "method_not_allowed", "use POST"));
  if (!same_origin(req))
    return write(error_response(req, http::status::forbidden, "cross_site",
                                "staff sign-in is only possible from this server's own pages"));
  auto& auth = context_.staff_auth;

  if (path == "/api/logout") {
    const std::string token(bearer_token(req));
    return auth.logout(token, [self = this->shared_from_this(), req = std::move(req)](
                                  std::optional<auth::SignedOut> out) mutable {
      // Sockets of that sign-in close at once, on whichever node they are.
      if (out)
        asio::post(self->context_.hub, [&gateway = self->context_.service, out = *out] {
          gateway.sign_out(out.agent_id, out.token_id, out.expires_at_ms);
        });
      self->reply_from_shard([self, req = std::move(req), signed_out = out.has_value()] {
        if (!signed_out)
          return self->write(error_response(req, http::status::unauthorized, "not_signed_in",
                                            "send the session token as 'Authorization: Bearer <token>'"));
        self->write(json_response(req, http::status::ok, {{"signed_out", true}}));
      });
    });
  }

  if (!is_json(req))
    return write(error_response(req, http::status::unsupported_media_type, "expected_json",
                                "send {\"agent_id\": ..., \"password\": ...} as application/json"));
  error_code ec;
  const auto body = json::parse(req.body(), ec);
  const auto agent_id = ec ? std::string() : string_member(body, "agent_id");
  const auto password = ec ? std::string() : string_member(body, "password");
  if (agent_id.empty() || password.empty() || agent_id.size() > 64)
    return write(error_response(req, http::status::bad_request, "invalid_request",
                                "send {\"agent_id\": ..., \"password\": ...} as application/json"));
  const auto address = client_address(req);  // before req moves into the callback
  auth.login(address, agent_id, password,
             [self = this->shared_from_this(), req = std::move(req)](auth::LoginResult result) mutable {
               self->reply_from_shard([self, req = std::move(req), result = std::move(result)] {
                 using O = auth::LoginResult::Outcome;
                 switch (result.outcome) {
                   case O::signed_in:
                     return self->write(json_response(req, http::status::ok,
                                                      {{"token", result.token},
                                                       {"agent_id", result.agent_id},
                                                       {"name", result.display_name},
                                                       {"role", auth::role_name(result.role)},
                                                       {"expires_at_ms", result.expires_at_ms}}));
                   case O::bad_credentials:
                     return self->write(error_response(req, http::status::unauthorized, "bad_credentials",
                                                       "unknown account, disabled account or wrong password"));
                   case O::throttled: {
                     auto res = error_response(req, http::status::too_many_requests, "too_many_attempts",
                                               "too many sign-in attempts; wait " +
                                                   std::to_string(result.retry_after_s) + " s");
                     res.set(http::field::retry_after, std::to_string(result.retry_after_s));
                     return self->write(std::move(res));
                   }
                   case O::busy:
                   case O::unavailable:
                     return self->write(error_response(req, http::status::service_unavailable, "unavailable",
                                                       "sign-in is busy or storage is unavailable; retry shortly"));
                 }
               });
             });
}

template void HttpSession<plain_stream>::handle_records_api(Request, const std::string&);
template void HttpSession<tls_stream>::handle_records_api(Request, const std::string&);
template void HttpSession<plain_stream>::handle_canned_api(Request, const std::string&);
template void HttpSession<tls_stream>::handle_canned_api(Request, const std::string&);
template void HttpSession<plain_stream>::handle_api(Request, const std::string&);
template void HttpSession<tls_stream>::handle_api(Request, const std::string&);

}  // namespace parley::net
