#include "mail/lmtp_server.hpp"

// GCC 12 misreads Asio's coroutine frame allocator (operator new and delete
// of awaitable_frame_base match; GCC bug 109224).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include "metrics/metrics.hpp"
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <optional>
#include <set>

namespace parley::mail {
namespace asio = boost::asio;
using asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::size_t max_command_line = 2048;
constexpr std::size_t max_data_line = 64 * 1024;
constexpr int max_errors = 20;

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// "<addr> PARAMS" after "MAIL FROM:" or "RCPT TO:": the address, or nothing if malformed.
std::optional<std::string> path_of(const std::string& rest, std::string* params) {
  auto s = rest;
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  if (s.empty() || s.front() != '<') return std::nullopt;
  const auto close = s.find('>');
  if (close == std::string::npos) return std::nullopt;
  auto addr = s.substr(1, close - 1);
  // A source route (@a,@b:user@host) is obsolete: keep the mailbox.
  if (!addr.empty() && addr.front() == '@') {
    const auto colon = addr.find(':');
    if (colon == std::string::npos) return std::nullopt;
    addr = addr.substr(colon + 1);
  }
  if (std::any_of(addr.begin(), addr.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f || c == '<' || c == '>'; }))
    return std::nullopt;
  if (params) *params = upper(s.substr(close + 1));
  return addr;
}

}  // namespace

struct LmtpServer::State : std::enable_shared_from_this<LmtpServer::State> {
  State(asio::any_io_executor ex, const tcp::endpoint& endpoint, LmtpSettings s, Deliver d)
      : executor(ex), acceptor(ex, endpoint), settings(std::move(s)), deliver(std::move(d)) {}

  asio::any_io_executor executor;
  tcp::acceptor acceptor;
  LmtpSettings settings;
  Deliver deliver;
  std::mutex mutex;
  std::set<std::shared_ptr<tcp::socket>> sockets;
  bool stopped = false;

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(std::shared_ptr<tcp::socket> socket);
};

namespace {

struct Session {
  tcp::socket& socket;
  asio::steady_timer idle;
  std::string buffer;  // read ahead
  std::chrono::milliseconds timeout;

  Session(tcp::socket& s, std::chrono::milliseconds t) : socket(s), idle(s.get_executor()), timeout(t) {}

  // One line without its CRLF (or LF); nothing at end of stream, timeout or a line over `max`.
  asio::awaitable<std::optional<std::string>> line(std::size_t max, bool* too_long) {
    idle.expires_after(timeout);
    idle.async_wait([&sock = socket](error_code ec) {
      if (!ec) sock.close();  // idle too long
    });
    error_code ec;
    const auto n = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer, max + 2), "\n",
                                                   asio::redirect_error(asio::use_awaitable, ec));
    idle.cancel();
    if (ec) {
      if (too_long) *too_long = ec == asio::error::not_found;
      co_return std::nullopt;
    }
    std::string out = buffer.substr(0, n - 1);
    buffer.erase(0, n);
    if (!out.empty() && out.back() == '\r') out.pop_back();
    co_return out;
  }

  // Closes after a refusal without losing the reply: input the client
  // already sent is read and dropped first (closing with unread input would
  // reset the connection, and the reply with it), for at most 2 s and 1 MiB.
  asio::awaitable<void> close_gently() {
    error_code ec;
    socket.shutdown(tcp::socket::shutdown_send, ec);
    idle.expires_after(std::chrono::seconds(2));
    idle.async_wait([&sock = socket](error_code e) {
      if (!e) sock.close();
    });
    std::array<char, 16 * 1024> scratch;
    for (std::size_t total = 0; !ec && total < 1024 * 1024;)
      total += co_await socket.async_read_some(asio::buffer(scratch), asio::redirect_error(asio::use_awaitable, ec));
    idle.cancel();
  }

  asio::awaitable<bool> say(const std::string& text) {
    error_code ec;
    co_await asio::async_write(socket, asio::buffer(text), asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }
};

}  // namespace

asio::awaitable<void> LmtpServer::State::accept_loop() {
  auto self = shared_from_this();
  for (;;) {
    auto socket = std::make_shared<tcp::socket>(executor);
    error_code ec;
    co_await acceptor.async_accept(*socket, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // a connection that failed before it was accepted
    bool busy;
    {
      std::lock_guard lock(mutex);
      busy = sockets.size() >= settings.max_sessions;
      if (!busy) sockets.insert(socket);
    }
    if (busy) {
      asio::co_spawn(
          executor,
          [socket]() -> asio::awaitable<void> {
            error_code ignored;
            co_await asio::async_write(*socket, asio::buffer(std::string("421 4.3.2 too many sessions; try again later\r\n")),
                                       asio::redirect_error(asio::use_awaitable, ignored));
            socket->close(ignored);
          },
          asio::detached);
      continue;
    }
    asio::co_spawn(executor, session(socket), asio::detached);
  }
}

asio::awaitable<void> LmtpServer::State::session(std::shared_ptr<tcp::socket> socket) {
  auto self = shared_from_this();
  struct Counted {
    Counted() { metrics::process().connection_opened(metrics::Connection::lmtp); }
    ~Counted() { metrics::process().connection_closed(metrics::Connection::lmtp); }
  } counted;
  Session s(*socket, settings.idle_timeout);
  const auto& host = settings.host_name;
  bool greeted = false;
  std::optional<Envelope> envelope;
  int errors = 0;
  auto fail = [&](const std::string& reply) -> std::string {
    ++errors;
    return reply;
  };
  if (co_await s.say("220 " + host + " LMTP Parley ready\r\n")) {
    for (;;) {
      if (errors >= max_errors) {
        if (co_await s.say("421 4.7.0 too many errors; closing\r\n")) co_await s.close_gently();
        break;
      }
      bool too_long = false;
      auto line = co_await s.line(max_command_line, &too_long);
      if (!line) {
        if (too_long && co_await s.say("500 5.5.2 line too long; closing\r\n")) co_await s.close_gently();
        break;
      }
      const auto space = line->find(' ');
      const auto verb = upper(line->substr(0, space));
      const auto arg = space == std::string::npos ? std::string() : line->substr(space + 1);
      std::string reply;
      if (verb == "LHLO") {
        if (arg.empty()) {
          reply = fail("501 5.5.4 LHLO needs a host name\r\n");
        } else {
          greeted = true;
          envelope.reset();
          reply = "250-" + host + "\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 SIZE " +
                  std::to_string(settings.max_message_bytes) + "\r\n";
        }
      } else if (verb == "HELO" || verb == "EHLO") {
        reply = fail("500 5.5.1 this is LMTP: say LHLO\r\n");
      } else if (verb == "MAIL") {
        std::string params;
        const auto u = upper(arg);
        auto path = u.rfind("FROM:", 0) == 0 ? path_of(arg.substr(5), &params) : std::nullopt;
        if (!greeted) reply = fail("503 5.5.1 LHLO first\r\n");
        else if (envelope) reply = fail("503 5.5.1 a mail is already under way; RSET first\r\n");
        else if (!path) reply = fail("501 5.5.4 MAIL FROM:<address>\r\n");
        else {
          std::size_t size = 0;
          if (auto at = params.find("SIZE="); at != std::string::npos) {
            try {
              size = std::stoull(params.substr(at + 5));
            } catch (const std::exception&) {
              size = 0;
            }
          }
          if (size > settings.max_message_bytes) {
            reply = fail("552 5.3.4 larger than " + std::to_string(settings.max_message_bytes) + " bytes\r\n");
          } else {
            envelope.emplace();
            envelope->from = *path;
            reply = "250 2.1.0 sender ok\r\n";
          }
        }
      } else if (verb == "RCPT") {
        const auto u = upper(arg);
        auto path = u.rfind("TO:", 0) == 0 ? path_of(arg.substr(3), nullptr) : std::nullopt;
        if (!envelope) reply = fail("503 5.5.1 MAIL first\r\n");
        else if (!path || path->empty()) reply = fail("501 5.5.4 RCPT TO:<address>\r\n");
        else if (envelope->recipients.size() >= settings.max_recipients) reply = "452 4.5.3 too many recipients\r\n";
        else {
          envelope->recipients.push_back(*path);
          reply = "250 2.1.5 recipient ok\r\n";
        }
      } else if (verb == "DATA") {
        if (!envelope || envelope->recipients.empty()) {
          reply = fail("503 5.5.1 RCPT first\r\n");
        } else {
          if (!co_await s.say("354 send the message, end with a line of a single dot\r\n")) break;
          std::string raw;
          bool over = false, broken = false;
          for (;;) {
            bool long_line = false;
            auto data = co_await s.line(max_data_line, &long_line);
            if (!data) {
              broken = true;
              if (long_line && co_await s.say("500 5.5.2 line too long; closing\r\n")) co_await s.close_gently();
              break;
            }
            if (*data == ".") break;
            if (!data->empty() && data->front() == '.') data->erase(0, 1);  // dot-stuffing
            if (raw.size() + data->size() + 2 > settings.max_message_bytes) over = true;
            if (!over) {
              raw += *data;
              raw += "\r\n";
            }
          }
          if (broken) break;
          LmtpReply answer;
          if (over) {
            answer = {552, "5.3.4 larger than " + std::to_string(settings.max_message_bytes) + " bytes; not stored"};
          } else {
            // Wait for the store: one answer, then one line per recipient.
            auto wait = std::make_shared<asio::steady_timer>(executor, asio::steady_timer::time_point::max());
            auto result = std::make_shared<std::optional<LmtpReply>>();
            deliver(*envelope, std::move(raw), [result, wait](LmtpReply r) {
              asio::post(wait->get_executor(), [result, wait, r = std::move(r)]() mutable {
                *result = std::move(r);
                wait->cancel();
              });
            });
            error_code ignored;
            co_await wait->async_wait(asio::redirect_error(asio::use_awaitable, ignored));
            answer = result->value_or(LmtpReply{451, "4.3.0 not stored; try again later"});
          }
          for (std::size_t i = 0; i < envelope->recipients.size(); ++i)
            reply += std::to_string(answer.code) + " " + answer.text + "\r\n";
          envelope.reset();
        }
      } else if (verb == "RSET") {
        envelope.reset();
        reply = "250 2.0.0 reset\r\n";
      } else if (verb == "NOOP") {
        reply = "250 2.0.0 ok\r\n";
      } else if (verb == "VRFY") {
        reply = "252 2.5.2 cannot verify; send it and see\r\n";
      } else if (verb == "QUIT") {
        co_await s.say("221 2.0.0 bye\r\n");
        break;
      } else {
        reply = fail("500 5.5.2 unknown command\r\n");
      }
      if (!co_await s.say(reply)) break;
    }
  }
  error_code ignored;
  socket->close(ignored);
  std::lock_guard lock(mutex);
  sockets.erase(socket);
}

LmtpServer::LmtpServer(asio::any_io_executor executor, const tcp::endpoint& endpoint, LmtpSettings settings, Deliver deliver)
    : state_(std::make_shared<State>(std::move(executor), endpoint, std::move(settings), std::move(deliver))) {}

LmtpServer::~LmtpServer() { stop(); }

void LmtpServer::start() { asio::co_spawn(state_->executor, state_->accept_loop(), asio::detached); }

void LmtpServer::stop() {
  asio::post(state_->executor, [state = state_] {
    error_code ignored;
    state->acceptor.close(ignored);
    std::lock_guard lock(state->mutex);
    for (const auto& s : state->sockets) s->close(ignored);
  });
}

tcp::endpoint LmtpServer::local_endpoint() const { return state_->acceptor.local_endpoint(); }

}  // namespace parley::mail
