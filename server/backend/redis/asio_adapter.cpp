#include "backend/redis/asio_adapter.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <hiredis/async.h>

#include <memory>

namespace parley::backend::redis {
namespace {

namespace asio = boost::asio;

class Adapter : public std::enable_shared_from_this<Adapter> {
 public:
  Adapter(redisAsyncContext* context, asio::any_io_executor executor)
      : context_(context), socket_(executor, context->c.fd) {}

  // hiredis keeps a raw pointer to this holder; it owns one reference.
  struct Handle {
    std::shared_ptr<Adapter> adapter;
  };

  void add_read() {
    reading_ = true;
    if (!read_waiting_) wait(asio::posix::stream_descriptor::wait_read);
  }
  void del_read() { reading_ = false; }
  void add_write() {
    writing_ = true;
    if (!write_waiting_) wait(asio::posix::stream_descriptor::wait_write);
  }
  void del_write() { writing_ = false; }

  // The context is being freed: stop touching it and give the fd back.
  void cleanup() {
    context_ = nullptr;
    reading_ = writing_ = false;
    boost::system::error_code ignored;
    socket_.cancel(ignored);
    socket_.release();
  }

 private:
  void wait(asio::posix::stream_descriptor::wait_type type) {
    const bool read = type == asio::posix::stream_descriptor::wait_read;
    (read ? read_waiting_ : write_waiting_) = true;
    socket_.async_wait(type, [self = shared_from_this(), read](boost::system::error_code ec) {
      (read ? self->read_waiting_ : self->write_waiting_) = false;
      if (ec || !self->context_) return;
      if (read && self->reading_) redisAsyncHandleRead(self->context_);
      if (!read && self->writing_) redisAsyncHandleWrite(self->context_);
      // The handler may have freed the context; only a live one waits again.
      if (!self->context_) return;
      if (read && self->reading_ && !self->read_waiting_) self->wait(asio::posix::stream_descriptor::wait_read);
      if (!read && self->writing_ && !self->write_waiting_) self->wait(asio::posix::stream_descriptor::wait_write);
    });
  }

  redisAsyncContext* context_;
  asio::posix::stream_descriptor socket_;
  bool reading_ = false;
  bool writing_ = false;
  bool read_waiting_ = false;
  bool write_waiting_ = false;
};

Adapter& of(void* privdata) { return *static_cast<Adapter::Handle*>(privdata)->adapter; }

}  // namespace

bool attach_asio(redisAsyncContext* context, boost::asio::any_io_executor executor) {
  if (context->ev.data != nullptr) return false;
  auto* handle = new Adapter::Handle{std::make_shared<Adapter>(context, std::move(executor))};
  context->ev.data = handle;
  context->ev.addRead = [](void* p) { of(p).add_read(); };
  context->ev.delRead = [](void* p) { of(p).del_read(); };
  context->ev.addWrite = [](void* p) { of(p).add_write(); };
  context->ev.delWrite = [](void* p) { of(p).del_write(); };
  context->ev.cleanup = [](void* p) {
    auto* h = static_cast<Adapter::Handle*>(p);
    h->adapter->cleanup();
    delete h;  // waits still in flight keep the Adapter itself alive
  };
  return true;
}

}  // namespace parley::backend::redis
