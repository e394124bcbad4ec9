#include "support/ready_line.hpp"

#include <csignal>
#include <condition_variable>
#include <stdexcept>

#include <sys/prctl.h>
#include <unistd.h>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

namespace parley::test {

bool wait_for_ready_line(int fd, const char* marker, std::chrono::seconds timeout, std::thread& drain) {
  struct Shared {
    std::mutex mutex;
    std::condition_variable cv;
    bool ready = false, ended = false;
  };
  auto shared = std::make_shared<Shared>();
  drain = std::thread([fd, shared, wanted = std::string(marker)] {
    FILE* stream = ::fdopen(fd, "r");
    char line[2048];
    while (std::fgets(line, sizeof line, stream)) {
      if (std::strstr(line, wanted.c_str())) {
        std::lock_guard lock(shared->mutex);
        shared->ready = true;
        shared->cv.notify_all();
      }
    }
    std::fclose(stream);
    std::lock_guard lock(shared->mutex);
    shared->ended = true;
    shared->cv.notify_all();
  });
  std::unique_lock lock(shared->mutex);
  shared->cv.wait_for(lock, timeout, [&] { return shared->ready || shared->ended; });
  return shared->ready;
}

pid_t spawn_test_server(std::vector<std::string> args, int& output) {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  output = out[0];
  return pid;
}

}  // namespace parley::test
