#pragma once
// The help center's public pages, as HTML strings (no JavaScript needed; one
// stylesheet, /help/help.css). Everything from the content folder is escaped
// except an article's body, which cmark rendered without raw HTML.
//
//   /help/LOCALE/              categories and their articles, a search box
//   /help/LOCALE/ID            an article, a link to its translation
//   /help/LOCALE/search?q=...  results

#include "help/library.hpp"

#include <string>
#include <string_view>

namespace parley::help {

std::string index_page(const Library& library, std::string_view locale);
// `feedback`: "did this answer your question?" (a form that posts to
// /help/LOCALE/ID/feedback); `answered`: the reader just answered (a thank-you
// instead); `visitor`: the widget's visitor who opened it, carried in the form.
struct Feedback {
  bool offered = false;
  bool answered = false;
  std::string visitor;
};
std::string article_page(const Library& library, const Article& article, const Feedback& feedback = {});
std::string search_page(const Library& library, std::string_view locale, std::string_view query,
                        const std::vector<Hit>& hits);
std::string not_found_page(std::string_view locale);
const std::string& stylesheet();

std::string url_encode(std::string_view text);

}  // namespace parley::help
