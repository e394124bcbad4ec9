// The help center's library: the shipped articles load, search finds the right
// article for what customers type (Chinese two-character words, Traditional
// characters, English stems, synonyms, half-typed words), hostile queries and
// content are harmless, and a broken content folder names the file at fault.
#include "help/library.hpp"
#include "help/pages.hpp"
#include "support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <set>

using namespace parley;

namespace {

const std::filesystem::path shipped = PARLEY_SOURCE_DIR "/help";

std::string top(const help::Library& library, const std::string& query, const std::string& locale) {
  const auto hits = library.search(query, locale, 3);
  return hits.empty() ? "(nothing)" : hits.front().article->id;
}

}  // namespace

TEST_CASE("the shipped help center: at least 12 articles in each language, each translated, in a known category") {
  const auto library = help::Library::load(shipped);
  for (const auto& locale : help::locales) {
    const auto articles = library->articles(locale);
    CHECK(articles.size() >= 12);
    for (const auto* article : articles) {
      INFO(article->source);
      for (const auto& other : help::locales) CHECK(library->find(other, article->id) != nullptr);
      CHECK(library->category(article->category) != nullptr);
      CHECK_FALSE(article->html.empty());
      CHECK_FALSE(article->summary.empty());
    }
  }
}

TEST_CASE("help search: what customers type finds the right article first, in Chinese and English") {
  const auto library = help::Library::load(shipped);
  struct Case {
    const char* locale;
    const char* query;
    std::set<std::string> expected;  // the top hit is one of these
  };
  const std::vector<Case> cases{
      // Two-character Chinese words.
      {"zh-CN", "提现", {"withdrawal-delays", "withdrawal-limits"}},
      {"zh-CN", "充值", {"deposit-not-credited", "deposit-wrong-network"}},
      {"zh-CN", "冻结", {"account-frozen"}},
      {"zh-CN", "实名", {"identity-verification"}},
      {"zh-CN", "退款", {"refund-policy", "request-refund"}},
      {"zh-CN", "挂单", {"trading-fees"}},
      // Sentences, Traditional characters, synonyms.
      {"zh-CN", "我的充值还没到账", {"deposit-not-credited"}},
      {"zh-CN", "提現一直在處理中", {"withdrawal-delays"}},
      {"zh-CN", "帳戶被凍結了", {"account-frozen"}},
      {"zh-CN", "谷歌验证丢了", {"reset-2fa"}},
      {"zh-CN", "出金", {"withdrawal-delays", "withdrawal-limits"}},
      {"zh-CN", "有人冒充客服找我要助记词", {"phishing-fund-safety"}},
      {"zh-CN", "忘记填备注", {"deposit-wrong-network"}},
      {"zh-CN", "限价单没成交", {"order-not-filled"}},
      // English: stems, synonyms, half-typed words.
      {"en", "my withdrawal is pending", {"withdrawal-delays"}},
      {"en", "withdrawing takes so long", {"withdrawal-delays"}},
      {"en", "lost my authenticator phone", {"reset-2fa"}},
      {"en", "reset 2FA", {"reset-2fa"}},
      {"en", "deposit not credited txid", {"deposit-not-credited"}},
      {"en", "forgot the memo tag", {"deposit-wrong-network"}},
      {"en", "kyc rejected", {"identity-verification"}},
      {"en", "account locked", {"account-frozen"}},
      {"en", "maker taker", {"trading-fees"}},
      {"en", "limit order not filled", {"order-not-filled"}},
      {"en", "how do I request a refund", {"request-refund", "refund-policy"}},
      {"en", "scam on telegram", {"phishing-fund-safety"}},
      {"en", "cash out", {"withdrawal-delays", "withdrawal-limits"}},
      {"en", "withdr", {"withdrawal-delays", "withdrawal-limits"}},
      {"en", "talk to an agent", {"contact-support"}},
  };
  for (const auto& c : cases) {
    const auto found = top(*library, c.query, c.locale);
    INFO(c.locale << ": " << c.query << " -> " << found);
    CHECK(c.expected.count(found) == 1);
  }
}

TEST_CASE("help search ranks the article about the question above ones that only mention its words") {
  const auto library = help::Library::load(shipped);
  // "fees" appear in six articles; the trading fees article is about them.
  const auto hits = library->search("trading fees", "en", 5);
  REQUIRE(hits.size() >= 3);
  CHECK(hits[0].article->id == "trading-fees");
  for (std::size_t i = 1; i < hits.size(); ++i) CHECK(hits[i - 1].score >= hits[i].score);
  // Results stay in the asked language.
  for (const auto& hit : library->search("提现 withdrawal", "zh-CN", 10)) CHECK(hit.article->locale == "zh-CN");
  for (const auto& hit : library->search("提现 withdrawal", "en", 10)) CHECK(hit.article->locale == "en");
}

TEST_CASE("help search: hostile and odd queries are harmless, and snippets are escaped") {
  const auto library = help::Library::load(shipped);
  const std::vector<std::string> queries{"", "   ", "the and of", "AND OR NOT", "\"unbalanced", "((((", "*", "-",
                                         std::string(10'000, 'a'), std::string("nul\0byte", 8), "\x01\x02\x1b[31m",
                                         "\xff\xfe broken utf-8 \xe6\x8f", "'; DROP TABLE articles; --",
                                         "<script>alert(1)</script> deposit", "提现提现提现提现提现提现提现提现提现提现提现"};
  for (const auto& q : queries) {
    INFO(q.substr(0, 40));
    std::vector<help::Hit> hits;
    REQUIRE_NOTHROW(hits = library->search(q, "en", 3));
    CHECK(hits.size() <= 3);
    for (const auto& hit : hits) CHECK(hit.snippet.find("<script") == std::string::npos);
  }
  CHECK(library->search("deposit", "fr", 3).empty());  // no such language: nothing, not an error
}

namespace {

struct Folder {
  test::TempDir dir{"help"};
  Folder() {
    std::filesystem::create_directories(dir.path() / "en");
    std::filesystem::create_directories(dir.path() / "zh-CN");
    write("categories.toml", "[[category]]\nid = \"account\"\nen = \"Account\"\nzh-CN = \"账户\"\n");
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(dir.path() / name) << text; }
  std::string error() const {
    try {
      help::Library::load(dir.path());
    } catch (const help::LoadError& e) {
      return e.what();
    }
    return "no error";
  }
};

std::string article(const std::string& front, const std::string& body = "Text.") {
  return "+++\n" + front + "+++\n" + body;
}
const std::string good_front = "id = \"a\"\nlocale = \"en\"\ncategory = \"account\"\ntitle = \"A\"\n";

}  // namespace

TEST_CASE("an article's Markdown cannot put script, raw HTML or javascript: links on the page") {
  Folder folder;
  folder.write("en/a.md", article(good_front,
                                  "# Hi\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n"
                                  "[click](javascript:alert(1)) [ok](https://example.com/fees) `<b>code</b>`\n"));
  const auto library = help::Library::load(folder.dir.path());
  const auto* a = library->find("en", "a");
  REQUIRE(a);
  CHECK(a->html.find("<script") == std::string::npos);
  CHECK(a->html.find("onerror") == std::string::npos);
  CHECK(a->html.find("javascript:") == std::string::npos);
  CHECK(a->html.find("href=\"https://example.com/fees\"") != std::string::npos);
  CHECK(a->html.find("&lt;b&gt;code&lt;/b&gt;") != std::string::npos);
  const auto page = help::article_page(*library, *a);
  CHECK(page.find("<script") == std::string::npos);
}

TEST_CASE("a broken help folder is refused with the file, the line and the reason") {
  struct Case {
    const char* what;
    std::string file, text, expected;
  };
  const std::vector<Case> cases{
      {"no front matter", "en/a.md", "# Just Markdown", "en/a.md:1"},
      {"unclosed front matter", "en/a.md", "+++\nid = \"a\"\n", "no closing +++"},
      {"bad TOML, with its line", "en/a.md", article("id = \"a\"\nlocale = en\n"), "en/a.md:3"},
      {"missing title", "en/a.md", article("id = \"a\"\nlocale = \"en\"\ncategory = \"account\"\n"), "missing \"title\""},
      {"locale of another folder", "en/a.md", article("id = \"a\"\nlocale = \"zh-CN\"\ncategory = \"account\"\ntitle = \"A\"\n"), "en/a.md:3"},
      {"unknown category", "en/a.md", article("id = \"a\"\nlocale = \"en\"\ncategory = \"nope\"\ntitle = \"A\"\n"), "no category nope"},
      {"an id that is not a slug", "en/a.md", article("id = \"../../etc\"\nlocale = \"en\"\ncategory = \"account\"\ntitle = \"A\"\n"), "a-z"},
      {"tags not a list", "en/a.md", article(good_front + "tags = \"x\"\n"), "tags"},
      {"too large", "en/a.md", article(good_front, std::string(help::max_article_bytes + 1, 'x')), "KiB"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    Folder folder;
    folder.write(c.file, c.text);
    CHECK_THAT(folder.error(), Catch::Contains(c.expected));
  }
  Folder twice;
  twice.write("en/a.md", article(good_front));
  twice.write("en/b.md", article(good_front));
  CHECK_THAT(twice.error(), Catch::Contains("used twice"));
  Folder no_categories;
  std::filesystem::remove(no_categories.dir.path() / "categories.toml");
  CHECK_THAT(no_categories.error(), Catch::Contains("categories.toml"));
}

TEST_CASE("the help center's language follows the reader's first language") {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"}, {"zh-TW", "zh-CN"}, {"zh", "zh-CN"}, {"ZH-hans", "zh-CN"},
      {"en-US,en;q=0.9", "en"}, {"de-DE, zh;q=0.5", "en"}, {"", "en"}, {"*", "en"}, {";;,,", "en"}};
  for (const auto& [header, locale] : cases) {
    INFO(header);
    CHECK(help::locale_for(header) == locale);
  }
}
