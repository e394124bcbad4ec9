#include "help/library.hpp"

#include "log/log.hpp"

#include <cmark.h>
#include <opencc/opencc.h>
#include <toml.hpp>
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace parley::help {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& file, std::size_t limit, const std::string& name) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) throw LoadError(name + ": cannot be read");
  if (size > limit) throw LoadError(name + ": larger than " + std::to_string(limit / 1024) + " KiB");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  if (!in && !in.eof()) throw LoadError(name + ": cannot be read");
  return out.str();
}

toml::value parse_toml(const std::string& text, const std::string& name, int line_offset) {
  std::istringstream in(text);
  try {
    return toml::parse(in, name);
  } catch (const toml::syntax_error& e) {
    std::string said = e.what();
    said = said.substr(0, said.find('\n'));
    if (const auto at = said.find(": "); said.starts_with("[error]") && at != std::string::npos) said = said.substr(at + 2);
    throw LoadError(name + ":" + std::to_string(e.location().line() + line_offset) + ": not valid TOML: " + said);
  }
}

std::string where(const std::string& name, const toml::value& v, int line_offset) {
  return name + ":" + std::to_string(v.location().line() + line_offset);
}

std::string text_of(const toml::value& table, const char* key, const std::string& name, int line_offset,
                    std::size_t max_chars = 200) {
  if (!table.contains(key)) throw LoadError(name + ": missing \"" + key + "\"");
  const auto& v = table.at(key);
  if (!v.is_string() || v.as_string().str.empty() || v.as_string().str.size() > max_chars)
    throw LoadError(where(name, v, line_offset) + ": " + key + " must be text of 1 to " + std::to_string(max_chars) + " bytes");
  return v.as_string().str;
}

bool valid_id(const std::string& id) {
  static const std::regex pattern("[a-z0-9][a-z0-9-]{0,79}");
  return std::regex_match(id, pattern);
}

// The body as plain text: the words of every text and code node, a line per block.
std::string plain_text(cmark_node* root) {
  std::string out;
  cmark_iter* iter = cmark_iter_new(root);
  for (auto event = cmark_iter_next(iter); event != CMARK_EVENT_DONE; event = cmark_iter_next(iter)) {
    cmark_node* node = cmark_iter_get_node(iter);
    const auto type = cmark_node_get_type(node);
    if (event == CMARK_EVENT_ENTER && (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE || type == CMARK_NODE_CODE_BLOCK)) {
      if (const char* literal = cmark_node_get_literal(node)) out += literal;
    } else if (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK) {
      out += ' ';
    } else if (event == CMARK_EVENT_EXIT && (type == CMARK_NODE_PARAGRAPH || type == CMARK_NODE_HEADING || type == CMARK_NODE_ITEM)) {
      if (!out.empty() && out.back() != '\n') out += '\n';
    }
  }
  cmark_iter_free(iter);
  return out;
}

// At most `chars` code points of `text` on one line, cut at a space where there is one.
std::string summary_of(const std::string& text, std::size_t chars) {
  std::string out;
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size() && count < chars; ++count) {
    std::size_t len = 1;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0xF0) len = 4;
    else if (c >= 0xE0) len = 3;
    else if (c >= 0xC0) len = 2;
    out += text[i] == '\n' ? std::string(" ") : text.substr(i, len);
    i += len;
    if (i >= text.size()) return out;
  }
  if (auto space = out.rfind(' '); space != std::string::npos && space > out.size() * 2 / 3) out.resize(space);
  return out + "…";
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || (static_cast<unsigned char>(c) & 0x80); }

// `word` occurs in `text` (both lower case): Chinese anywhere, Latin words as whole words.
bool mentions(const std::string& text, const std::string& word) {
  const bool latin = std::all_of(word.begin(), word.end(), [](char c) { return !(static_cast<unsigned char>(c) & 0x80); });
  for (auto at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) {
    if (!latin) return true;
    const bool starts = at == 0 || !is_word_char(text[at - 1]);
    const bool ends = at + word.size() == text.size() || !is_word_char(text[at + word.size()]);
    if (starts && ends) return true;
  }
  return false;
}

const std::set<std::string>& stop_words() {
  static const std::set<std::string> words{
      "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "have", "has", "how",
      "i", "if", "in", "is", "it", "its", "me", "my", "not", "of", "on", "or", "our", "please", "so", "that", "the",
      "this", "to", "was", "what", "when", "where", "why", "will", "with", "you", "your", "yet", "hi", "hello",
      "out", "up", "so", "just", "still", "been", "any", "some", "about", "into", "than", "then", "there", "get",
      "got", "am", "were", "did", "would", "could", "should", "there", "need", "want"};
  return words;
}

class Stopper final : public Xapian::Stopper {
 public:
  bool operator()(const std::string& term) const override { return stop_words().count(term) > 0; }
};

// Traditional Chinese folded into Simplified (OpenCC's t2s), so 提現 finds 提现.
// Without OpenCC's data the text is used as it is (logged once).
class Folder {
 public:
  Folder() : converter_(opencc_open("t2s.json")) {
    if (converter_ == reinterpret_cast<opencc_t>(-1))
      log::warn("help", "OpenCC's t2s data is missing; Traditional Chinese is searched as typed");
  }
  ~Folder() {
    if (ok()) opencc_close(converter_);
  }
  std::string operator()(const std::string& text) {
    if (!ok() || text.empty()) return text;
    std::lock_guard lock(mutex_);
    char* converted = opencc_convert_utf8(converter_, text.data(), text.size());
    if (!converted) return text;
    std::string out(converted);
    opencc_convert_utf8_free(converted);
    return out;
  }

 private:
  bool ok() const { return converter_ != reinterpret_cast<opencc_t>(-1); }
  opencc_t converter_;
  std::mutex mutex_;
};

Folder& fold() {
  static Folder folder;
  return folder;
}

std::string locale_term(std::string_view locale) { return "XL" + lower_ascii(locale); }

}  // namespace

const std::string& Category::name(std::string_view locale) const {
  auto it = names.find(locale);
  if (it == names.end()) it = names.find("en");
  return it == names.end() ? id : it->second;
}

struct Library::Index {
  Xapian::WritableDatabase db{std::string(), Xapian::DB_BACKEND_INMEMORY};
  Stopper stopper;
};

Library::Library() : index_(std::make_unique<Index>()) {}
Library::~Library() = default;

std::shared_ptr<const Library> Library::load(const fs::path& dir) {
  std::shared_ptr<Library> library(new Library());
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw LoadError(dir.string() + ": not a folder");

  // Categories.
  const auto categories_file = dir / "categories.toml";
  const auto categories = parse_toml(read_file(categories_file, 64 * 1024, "categories.toml"), "categories.toml", 0);
  if (!categories.contains("category") || !categories.at("category").is_array())
    throw LoadError("categories.toml: expected [[category]] tables");
  for (const auto& entry : categories.at("category").as_array()) {
    Category category;
    category.id = text_of(entry, "id", "categories.toml", 0, 80);
    if (!valid_id(category.id)) throw LoadError(where("categories.toml", entry, 0) + ": id must be a-z, 0-9 and '-'");
    if (entry.contains("order") && entry.at("order").is_integer()) category.order = static_cast<int>(entry.at("order").as_integer());
    for (const auto& locale : locales) category.names[locale] = text_of(entry, locale.c_str(), "categories.toml", 0, 100);
    if (library->category(category.id)) throw LoadError(where("categories.toml", entry, 0) + ": category " + category.id + " twice");
    library->categories_.push_back(std::move(category));
  }
  std::stable_sort(library->categories_.begin(), library->categories_.end(),
                   [](const Category& a, const Category& b) { return a.order < b.order; });

  // Synonyms (optional).
  if (fs::exists(dir / "synonyms.toml")) {
    const auto synonyms = parse_toml(read_file(dir / "synonyms.toml", 64 * 1024, "synonyms.toml"), "synonyms.toml", 0);
    if (synonyms.contains("groups")) {
      for (const auto& group : synonyms.at("groups").as_array()) {
        std::vector<std::string> words;
        for (const auto& word : group.as_array()) {
          if (!word.is_string()) throw LoadError(where("synonyms.toml", word, 0) + ": synonyms are text");
          words.push_back(lower_ascii(fold()(word.as_string().str)));
        }
        if (words.size() > 1) library->synonyms_.push_back(std::move(words));
      }
    }
  }

  // Articles.
  std::vector<fs::path> files;
  for (const auto& locale : locales) {
    if (!fs::is_directory(dir / locale, ec)) continue;
    for (const auto& entry : fs::directory_iterator(dir / locale))
      if (entry.is_regular_file() && entry.path().extension() == ".md") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (files.size() > max_articles)
    throw LoadError(dir.string() + ": more than " + std::to_string(max_articles) + " articles");
  for (const auto& file : files) {
    const std::string name = fs::relative(file, dir).string();
    const std::string text = read_file(file, max_article_bytes, name);
    if (!text.starts_with("+++\n")) throw LoadError(name + ":1: an article starts with +++, its front matter, and +++");
    const auto end = text.find("\n+++\n", 3);
    if (end == std::string::npos) throw LoadError(name + ": the front matter has no closing +++");
    const auto front = parse_toml(text.substr(4, end - 3), name, 1);
    Article article;
    article.id = text_of(front, "id", name, 1, 80);
    if (!valid_id(article.id)) throw LoadError(where(name, front.at("id"), 1) + ": id must be a-z, 0-9 and '-'");
    article.locale = text_of(front, "locale", name, 1, 10);
    if (article.locale != file.parent_path().filename().string())
      throw LoadError(where(name, front.at("locale"), 1) + ": locale " + article.locale + " in the " +
                      file.parent_path().filename().string() + " folder");
    article.category = text_of(front, "category", name, 1, 80);
    if (!library->category(article.category))
      throw LoadError(where(name, front.at("category"), 1) + ": no category " + article.category + " in categories.toml");
    article.title = text_of(front, "title", name, 1, 200);
    if (front.contains("tags")) {
      if (!front.at("tags").is_array()) throw LoadError(where(name, front.at("tags"), 1) + ": tags is a list of words");
      for (const auto& tag : front.at("tags").as_array()) {
        if (!tag.is_string()) throw LoadError(where(name, tag, 1) + ": tags is a list of words");
        article.tags.push_back(tag.as_string().str);
      }
    }
    if (library->find(article.locale, article.id)) throw LoadError(name + ": id " + article.id + " is used twice in " + article.locale);
    const std::string body = text.substr(end + 5);
    cmark_node* root = cmark_parse_document(body.data(), body.size(), CMARK_OPT_SMART);
    char* html = cmark_render_html(root, CMARK_OPT_SMART);  // no CMARK_OPT_UNSAFE: raw HTML and javascript: links are dropped
    article.html = html;
    std::free(html);
    article.text = plain_text(root);
    cmark_node_free(root);
    article.summary = summary_of(article.text, 160);
    article.source = name;
    library->articles_.push_back(std::move(article));
  }

  // The index: title, tags and the category's name weigh more than the body.
  Xapian::TermGenerator generator;
  generator.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  generator.set_stemmer(Xapian::Stem("english"));
  generator.set_stopper(&library->index_->stopper);
  generator.set_stopper_strategy(Xapian::TermGenerator::STOP_STEMMED);
  for (std::size_t i = 0; i < library->articles_.size(); ++i) {
    const auto& article = library->articles_[i];
    Xapian::Document doc;
    generator.set_document(doc);
    generator.index_text(fold()(article.title), 4);
    generator.increase_termpos();
    for (const auto& tag : article.tags) {
      generator.index_text(fold()(tag), 3);
      generator.increase_termpos();
    }
    if (const auto* category = library->category(article.category)) {
      generator.index_text(fold()(category->name(article.locale)), 3);
      generator.increase_termpos();
    }
    generator.index_text(fold()(article.text));
    doc.add_boolean_term(locale_term(article.locale));
    library->index_->db.replace_document(static_cast<Xapian::docid>(i + 1), doc);
  }
  library->index_->db.commit();
  return library;
}

const Category* Library::category(std::string_view id) const {
  for (const auto& c : categories_)
    if (c.id == id) return &c;
  return nullptr;
}

const Article* Library::find(std::string_view locale, std::string_view id) const {
  for (const auto& a : articles_)
    if (a.locale == locale && a.id == id) return &a;
  return nullptr;
}

std::vector<const Article*> Library::articles(std::string_view locale) const {
  std::vector<const Article*> out;
  for (const auto& a : articles_)
    if (a.locale == locale) out.push_back(&a);
  std::map<std::string, int, std::less<>> order;
  for (const auto& c : categories_) order[c.id] = c.order;
  std::stable_sort(out.begin(), out.end(), [&](const Article* a, const Article* b) {
    const int oa = order[a->category], ob = order[b->category];
    return oa != ob ? oa < ob : a->title < b->title;
  });
  return out;
}

std::vector<Hit> Library::search(std::string_view query, std::string_view locale, std::size_t limit) const {
  std::string text = lower_ascii(fold()(std::string(query.substr(0, max_query_chars * 4))));
  // Synonym groups: a word of a group brings the others in (at lower weight).
  std::string expansion;
  for (const auto& group : synonyms_)
    if (std::any_of(group.begin(), group.end(), [&](const std::string& w) { return mentions(text, w); }))
      for (const auto& w : group)
        if (!mentions(text, w)) expansion += " " + w;

  std::lock_guard lock(mutex_);
  auto& db = index_->db;
  // No query language: what a visitor types is a bag of words and, for
  // Chinese, of characters and character pairs (the n-grams the articles were
  // indexed with), any of which may match; BM25 ranks the articles that match
  // the most and the rarest first. (Xapian's query parser would require every
  // n-gram of a Chinese sentence, so a sentence would find nothing.)
  Xapian::TermGenerator generator;
  generator.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  generator.set_stemmer(Xapian::Stem("english"));
  generator.set_stopper(&index_->stopper);
  generator.set_stopper_strategy(Xapian::TermGenerator::STOP_ALL);
  auto terms_of = [&](const std::string& words) {
    Xapian::Document scratch;
    generator.set_document(scratch);
    generator.index_text(words);
    // A single Chinese character says little when the text has pairs (出 of 出金
    // is in every other article): then only the pairs count.
    auto chinese = [](const std::string& term, std::size_t chars) {
      return term.size() == 3 * chars && static_cast<unsigned char>(term[0]) >= 0xE0;
    };
    bool pairs = false;
    for (auto t = scratch.termlist_begin(); t != scratch.termlist_end() && !pairs; ++t) pairs = chinese(*t, 2);
    std::vector<Xapian::Query> terms;
    for (auto t = scratch.termlist_begin(); t != scratch.termlist_end() && terms.size() < 200; ++t)
      if (!(pairs && chinese(*t, 1))) terms.emplace_back(*t, t.get_wdf());
    return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
  };
  Xapian::Query match = terms_of(text);
  // As the visitor types, the last word may be half-written: its completions count too.
  if (!text.empty() && std::isalpha(static_cast<unsigned char>(text.back()))) {
    auto start = text.size();
    while (start > 0 && std::isalpha(static_cast<unsigned char>(text[start - 1]))) --start;
    const auto last = text.substr(start);
    if (last.size() >= 3 && !stop_words().count(last))
      match = Xapian::Query(Xapian::Query::OP_OR, match,
                            Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                                          Xapian::Query(Xapian::Query::OP_WILDCARD, last, 20,
                                                        Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT),
                                          0.5));
  }
  if (!expansion.empty())
    match = Xapian::Query(Xapian::Query::OP_OR, match, Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, terms_of(expansion), 0.8));
  if (match.empty()) return {};
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, match, Xapian::Query(locale_term(locale))));
  const auto mset = enquire.get_mset(0, std::clamp<std::size_t>(limit, 1, max_results));
  std::vector<Hit> hits;
  for (auto it = mset.begin(); it != mset.end(); ++it) {
    const auto& article = articles_.at(*it - 1);
    Hit hit{&article, it.get_weight(), {}};
    hit.snippet = mset.snippet(fold()(article.text), 180, Xapian::Stem("english"),
                               Xapian::MSet::SNIPPET_CJK_NGRAM | Xapian::MSet::SNIPPET_BACKGROUND_MODEL);
    for (auto at = hit.snippet.find("</b><b>"); at != std::string::npos; at = hit.snippet.find("</b><b>", at))
      hit.snippet.erase(at, 7);
    hits.push_back(std::move(hit));
  }
  return hits;
}

bool is_locale(std::string_view locale) { return std::find(locales.begin(), locales.end(), locale) != locales.end(); }

std::string locale_for(std::string_view accept_language) {
  // The first language named decides: zh, zh-CN, zh-Hans, zh-TW... read Chinese.
  auto first = accept_language.substr(0, accept_language.find_first_of(",;"));
  while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
  return lower_ascii(first.substr(0, 2)) == "zh" ? "zh-CN" : "en";
}

std::string folder_version(const fs::path& dir) {
  std::string version;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    version += it->path().string() + ":" + std::to_string(it->file_size(ec)) + ":" +
               std::to_string(it->last_write_time(ec).time_since_epoch().count()) + "\n";
  }
  return version;
}

}  // namespace parley::help
