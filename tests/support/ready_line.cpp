#include "support/ready_line.hpp"

#include <condition_variable>
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

}  // namespace parley::test
