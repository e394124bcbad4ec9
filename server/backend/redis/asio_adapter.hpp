#pragma once
// Drives a hiredis async context from an Asio executor: hiredis' five event
// hooks (add/del read, add/del write, cleanup) become async_wait calls on a
// posix::stream_descriptor. hiredis owns and closes the fd, so cleanup
// releases it instead of closing. Every wait holds the adapter alive, and a
// wait that completes after cleanup (the context was freed, possibly inside
// its own callback) does nothing.

#include <boost/asio/any_io_executor.hpp>

struct redisAsyncContext;

namespace parley::backend::redis {

// Attaches to `context` (fills context->ev). Returns false if it already has
// an event library. The adapter frees itself after hiredis calls cleanup.
bool attach_asio(redisAsyncContext* context, boost::asio::any_io_executor executor);

}  // namespace parley::backend::redis
