// The help center through the real server: pages in both languages that work
// without JavaScript, the search API with its refusals, nothing outside the
// content folder readable, and articles re-read when the folder changes.
#include "helpers.hpp"
#include "support/temp_dir.hpp"

#include <boost/json.hpp>

#include <fstream>
#include <regex>

using namespace parley;
using namespace parley::test;
namespace json = boost::json;

namespace {

const std::filesystem::path shipped = PARLEY_SOURCE_DIR "/help";

std::vector<std::string> links_to_articles(const std::string& page, const std::string& locale) {
  std::vector<std::string> out;
  const std::regex link("href=\"(/help/" + locale + "/[a-z0-9-]+)\"");
  for (auto it = std::sregex_iterator(page.begin(), page.end(), link); it != std::sregex_iterator(); ++it)
    out.push_back((*it)[1]);
  return out;
}

json::array search(unsigned short port, const std::string& query_string) {
  const auto res = http_get(port, "/api/help/search?" + query_string);
  REQUIRE(res.status == 200);
  return json::parse(res.body).at("results").as_array();
}

}  // namespace

TEST_CASE("help center pages: index, every article and its translation, search, in English and Chinese") {
  ServerProcess server(server_args({"--memory-only", "--help-dir", shipped.string()}));
  const auto port = server.port();
  for (const auto& [accept, locale] : std::vector<std::pair<std::string, std::string>>{
           {"zh-CN,zh;q=0.9", "zh-CN"}, {"en-GB", "en"}, {"", "en"}}) {
    const auto redirect = http_request(port, "GET", "/help", {}, {{"Accept-Language", accept}});
    CHECK(redirect.status == 302);
    CHECK(redirect.headers.at("Location") == "/help/" + locale + "/");
  }
  for (const std::string locale : {"en", "zh-CN"}) {
    INFO(locale);
    const auto index = http_get(port, "/help/" + locale + "/");
    REQUIRE(index.status == 200);
    CHECK(index.content_type == "text/html; charset=utf-8");
    CHECK(index.body.find("<html lang=\"" + locale + "\"") != std::string::npos);
    CHECK(index.body.find("<script") == std::string::npos);  // works without JavaScript
    CHECK(index.headers.at("Content-Security-Policy").find("default-src 'none'") != std::string::npos);
    const auto links = links_to_articles(index.body, locale);
    CHECK(links.size() >= 12);
    const std::string other = locale == "en" ? "zh-CN" : "en";
    for (const auto& link : links) {
      INFO(link);
      const auto article = http_get(port, link);
      REQUIRE(article.status == 200);
      CHECK(article.body.find("<article") != std::string::npos);
      // Its translation is one click away.
      const auto id = link.substr(link.rfind('/') + 1);
      CHECK(article.body.find("href=\"/help/" + other + "/" + id + "\"") != std::string::npos);
    }
  }
  const auto results = http_get(port, "/help/zh-CN/search?q=%E6%8F%90%E7%8E%B0");  // 提现
  REQUIRE(results.status == 200);
  CHECK(results.body.find("href=\"/help/zh-CN/withdrawal-") != std::string::npos);
  const auto css = http_get(port, "/help/help.css");
  CHECK(css.status == 200);
  CHECK(css.content_type == "text/css; charset=utf-8");
}

TEST_CASE("help search API: the top articles for what the visitor types, and clear refusals") {
  ServerProcess server(server_args({"--memory-only", "--help-dir", shipped.string()}));
  const auto port = server.port();
  auto top = search(port, "q=%E5%86%BB%E7%BB%93&locale=zh-CN");  // 冻结
  REQUIRE_FALSE(top.empty());
  CHECK(top.size() <= 3);  // three by default: the widget's suggestions
  CHECK(top[0].at("id") == "account-frozen");
  CHECK(top[0].at("url") == "/help/zh-CN/account-frozen");
  CHECK(search(port, "q=withdrawal+pending&locale=en&limit=10").size() > 3);
  // The reader's language when none is asked for.
  const auto chinese = http_request(port, "GET", "/api/help/search?q=2fa", {}, {{"Accept-Language", "zh-CN"}});
  CHECK(json::parse(chinese.body).at("results").as_array().at(0).at("locale") == "zh-CN");
  // Markup in the query comes back escaped, never as markup.
  const auto page = http_get(port, "/help/en/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E+deposit");
  CHECK(page.body.find("<script>alert") == std::string::npos);
  CHECK(page.body.find("&lt;script&gt;") != std::string::npos);

  struct Bad {
    std::string method, target;
    int status;
    std::string code;
  };
  const std::vector<Bad> refusals{
      {"GET", "/api/help/search?q=x&limit=0", 400, "invalid_request"},
      {"GET", "/api/help/search?q=x&limit=11", 400, "invalid_request"},
      {"GET", "/api/help/search?q=x&limit=abc", 400, "invalid_request"},
      {"GET", "/api/help/search?q=x&limit=99999999999999999999", 400, "invalid_request"},
      {"GET", "/api/help/search?q=x&locale=fr", 400, "invalid_request"},
      {"GET", "/api/help/search?q=" + std::string(201, 'a'), 400, "invalid_request"},
      {"POST", "/api/help/search?q=x", 405, "method_not_allowed"},
      {"GET", "/api/help/nothing", 404, "not_found"},
  };
  for (const auto& r : refusals) {
    INFO(r.method << " " << r.target.substr(0, 60));
    const auto res = http_request(port, r.method, r.target);
    CHECK(res.status == r.status);
    CHECK(json::parse(res.body).at("error").as_string() == r.code);
  }
  // 200 Chinese characters are fine (the limit counts characters, not bytes).
  std::string long_chinese;
  for (int i = 0; i < 200; ++i) long_chinese += "%E6%8F%90";
  CHECK(http_get(port, "/api/help/search?q=" + long_chinese).status == 200);
}

TEST_CASE("the widget on an allowed site may ask for suggestions, other sites' pages may not read them") {
  ServerProcess server(server_args({"--memory-only", "--help-dir", shipped.string(), "--allowed-origin",
                                    "https://www.exchange.example"}));
  const auto allowed = http_request(server.port(), "GET", "/api/help/search?q=2fa", {},
                                    {{"Origin", "https://www.exchange.example"}});
  CHECK(allowed.status == 200);
  CHECK(allowed.headers.at("Access-Control-Allow-Origin") == "https://www.exchange.example");
  CHECK(allowed.headers.count("Access-Control-Allow-Credentials") == 0);
  const auto stranger = http_request(server.port(), "GET", "/api/help/search?q=2fa", {}, {{"Origin", "https://evil.example"}});
  CHECK(stranger.headers.count("Access-Control-Allow-Origin") == 0);
}

TEST_CASE("nothing outside the help folder can be read through /help") {
  TempDir dir("help-escape");
  std::filesystem::copy(shipped, dir.path() / "help", std::filesystem::copy_options::recursive);
  std::ofstream(dir.path() / "secret.md") << "+++\nid = \"secret\"\n+++\nTOP SECRET";
  ServerProcess server(server_args({"--memory-only", "--help-dir", (dir.path() / "help").string()}));
  const std::vector<std::string> targets{
      "/help/en/../../secret",       "/help/en/..%2F..%2Fsecret", "/help/en/%2e%2e/%2e%2e/secret.md",
      "/help/../secret.md",          "/help/en/secret",           "/help/en//etc/passwd",
      "/help/en/reset-2fa.md",       "/help/en/categories.toml",  "/help/categories.toml",
      "/help/fr/",                   "/help/en/reset-2fa/",       "/help/en/RESET-2FA",
      "/help/en/reset-2fa%00",       "/help/zh-CN/..%5c..%5csecret"};
  for (const auto& target : targets) {
    INFO(target);
    const auto res = raw_http(server.port(), "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    CHECK((res.status == 404 || res.status == 400));
    CHECK(res.text.find("TOP SECRET") == std::string::npos);
    CHECK(res.text.find("+++") == std::string::npos);
    CHECK(res.text.find("root:") == std::string::npos);
  }
}

TEST_CASE("a new or changed article appears without a restart, and a broken one keeps the articles before") {
  TempDir dir("help-reload");
  const auto folder = dir.path() / "help";
  std::filesystem::copy(shipped, folder, std::filesystem::copy_options::recursive);
  ServerProcess server(server_args({"--memory-only", "--help-dir", folder.string()}), {.stderr_file = dir.path() / "log"});
  const auto port = server.port();
  auto titles = [&] {
    std::vector<std::string> out;
    const auto list = json::parse(http_get(port, "/api/help/articles?locale=en").body);
    for (const auto& a : list.at("articles").as_array())
      out.emplace_back(a.at("title").as_string());
    return out;
  };
  const auto before = titles().size();
  std::ofstream(folder / "en" / "staking.md")
      << "+++\nid = \"staking\"\nlocale = \"en\"\ncategory = \"trading\"\ntitle = \"Staking rewards\"\n+++\nRewards are paid daily.\n";
  // The server looks at the folder every second; wait for the new article (bounded).
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (titles().size() == before && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(100ms);
  REQUIRE(titles().size() == before + 1);
  CHECK(search(port, "q=staking&locale=en").at(0).at("id") == "staking");

  std::ofstream(folder / "en" / "broken.md") << "+++\nid = \"broken\"\nlocale = \"en\"\n";  // no closing +++
  const auto logged = [&] {
    std::ifstream in(dir.path() / "log");
    return std::string(std::istreambuf_iterator<char>(in), {}).find("en/broken.md") != std::string::npos;
  };
  const auto log_deadline = std::chrono::steady_clock::now() + 10s;
  while (!logged() && std::chrono::steady_clock::now() < log_deadline) std::this_thread::sleep_for(100ms);
  CHECK(logged());
  CHECK(titles().size() == before + 1);  // still served: the articles loaded before
}

TEST_CASE("a server without a help folder has no help center, and says so") {
  ServerProcess server(server_args({"--memory-only", "--help-dir", "/nonexistent/help"}));
  CHECK(http_get(server.port(), "/help/en/").status == 404);
  const auto api = http_get(server.port(), "/api/help/search?q=x");
  CHECK(api.status == 404);
  CHECK(json::parse(api.body).at("error") == "no_help_center");
}

TEST_CASE("articles opened from the widget and readers' answers reach the supervisor's report, and bad answers are refused") {
  TempDir data("help-report");
  ServerProcess server(server_args({"--data-dir", data.path().string(), "--help-dir", shipped.string()}));
  const auto port = server.port();
  const std::string self = "http://127.0.0.1:" + std::to_string(port);
  // Opened from a suggestion: the page offers "did this answer your question?".
  const auto opened = http_get(port, "/help/en/reset-2fa?ref=widget&visitor=v_abc123");
  REQUIRE(opened.status == 200);
  CHECK(opened.body.find("action=\"/help/en/reset-2fa/feedback\"") != std::string::npos);
  CHECK(opened.body.find("name=\"visitor\" value=\"v_abc123\"") != std::string::npos);
  // A forged visitor id is not carried into the page.
  CHECK(http_get(port, "/help/en/reset-2fa?ref=widget&visitor=%22%3E%3Cscript%3E").body.find("<script>") == std::string::npos);

  const std::vector<std::pair<std::string, std::string>> form{{"Content-Type", "application/x-www-form-urlencoded"},
                                                              {"Origin", self}};
  const auto answered = http_request(port, "POST", "/help/en/reset-2fa/feedback", "helpful=yes&visitor=v_abc123", form);
  CHECK(answered.status == 303);
  CHECK(answered.headers.at("Location") == "/help/en/reset-2fa?answered=1");
  const auto thanked = http_get(port, "/help/en/reset-2fa?answered=1");
  CHECK(thanked.body.find("Thank you for telling us.") != std::string::npos);
  CHECK(thanked.body.find("<form class=\"feedback\"") == std::string::npos);

  struct Bad {
    std::string target, body, origin;
    int status;
  };
  const std::vector<Bad> refusals{
      {"/help/en/reset-2fa/feedback", "helpful=maybe", self, 400},
      {"/help/en/reset-2fa/feedback", "", self, 400},
      {"/help/en/reset-2fa/feedback", "helpful=yes", "https://evil.example", 403},
      {"/help/en/no-such-article/feedback", "helpful=yes", self, 404},
      {"/help/fr/reset-2fa/feedback", "helpful=yes", self, 404},
      {"/help/en/reset-2fa", "helpful=yes", self, 405},
  };
  for (const auto& r : refusals) {
    INFO(r.target << " " << r.body << " from " << r.origin);
    const auto res = http_request(port, "POST", r.target, r.body,
                                  {{"Content-Type", "application/x-www-form-urlencoded"}, {"Origin", r.origin}});
    CHECK(res.status == r.status);
  }
  // One address answering again and again is counted 20 times a minute at most, and always thanked.
  for (int i = 0; i < 30; ++i)
    CHECK(http_request(port, "POST", "/help/en/trading-fees/feedback", "helpful=no", form).status == 303);

  const auto token = login(port, "sam");
  // The events are written by the store's thread: ask until the report has them (bounded).
  boost::json::value help;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  do {
    const auto report = http_request(port, "GET", "/api/reports/chats", {}, {{"Authorization", "Bearer " + token}});
    REQUIRE(report.status == 200);
    help = json::parse(report.body).at("help");
  } while (help.at("not_helpful").as_int64() < 17 && std::chrono::steady_clock::now() < deadline);
  CHECK(help.at("opened") == 2);
  CHECK(help.at("judged") == 0);  // their half hour has not ended
  CHECK(help.at("helpful") == 1);
  CHECK(help.at("not_helpful").as_int64() <= 20);
  CHECK(help.at("not_helpful").as_int64() >= 17);  // the bucket's 20, less the answers and openings before
}
