#include "support/server_process.hpp"

#include <algorithm>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace parley::test {

ServerProcess::ServerProcess(std::vector<std::string> extra_args, ProcessOptions options) {
  std::vector<std::string> args{PARLEY_SERVER_PATH, "--listen", "127.0.0.1:0", "--threads", "2"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  // A test that names no system of record keeps nothing (the server's default is ./data).
  const bool keeps_records = std::any_of(extra_args.begin(), extra_args.end(), [](const std::string& a) {
    return a == "--data-dir" || a == "--database" || a == "--redis" || a == "--memory-only" || a == "--help" ||
           a == "--version";
  });
  if (!keeps_records) args.push_back("--memory-only");
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    // A test that crashes must not leave its server running (and holding its output pipe).
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (options.open_files_limit > 0) {
      const rlimit limit{static_cast<rlim_t>(options.open_files_limit), static_cast<rlim_t>(options.open_files_limit)};
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    // A write past RLIMIT_FSIZE (limit_file_size) must fail, not kill.
    ::signal(SIGXFSZ, SIG_IGN);
    if (!options.stderr_file.empty()) {
      const int fd = ::open(options.stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) dup2(fd, STDERR_FILENO), close(fd);
    }
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  // Blocks until the server prints its address (or exits).
  FILE* stream = fdopen(out[0], "r");
  char line[512] = {};
  const bool got = fgets(line, sizeof line, stream) != nullptr;
  fclose(stream);
  const char* at = got ? std::strstr(line, "127.0.0.1:") : nullptr;
  if (!at) {
    stop();
    throw std::runtime_error("parley-server did not start: " + std::string(line));
  }
  port_ = static_cast<unsigned short>(std::atoi(at + std::strlen("127.0.0.1:")));
}

ServerProcess::~ServerProcess() { stop(); }

bool ServerProcess::running() {
  if (pid_ <= 0) return false;
  if (waitpid(pid_, &status_, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

int ServerProcess::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, &status_, 0);
    pid_ = -1;
  }
  return status_;
}

void ServerProcess::limit_file_size(long bytes) {
  const rlimit limit{bytes > 0 ? static_cast<rlim_t>(bytes) : RLIM_INFINITY, RLIM_INFINITY};
  if (::prlimit(pid_, RLIMIT_FSIZE, &limit, nullptr) != 0) throw std::runtime_error("prlimit failed");
}

void ServerProcess::signal(int number) {
  if (pid_ > 0) kill(pid_, number);
}

int ServerProcess::wait() {
  if (pid_ > 0) {
    waitpid(pid_, &status_, 0);
    pid_ = -1;
  }
  return status_;
}

std::string test_data(const std::string& name) { return std::string(PARLEY_TEST_DATA_DIR) + "/" + name; }

}  // namespace parley::test
