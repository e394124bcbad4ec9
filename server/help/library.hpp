#pragma once
// The help center's articles: Markdown files with TOML front matter in a
// content folder, rendered once at load (cmark; raw HTML and unsafe links are
// dropped), and searched with Xapian (CJK n-grams for Chinese, English stems,
// Traditional Chinese folded into Simplified with OpenCC, synonym groups).
//
// The folder:
//   categories.toml   [[category]] id, order, and a name per locale
//   synonyms.toml     groups = [["withdraw", "提现", "提币", ...], ...]
//   en/*.md, zh-CN/*.md
// An article file:
//   +++
//   id = "deposit-not-credited"      same id in every language = one article, translated
//   locale = "en"                    must match its folder
//   category = "deposits"
//   title = "My deposit has not arrived"
//   tags = ["deposit", "txid"]
//   +++
//   Markdown...
//
// A Library is immutable once loaded (a changed folder is loaded anew and
// swapped in); search() may be called from any thread.

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace parley::help {

inline const std::vector<std::string> locales{"en", "zh-CN"};

// Limits, and the policy at each: a folder beyond them is not loaded (the
// previous library stays, the error is logged with the file).
inline constexpr std::size_t max_articles = 2000;
inline constexpr std::size_t max_article_bytes = 256 * 1024;
inline constexpr std::size_t max_query_chars = 200;  // longer queries are cut (the API refuses them)
inline constexpr std::size_t max_results = 20;

struct LoadError : std::runtime_error {
  using std::runtime_error::runtime_error;  // "FILE[:LINE]: what"
};

struct Category {
  std::string id;
  int order = 0;
  std::map<std::string, std::string, std::less<>> names;  // locale -> name
  const std::string& name(std::string_view locale) const;
};

struct Article {
  std::string id, locale, category, title;
  std::vector<std::string> tags;
  std::string html;     // the body, rendered (safe)
  std::string text;     // the body as plain text (search, summaries)
  std::string summary;  // the start of text, at most ~160 characters
  std::string source;   // the file, relative to the content folder
};

struct Hit {
  const Article* article = nullptr;
  double score = 0;
  std::string snippet;  // HTML-escaped, matches in <b>...</b>
};

class Library {
 public:
  // Throws LoadError naming the file (and line) at fault.
  static std::shared_ptr<const Library> load(const std::filesystem::path& dir);
  ~Library();

  const std::vector<Category>& categories() const { return categories_; }
  const Category* category(std::string_view id) const;
  const Article* find(std::string_view locale, std::string_view id) const;
  // Articles of one locale, by category order then title.
  std::vector<const Article*> articles(std::string_view locale) const;
  std::size_t size() const { return articles_.size(); }

  // The best articles of `locale` for what a visitor typed, best first.
  std::vector<Hit> search(std::string_view query, std::string_view locale, std::size_t limit) const;

 private:
  Library();
  struct Index;
  std::vector<Category> categories_;
  std::vector<Article> articles_;
  std::vector<std::vector<std::string>> synonyms_;
  std::unique_ptr<Index> index_;
  mutable std::mutex mutex_;  // Xapian's objects are not thread-safe
};

// A "Chinese" reader gets zh-CN, anyone else en (Accept-Language, q ignored
// beyond order).
std::string locale_for(std::string_view accept_language);
bool is_locale(std::string_view locale);

// Fingerprint of a content folder (every file's path, size and time): the
// server reloads the library when it changes.
std::string folder_version(const std::filesystem::path& dir);

}  // namespace parley::help
