// The help center over HTTP (server/help renders and searches):
//
//   GET /help                        302 to /help/en/ or /help/zh-CN/ (Accept-Language)
//   GET /help/LOCALE/                index by category
//   GET /help/LOCALE/ID              an article
//   GET /help/LOCALE/search?q=TEXT   results page
//   GET /help/help.css               the pages' stylesheet
//   GET /api/help/search?q=TEXT&locale=en|zh-CN&limit=1..10
//       {"results":[{"id","locale","title","category","url","snippet","summary"}]}
//   GET /api/help/articles?locale=en|zh-CN
//       {"articles":[{"id","locale","title","category","url","summary"}]}
//
//   POST /help/LOCALE/ID/feedback    helpful=yes|no[&visitor=ID]: 303 back to the article
//
// Public (the help center is for anyone); GET/HEAD but for the feedback form
// (same origin only). With a system of record, an article opened from the
// widget (?ref=widget&visitor=ID) and every answer are stored as events for
// the reports (20 a minute per address at most; beyond, the page is served and
// nothing is counted); the API
// answers cross-origin GETs from the --allowed-origin sites (the widget). Pages
// work without JavaScript and carry a CSP that allows none. Queries longer
// than help::max_query_chars get 400 from the API (pages cut them).

#include "help/pages.hpp"
#include "net/api_helpers.hpp"
#include "net/static_files.hpp"

namespace parley::net {
namespace {

using namespace api;

http::response<http::string_body> page(const Request& req, http::status status, std::string body,
                                       std::string_view type = "text/html; charset=utf-8") {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::server, "parley");
  res.set(http::field::content_type, type);
  res.set(http::field::cache_control, "public, max-age=60");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Content-Security-Policy",
          "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; "
          "frame-ancestors 'none'");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "strict-origin-when-cross-origin");
  res.keep_alive(req.keep_alive());
  res.body() = req.method() == http::verb::head ? std::string() : std::move(body);
  if (req.method() == http::verb::head) res.content_length(body.size());
  else res.prepare_payload();
  return res;
}

std::size_t chars(std::string_view text) {
  std::size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

// A visitor id the widget put in the link: the shape of ours, or nothing.
std::string visitor_param(const std::string& value) {
  if (value.empty() || value.size() > 64) return {};
  for (unsigned char c : value)
    if (!std::isalnum(c) && c != '_' && c != '-') return {};
  return value;
}

json::object article_json(const help::Article& a) {
  return {{"id", a.id}, {"locale", a.locale}, {"title", a.title}, {"category", a.category},
          {"url", "/help/" + a.locale + "/" + a.id}, {"summary", a.summary}};
}

}  // namespace

// Records a help event unless this address has recorded too many lately (the
// page is served either way: counts are best effort, the reader is not).
template <class Stream>
bool HttpSession<Stream>::record_help_event(const Request& req, parley::events::v1::Event event) {
  auto* store = context_.store;
  if (!store) return false;
  {
    std::lock_guard lock(context_.request_limits.mutex);
    if (!context_.request_limits.help_events.try_take(client_address(req), now_ms())) return false;
  }
  event.set_at_ms(now_ms());
  store->record_events({std::move(event)});
  return true;
}

template <class Stream>
void HttpSession<Stream>::handle_help(Request req, const std::string& path) {
  const auto library = context_.help.load();
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  const bool feedback = req.method() == http::verb::post && path.ends_with("/feedback");
  if (!get && !feedback)
    return write(error_response(req, http::status::method_not_allowed, "method_not_allowed", "only GET and HEAD"));
  const std::string reader = help::locale_for(req[http::field::accept_language]);
  if (!library) return write(page(req, http::status::not_found, help::not_found_page(reader)));
  if (path == "/help" || path == "/help/") {
    http::response<http::string_body> res{http::status::found, req.version()};
    res.set(http::field::server, "parley");
    res.set(http::field::location, "/help/" + reader + "/");
    res.set(http::field::vary, "Accept-Language");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return write(std::move(res));
  }
  if (path == "/help/help.css") return write(page(req, http::status::ok, help::stylesheet(), "text/css; charset=utf-8"));
  // /help/LOCALE/[REST]
  std::string_view rest = std::string_view(path).substr(6);
  const auto slash = rest.find('/');
  const std::string locale(rest.substr(0, slash));
  if (!help::is_locale(locale)) return write(page(req, http::status::not_found, help::not_found_page(reader)));
  if (slash == std::string_view::npos) {
    http::response<http::string_body> res{http::status::moved_permanently, req.version()};
    res.set(http::field::server, "parley");
    res.set(http::field::location, "/help/" + locale + "/");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return write(std::move(res));
  }
  const std::string_view name = rest.substr(slash + 1);
  if (name.empty()) return write(page(req, http::status::ok, help::index_page(*library, locale)));
  if (name == "search") {
    std::string query = query_param(req.target(), "q");
    std::string cut;
    for (std::size_t i = 0, n = 0; i < query.size() && n < help::max_query_chars; ++n) {
      std::size_t len = 1;
      while (i + len < query.size() && (static_cast<unsigned char>(query[i + len]) & 0xC0) == 0x80) ++len;
      cut += query.substr(i, len);
      i += len;
    }
    const auto hits = library->search(cut, locale, 10);
    return write(page(req, http::status::ok, help::search_page(*library, locale, cut, hits)));
  }
  // POST /help/LOCALE/ID/feedback: "did this answer your question?", from
  // this site's own article page only; then back to the article, thanked.
  if (feedback) {
    const auto* article = library->find(locale, name.substr(0, name.size() - 9));
    if (!article) return write(page(req, http::status::not_found, help::not_found_page(locale)));
    if (!same_origin(req))
      return write(error_response(req, http::status::forbidden, "cross_site", "answer on the article's own page"));
    const std::string form = "?" + req.body();
    const auto helpful = query_param(form, "helpful");
    if (helpful != "yes" && helpful != "no")
      return write(error_response(req, http::status::bad_request, "invalid_request", "helpful is yes or no"));
    parley::events::v1::Event event;
    event.set_actor_id(visitor_param(query_param(form, "visitor")));
    auto* rated = event.mutable_article_rated();
    rated->set_article_id(article->id);
    rated->set_locale(article->locale);
    rated->set_helpful(helpful == "yes");
    record_help_event(req, std::move(event));
    http::response<http::string_body> res{http::status::see_other, req.version()};
    res.set(http::field::server, "parley");
    res.set(http::field::location, "/help/" + article->locale + "/" + article->id + "?answered=1");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.prepare_payload();
    return write(std::move(res));
  }
  if (const auto* article = library->find(locale, name)) {
    // Opened from the widget's suggestions: counted, for deflections.
    const auto visitor = visitor_param(query_param(req.target(), "visitor"));
    if (query_param(req.target(), "ref") == "widget" && req.method() == http::verb::get) {
      parley::events::v1::Event event;
      event.set_actor_id(visitor);
      auto* viewed = event.mutable_article_viewed();
      viewed->set_article_id(article->id);
      viewed->set_locale(article->locale);
      viewed->set_from_widget(true);
      record_help_event(req, std::move(event));
    }
    help::Feedback feedback_form{context_.store != nullptr, query_param(req.target(), "answered") == "1", visitor};
    auto res = page(req, http::status::ok, help::article_page(*library, *article, feedback_form));
    if (req.target().find('?') != std::string_view::npos) res.set(http::field::cache_control, "no-store");
    return write(std::move(res));
  }
  write(page(req, http::status::not_found, help::not_found_page(locale)));
}

template <class Stream>
void HttpSession<Stream>::handle_help_api(Request req, const std::string& path) {
  // The widget asks from the host site's pages: a simple GET, answered to the
  // origins allowed to embed it (--allowed-origin), never with credentials.
  const std::string origin(req[http::field::origin]);
  auto write = [&](http::response<http::string_body> res) {
    if (!origin.empty() && origin_allowed(origin, req[http::field::host], context_.allowed_origins)) {
      res.set(http::field::access_control_allow_origin, origin);
      res.set(http::field::vary, "Origin");
    }
    this->write(std::move(res));
  };
  if (req.method() != http::verb::get)
    return write(error_response(req, http::status::method_not_allowed, "method_not_allowed", "use GET"));
  const auto library = context_.help.load();
  if (!library)
    return write(error_response(req, http::status::not_found, "no_help_center", "this server has no help center (--help-dir)"));
  std::string locale = query_param(req.target(), "locale");
  if (locale.empty()) locale = help::locale_for(req[http::field::accept_language]);
  if (!help::is_locale(locale))
    return write(error_response(req, http::status::bad_request, "invalid_request", "locale is en or zh-CN"));
  if (path == "/api/help/articles") {
    json::array articles;
    for (const auto* a : library->articles(locale)) articles.push_back(article_json(*a));
    return write(json_response(req, http::status::ok, {{"articles", std::move(articles)}}));
  }
  if (path != "/api/help/search")
    return write(error_response(req, http::status::not_found, "not_found", "no such help endpoint"));
  const auto query = query_param(req.target(), "q");
  if (chars(query) > help::max_query_chars)
    return write(error_response(req, http::status::bad_request, "invalid_request",
                                "q is at most " + std::to_string(help::max_query_chars) + " characters"));
  std::size_t limit = 3;
  if (const auto text = query_param(req.target(), "limit"); !text.empty()) {
    if (text.size() > 2 || !std::all_of(text.begin(), text.end(), ::isdigit) || std::stoi(text) < 1 || std::stoi(text) > 10)
      return write(error_response(req, http::status::bad_request, "invalid_request", "limit is 1 to 10"));
    limit = static_cast<std::size_t>(std::stoi(text));
  }
  json::array results;
  for (const auto& hit : library->search(query, locale, limit)) {
    auto entry = article_json(*hit.article);
    entry["snippet"] = hit.snippet;
    results.push_back(std::move(entry));
  }
  write(json_response(req, http::status::ok, {{"results", std::move(results)}}));
}

template void HttpSession<plain_stream>::handle_help(Request, const std::string&);
template void HttpSession<tls_stream>::handle_help(Request, const std::string&);
template void HttpSession<plain_stream>::handle_help_api(Request, const std::string&);
template void HttpSession<tls_stream>::handle_help_api(Request, const std::string&);

}  // namespace parley::net
