#pragma once
// Starts the real parley-server binary on a free loopback port and stops it
// when the object goes away. The port is read from the server's first stdout
// line, so the test waits on an event, not on a sleep.

#include <string>
#include <vector>

#include <sys/types.h>

namespace parley::test {

// How the child is started, beyond its flags.
struct ProcessOptions {
  long open_files_limit = 0;  // > 0: RLIMIT_NOFILE of the server (ulimit -n)
  std::string stderr_file;    // set: the server's stderr goes to this file
};

class ServerProcess {
 public:
  explicit ServerProcess(std::vector<std::string> extra_args = {}, ProcessOptions options = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running();  // false once the process has exited
  // SIGTERM, then the exit status (as from waitpid).
  int stop();
  void signal(int number);
  // A full disk, as the server meets it: from now on no file of the process
  // may grow past `bytes` (RLIMIT_FSIZE; writes past it fail with EFBIG);
  // 0 lifts the limit again (room was made).
  void limit_file_size(long bytes);
  int wait();  // blocks until the process exits; its status

 private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  int status_ = 0;
};

// Path of the data file shipped with the tests (tests/data/NAME).
std::string test_data(const std::string& name);

}  // namespace parley::test
