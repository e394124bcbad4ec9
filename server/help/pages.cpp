#include "help/pages.hpp"

#include "util/html.hpp"

#include <cctype>
#include <cstdio>
#include <map>

namespace parley::help {
namespace {

using util::html_escape;

struct Words {
  const char* title;
  const char* search_placeholder;
  const char* search_button;
  const char* results_for;
  const char* no_results;
  const char* other_language;
  const char* contact;
  const char* contact_text;
  const char* home;
  const char* not_found;
  const char* articles;
  const char* did_it_help;
  const char* yes;
  const char* no;
  const char* thanks;
};

const Words& words(std::string_view locale) {
  static const Words en{"Help center", "Search: withdrawal, 2FA, refund…", "Search", "Results for", 
                        "No article matches. Try other words, or contact support.", "中文",
                        "Contact support", "Still need help? Our team answers in the chat, or by e-mail within 24 hours.",
                        "Help center", "There is no such article.", "articles", "Did this answer your question?", "Yes",
                        "No", "Thank you for telling us."};
  static const Words zh{"帮助中心", "搜索：提现、二次验证、退款…", "搜索", "搜索结果：", "没有找到相关文章。换个词试试，或联系客服。", "English",
                        "联系客服", "仍需帮助？客服在在线聊天中为您解答，或在 24 小时内邮件回复。", "帮助中心", "没有这篇文章。", "篇文章",
                        "这篇文章解答了您的问题吗？", "是", "否", "感谢您的反馈。"};
  return locale == "zh-CN" ? zh : en;
}

std::string other(std::string_view locale) { return locale == "zh-CN" ? "en" : "zh-CN"; }

std::string head(std::string_view locale, const std::string& title) {
  return "<!doctype html>\n<html lang=\"" + std::string(locale) + "\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" + html_escape(title) + "</title><link rel=\"stylesheet\" href=\"/help/help.css\"></head><body>";
}

std::string header(std::string_view locale, std::string_view query, const std::string& other_href) {
  const auto& w = words(locale);
  const std::string l(locale);
  return "<header class=\"top\"><div class=\"bar\"><a class=\"brand\" href=\"/help/" + l + "/\">" + w.home +
         "</a><a class=\"lang\" hreflang=\"" + other(locale) + "\" href=\"" + other_href + "\">" + w.other_language +
         "</a></div><form class=\"search\" role=\"search\" action=\"/help/" + l + "/search\" method=\"get\">"
         "<input type=\"search\" name=\"q\" maxlength=\"200\" aria-label=\"" + w.search_button + "\" placeholder=\"" +
         w.search_placeholder + "\" value=\"" + html_escape(query) + "\"><button type=\"submit\">" + w.search_button +
         "</button></form></header><main>";
}

std::string footer(std::string_view locale) {
  const auto& w = words(locale);
  return "</main><footer class=\"contact\"><p>" + std::string(w.contact_text) + "</p><a class=\"button\" href=\"/\">" +
         w.contact + "</a></footer></body></html>\n";
}

std::string href(const Article& a) { return "/help/" + a.locale + "/" + a.id; }

}  // namespace

std::string url_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string index_page(const Library& library, std::string_view locale) {
  const auto& w = words(locale);
  std::string page = head(locale, w.title) + header(locale, "", "/help/" + other(locale) + "/");
  page += "<h1>" + std::string(w.title) + "</h1><div class=\"categories\">";
  const auto articles = library.articles(locale);
  for (const auto& category : library.categories()) {
    std::string list;
    int count = 0;
    for (const auto* a : articles)
      if (a->category == category.id) {
        list += "<li><a href=\"" + href(*a) + "\">" + html_escape(a->title) + "</a></li>";
        ++count;
      }
    if (count == 0) continue;
    page += "<section class=\"category\" id=\"" + category.id + "\"><h2>" + html_escape(category.name(locale)) +
            " <span class=\"count\">" + std::to_string(count) + " " + w.articles + "</span></h2><ul>" + list + "</ul></section>";
  }
  return page + "</div>" + footer(locale);
}

std::string article_page(const Library& library, const Article& article, const Feedback& feedback) {
  const auto* translation = library.find(other(article.locale), article.id);
  const auto* category = library.category(article.category);
  std::string page = head(article.locale, article.title + " · " + words(article.locale).title) +
                     header(article.locale, "", translation ? href(*translation) : "/help/" + other(article.locale) + "/");
  page += "<nav class=\"crumbs\"><a href=\"/help/" + article.locale + "/\">" + words(article.locale).home + "</a> › <a href=\"/help/" +
          article.locale + "/#" + article.category + "\">" + html_escape(category ? category->name(article.locale) : article.category) +
          "</a></nav><article data-article=\"" + article.id + "\"><h1>" + html_escape(article.title) + "</h1>" + article.html +
          "</article>";
  const auto& w = words(article.locale);
  if (feedback.answered) {
    page += "<p class=\"feedback thanks\" role=\"status\">" + std::string(w.thanks) + "</p>";
  } else if (feedback.offered) {
    page += "<form class=\"feedback\" method=\"post\" action=\"" + href(article) + "/feedback\"><p>" + w.did_it_help + "</p>";
    if (!feedback.visitor.empty())
      page += "<input type=\"hidden\" name=\"visitor\" value=\"" + html_escape(feedback.visitor) + "\">";
    page += "<button type=\"submit\" name=\"helpful\" value=\"yes\">" + std::string(w.yes) +
            "</button><button type=\"submit\" name=\"helpful\" value=\"no\">" + w.no + "</button></form>";
  }
  return page + footer(article.locale);
}

std::string search_page(const Library&, std::string_view locale, std::string_view query, const std::vector<Hit>& hits) {
  const auto& w = words(locale);
  std::string page = head(locale, std::string(w.results_for) + " " + std::string(query)) +
                     header(locale, query, "/help/" + other(locale) + "/search?q=" + url_encode(query));
  page += "<h1>" + std::string(w.results_for) + " “" + html_escape(query) + "”</h1>";
  if (hits.empty()) return page + "<p class=\"empty\">" + w.no_results + "</p>" + footer(locale);
  page += "<ol class=\"results\">";
  for (const auto& hit : hits)
    page += "<li><a href=\"" + href(*hit.article) + "\">" + html_escape(hit.article->title) + "</a><p>" + hit.snippet + "</p></li>";
  return page + "</ol>" + footer(locale);
}

std::string not_found_page(std::string_view locale) {
  const auto& w = words(locale);
  return head(locale, w.not_found) + header(locale, "", "/help/" + other(locale) + "/") + "<h1>" + w.not_found +
         "</h1><p><a href=\"/help/" + std::string(locale) + "/\">" + w.home + "</a></p>" + footer(locale);
}

const std::string& stylesheet() {
  static const std::string css = R"css(:root{--ink:#1d2433;--muted:#5b6475;--line:#dfe3ea;--accent:#0b5cd5;--bg:#f6f8fb}
*{box-sizing:border-box}body{margin:0;font:16px/1.6 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;color:var(--ink);background:#fff}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible{outline:3px solid #0b5cd5;outline-offset:2px}
.top{background:#0f1b33;color:#fff;padding:16px 20px 28px}.bar{display:flex;justify-content:space-between;max-width:960px;margin:0 auto}
.brand,.lang{color:#fff;text-decoration:none;font-weight:600}.lang{font-weight:400}
.search{display:flex;gap:8px;max-width:640px;margin:18px auto 0}.search input{flex:1;min-width:0;padding:12px 14px;border-radius:8px;border:0;font-size:16px}
.search button,.button{padding:12px 18px;border-radius:8px;border:0;background:#0b5cd5;color:#fff;font-size:16px;text-decoration:none;display:inline-block}
main{max-width:960px;margin:0 auto;padding:24px 20px}h1{font-size:28px;line-height:1.3;margin:8px 0 20px}
.categories{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:16px}
.category{border:1px solid var(--line);border-radius:10px;padding:16px 18px;background:var(--bg)}.category h2{font-size:18px;margin:0 0 8px}
.count{color:var(--muted);font-size:13px;font-weight:400}.category ul{margin:0;padding-left:18px}
.crumbs{color:var(--muted);font-size:14px}article{max-width:720px}article code{background:var(--bg);padding:1px 4px;border-radius:4px;word-break:break-all}
article table{border-collapse:collapse}article td,article th{border:1px solid var(--line);padding:6px 10px}
.results{padding-left:20px}.results li{margin-bottom:16px}.results p{margin:4px 0;color:var(--muted)}.empty{color:var(--muted)}
.feedback{max-width:720px;margin:28px 0 0;padding:14px 16px;border:1px solid var(--line);border-radius:10px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
.feedback p{margin:0 8px 0 0}.feedback button{padding:8px 16px;border-radius:8px;border:1px solid #0b5cd5;background:#fff;color:#0b5cd5;font-size:15px}
.contact{border-top:1px solid var(--line);max-width:960px;margin:24px auto;padding:20px;display:flex;gap:16px;align-items:center;justify-content:space-between;flex-wrap:wrap}
)css";
  return css;
}

}  // namespace parley::help
