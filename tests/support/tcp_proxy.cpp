#include "support/tcp_proxy.hpp"

#include <boost/asio.hpp>

#include <functional>
#include <future>
#include <list>
#include <thread>

namespace parley::test {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

struct TcpProxy::Link : std::enable_shared_from_this<TcpProxy::Link> {
  Link(TcpProxy& owner, tcp::socket accepted)
      : proxy(owner), client(std::move(accepted)), server(client.get_executor()), timer(client.get_executor()) {}
  TcpProxy& proxy;
  tcp::socket client;
  tcp::socket server;
  asio::steady_timer timer;
  std::array<char, 16384> up{}, down{};
  std::size_t down_bytes = 0;
  std::size_t cut_after = 0;
  bool closed = false;

  void start(unsigned short target) {
    cut_after = proxy.cut_after_;
    server.async_connect({asio::ip::make_address("127.0.0.1"), target}, [self = shared_from_this()](error_code ec) {
      if (ec) return self->close(false);
      self->pump_up();
      self->pump_down();
    });
  }
  // Client to server: passed on as it comes.
  void pump_up() {
    client.async_read_some(asio::buffer(up), [self = shared_from_this()](error_code ec, std::size_t n) {
      if (ec) return self->close(false);
      asio::async_write(self->server, asio::buffer(self->up, n), [self](error_code write_ec, std::size_t) {
        if (write_ec) return self->close(false);
        self->pump_up();
      });
    });
  }
  // Server to client: where the faults are.
  void pump_down() {
    if (closed) return;
    if (proxy.stalled_) return wait_then_pump(std::chrono::milliseconds(10));
    std::size_t budget = down.size();
    if (auto rate = proxy.bytes_per_second_.load()) budget = std::max<std::size_t>(1, std::min(budget, rate / 20));
    server.async_read_some(asio::buffer(down.data(), budget), [self = shared_from_this()](error_code ec, std::size_t n) {
      if (ec) return self->close(false);
      std::size_t pass = n;
      const bool cut = self->cut_after != 0 && self->down_bytes + n >= self->cut_after;
      if (cut) pass = self->cut_after - self->down_bytes;
      self->down_bytes += pass;
      asio::async_write(self->client, asio::buffer(self->down.data(), pass), [self, cut](error_code write_ec, std::size_t) {
        if (write_ec) return self->close(false);
        if (cut) return self->close(true);
        if (self->proxy.bytes_per_second_) return self->wait_then_pump(std::chrono::milliseconds(50));
        self->pump_down();
      });
    });
  }
  void wait_then_pump(std::chrono::milliseconds delay) {
    timer.expires_after(delay);
    timer.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->pump_down();
    });
  }
  // A cut is a reset (linger 0), as when a network path dies.
  void close(bool as_cut) {
    if (closed) return;
    closed = true;
    if (as_cut) ++proxy.cut_;
    error_code ignored;
    client.set_option(asio::socket_base::linger(true, 0), ignored);
    server.set_option(asio::socket_base::linger(true, 0), ignored);
    client.close(ignored);
    server.close(ignored);
    timer.cancel();
  }
};

struct TcpProxy::Impl {
  Impl(TcpProxy& proxy, unsigned short target_port) : owner(proxy), target(target_port) {}
  TcpProxy& owner;
  asio::io_context io;
  tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), 0}};
  unsigned short target;
  std::list<std::weak_ptr<Link>> links;
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec) return;
      auto link = std::make_shared<Link>(owner, std::move(socket));
      links.remove_if([](const auto& weak) { return weak.expired(); });
      links.push_back(link);
      link->start(target);
      accept();
    });
  }
};

TcpProxy::TcpProxy(unsigned short target_port) : impl_(std::make_unique<Impl>(*this, target_port)) {
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

TcpProxy::~TcpProxy() {
  asio::post(impl_->io, [this] {
    error_code ignored;
    impl_->acceptor.close(ignored);
    for (auto& weak : impl_->links)
      if (auto link = weak.lock()) link->close(false);
  });
  impl_->thread.join();
}

unsigned short TcpProxy::port() const { return impl_->acceptor.local_endpoint().port(); }

void TcpProxy::cut_all() {
  std::promise<void> done;
  asio::post(impl_->io, [this, &done] {
    for (auto& weak : impl_->links)
      if (auto link = weak.lock()) link->close(true);
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace parley::test
