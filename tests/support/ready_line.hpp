#pragma once
// Waits for a test server's "ready" line: reads the child's output from `fd`
// on a thread of its own (stored in `drain`, which keeps the pipe drained until
// the child and everything it started have closed it; join it after the child
// exits). True once a line containing `marker` was seen; false if the output
// ended first or `timeout` passed. Takes ownership of `fd`.

#include <chrono>
#include <thread>

namespace parley::test {

bool wait_for_ready_line(int fd, const char* marker, std::chrono::seconds timeout, std::thread& drain);

}  // namespace parley::test
