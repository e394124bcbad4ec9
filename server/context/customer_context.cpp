#include "context/customer_context.hpp"

#include <boost/json.hpp>
#include <curl/curl.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <memory>

namespace parley::context {
namespace json = boost::json;
namespace {

constexpr std::size_t max_cards = 20, max_tables = 5, max_columns = 8, max_rows = 50, max_chars = 200;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A string of at most max_chars characters (UTF-8), or nothing.
std::optional<std::string> text(const json::value* v) {
  if (!v || !v->is_string()) return std::nullopt;
  std::string s(v->as_string());
  std::size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xc0) != 0x80;
  if (chars > max_chars) return std::nullopt;
  return s;
}

std::optional<std::vector<std::string>> roles(const json::object& o) {
  std::vector<std::string> out;
  const auto* r = o.if_contains("roles");
  if (!r) return out;
  if (!r->is_array() || r->as_array().size() > 4) return std::nullopt;
  for (const auto& role : r->as_array()) {
    auto s = text(&role);
    if (!s || (*s != "agent" && *s != "tier2" && *s != "supervisor" && *s != "admin")) return std::nullopt;
    out.push_back(*s);
  }
  return out;
}

bool allowed(const std::vector<std::string>& roles, const std::string& role) {
  return roles.empty() || std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() + size * count > max_answer_bytes) return 0;  // too large: curl stops with a write error
  body->append(data, size * count);
  return size * count;
}

// One cache entry per customer of a site and viewing role.
std::string key_of(const Request& r) { return r.site + '\x1f' + r.customer_id + '\x1f' + r.agent_role; }

}  // namespace

bool allowed_url(const std::string& url) {
  return url.rfind("https://", 0) == 0 || url.rfind("http://127.0.0.1", 0) == 0 || url.rfind("http://localhost", 0) == 0 ||
         url.rfind("http://[::1]", 0) == 0;
}

std::string signature(const std::string& key, std::int64_t timestamp_s, const std::string& body) {
  const auto message = std::to_string(timestamp_s) + "." + body;
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  std::array<char, crypto_auth_hmacsha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  return std::string("v1=") + hex.data();
}

std::variant<Context, std::string> parse_answer(const std::string& body, std::int64_t now) {
  if (body.size() > max_answer_bytes) return std::string("the answer is larger than 64 KiB");
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::string("the answer is not a JSON object");
  const auto& o = v.as_object();
  Context c;
  c.as_of_ms = now;
  if (const auto* at = o.if_contains("as_of_ms")) {
    if (!at->is_int64() || at->as_int64() <= 0) return std::string("as_of_ms is not a time");
    c.as_of_ms = at->as_int64();
  }
  if (const auto* cards = o.if_contains("cards")) {
    if (!cards->is_array() || cards->as_array().size() > max_cards) return std::string("cards: not a list of at most 20");
    for (const auto& card : cards->as_array()) {
      if (!card.is_object()) return std::string("a card is not an object");
      auto label = text(card.as_object().if_contains("label"));
      auto value = text(card.as_object().if_contains("value"));
      auto r = roles(card.as_object());
      if (!label || !value || !r) return std::string("a card needs label and value as strings of at most 200 characters");
      c.cards.push_back({*label, *value, *r});
    }
  }
  if (const auto* tables = o.if_contains("tables")) {
    if (!tables->is_array() || tables->as_array().size() > max_tables) return std::string("tables: not a list of at most 5");
    for (const auto& table : tables->as_array()) {
      if (!table.is_object()) return std::string("a table is not an object");
      const auto& t = table.as_object();
      Table out;
      auto title = text(t.if_contains("title"));
      auto r = roles(t);
      const auto* columns = t.if_contains("columns");
      const auto* rows = t.if_contains("rows");
      if (!title || !r || !columns || !columns->is_array() || columns->as_array().empty() ||
          columns->as_array().size() > max_columns || !rows || !rows->is_array() || rows->as_array().size() > max_rows)
        return std::string("a table needs a title, 1 to 8 columns and at most 50 rows");
      out.title = *title;
      out.roles = *r;
      for (const auto& col : columns->as_array()) {
        auto s = text(&col);
        if (!s) return std::string("a column name is not a short string");
        out.columns.push_back(*s);
      }
      for (const auto& row : rows->as_array()) {
        if (!row.is_array() || row.as_array().size() != out.columns.size())
          return std::string("a row does not have one string per column");
        auto& cells = out.rows.emplace_back();
        for (const auto& cell : row.as_array()) {
          auto s = text(&cell);
          if (!s) return std::string("a cell is not a string of at most 200 characters (amounts as strings)");
          cells.push_back(*s);
        }
      }
      c.tables.push_back(std::move(out));
    }
  }
  return c;
}

Context for_role(const Context& context, const std::string& role) {
  Context out;
  out.as_of_ms = context.as_of_ms;
  for (const auto& c : context.cards)
    if (allowed(c.roles, role)) out.cards.push_back(c);
  for (const auto& t : context.tables)
    if (allowed(t.roles, role)) out.tables.push_back(t);
  return out;
}

Client::Client(Settings settings) : settings_(std::move(settings)) {
  if (!allowed_url(settings_.url))
    throw std::invalid_argument("the customer context URL must be https:// (or http:// to a loopback address)");
  curl_global_init(CURL_GLOBAL_DEFAULT);
  worker_ = std::thread([this] { run(); });
}

Client::~Client() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

std::uint64_t Client::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}

void Client::fetch(const Request& request, std::function<void(Answer)> done) {
  const auto key = key_of(request);
  std::optional<Answer> ready;
  {
    std::lock_guard lock(mutex_);
    const auto now = now_ms();
    if (auto it = cache_.find(key); it != cache_.end() && now - it->second.at_ms < settings_.fresh.count()) {
      ready = it->second.answer;
      ready->cached = true;
    } else if (now < paused_until_ms_) {
      ready = Answer{std::nullopt, "paused after failures: " + last_failure_, false};
    } else {
      auto& callers = waiting_[key];
      callers.push_back(std::move(done));
      if (callers.size() == 1) queue_.push_back(request);  // the others wait for the same call
    }
  }
  if (ready) return done(std::move(*ready));
  wake_.notify_one();
}

void Client::run() {
  for (;;) {
    Request request;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      request = queue_.front();
      queue_.pop_front();
      ++calls_;
    }
    auto answer = call(request);
    const auto key = key_of(request);
    std::vector<std::function<void(Answer)>> callers;
    {
      std::lock_guard lock(mutex_);
      const auto now = now_ms();
      if (answer.context) {
        failures_ = 0;
        if (cache_.size() >= settings_.max_cached && !cache_.count(key)) {
          auto oldest = std::min_element(cache_.begin(), cache_.end(),
                                         [](const auto& a, const auto& b) { return a.second.at_ms < b.second.at_ms; });
          cache_.erase(oldest);
        }
        cache_[key] = {answer, now};
      } else {
        ++failures_;
        last_failure_ = answer.unavailable;
        if (failures_ >= 2) paused_until_ms_ = now + std::min<std::int64_t>(60'000, 1000LL << std::min(failures_ - 2, 6));
      }
      callers = std::move(waiting_[key]);
      waiting_.erase(key);
    }
    for (auto& done : callers) done(answer);
  }
}

Answer Client::call(const Request& request) {
  const auto body = json::serialize(json::object{{"customer_id", request.customer_id},
                                                 {"site", request.site},
                                                 {"conversation_id", request.conversation_id},
                                                 {"agent_role", request.agent_role}});
  const auto timestamp = now_ms() / 1000;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return {std::nullopt, "the HTTP client could not start", false};
  auto* h = curl.get();
  std::string answer;
  char error[CURL_ERROR_SIZE] = "";
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  headers = curl_slist_append(headers, ("X-Parley-Timestamp: " + std::to_string(timestamp)).c_str());
  headers = curl_slist_append(headers, ("X-Parley-Signature: " + signature(settings_.key, timestamp, body)).c_str());
  curl_easy_setopt(h, CURLOPT_URL, settings_.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.deadline.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  if (!settings_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, settings_.ca_file.c_str());
  const auto rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  if (rc == CURLE_OPERATION_TIMEDOUT) return {std::nullopt, "the exchange did not answer within 2.5 s", false};
  if (rc == CURLE_WRITE_ERROR) return {std::nullopt, "the answer is larger than 64 KiB", false};
  if (rc != CURLE_OK) return {std::nullopt, std::string("the exchange cannot be reached: ") + (error[0] ? error : curl_easy_strerror(rc)), false};
  if (status != 200) return {std::nullopt, "the exchange answered HTTP " + std::to_string(status), false};
  auto parsed = parse_answer(answer, now_ms());
  if (auto* why = std::get_if<std::string>(&parsed)) return {std::nullopt, "the exchange's answer was refused: " + *why, false};
  return {std::get<Context>(std::move(parsed)), "", false};
}

}  // namespace parley::context
