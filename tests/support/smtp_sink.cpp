#include "support/smtp_sink.hpp"

#include "support/ready_line.hpp"
#include "support/redis_server.hpp"

#include <algorithm>
#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PARLEY_SOURCE_DIR
#error "PARLEY_SOURCE_DIR must be defined"
#endif

namespace parley::test {

SmtpSink::SmtpSink(std::vector<std::string> extra_args, bool start_now) : extra_args_(std::move(extra_args)) {
  char pattern[] = "/tmp/parley-smtp-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  port_ = free_port();
  if (start_now) start();
}

SmtpSink::~SmtpSink() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void SmtpSink::start() {
  std::vector<std::string> args{"/usr/bin/python3", std::string(PARLEY_SOURCE_DIR) + "/tests/support/smtp_sink.py", "--port",
                                std::to_string(port_), "--dir", dir_.string()};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  int output = -1;
  pid_ = spawn_test_server(std::move(args), output);
  if (!wait_for_ready_line(output, "ready", std::chrono::seconds(20), drain_)) {
    stop();
    throw std::runtime_error("the SMTP sink did not start on port " + std::to_string(port_));
  }
}

void SmtpSink::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  if (drain_.joinable()) drain_.join();
}

std::vector<std::string> SmtpSink::messages() const {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir_))
    if (e.path().extension() == ".eml") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<std::string> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    out.push_back(text.str());
  }
  return out;
}

std::vector<std::string> SmtpSink::wait_for(std::size_t count, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto got = messages();
  while (got.size() < count && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    got = messages();
  }
  return got;
}

}  // namespace parley::test
