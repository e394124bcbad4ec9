#pragma once
// Waits for a test server's "ready" line: reads the child's output from `fd`
// on a thread of its own (stored in `drain`, which keeps the pipe drained until
// the child and everything it started have closed it; join it after the child
// exits). True once a line containing `marker` was seen; false if the output
// ended first or `timeout` passed. Takes ownership of `fd`.

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace parley::test {

bool wait_for_ready_line(int fd, const char* marker, std::chrono::seconds timeout, std::thread& drain);

// Starts a test server: `args[0]` looked up on PATH (or an absolute path), its
// standard output on a pipe whose read end is `output` (for
// wait_for_ready_line). The child dies with the test process, so a crashed
// test leaves no server running and holding the pipe. Throws if the pipe fails.
pid_t spawn_test_server(std::vector<std::string> args, int& output);

}  // namespace parley::test
