#pragma once
// Drives an io_context until a condition holds or the time is up: tests wait
// for an event, never for a fixed time.

#include <boost/asio/io_context.hpp>

#include <chrono>

namespace parley::test {

template <class Done>
bool run_until(boost::asio::io_context& io, Done&& done,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
  io.restart();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) io.run_one_until(deadline);
  return done();
}

}  // namespace parley::test
