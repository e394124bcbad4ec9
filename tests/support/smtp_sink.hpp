#pragma once
// A real SMTP server for tests (tests/support/smtp_sink.py on Debian's
// python3-aiosmtpd): own port, own directory of received messages, stopped at
// the end; it can be stopped and started again on the same port (the relay
// down and back up). Readiness is its "ready" line, not a sleep.

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace parley::test {

class SmtpSink {
 public:
  explicit SmtpSink(std::vector<std::string> extra_args = {}, bool start_now = true);
  ~SmtpSink();
  SmtpSink(const SmtpSink&) = delete;
  SmtpSink& operator=(const SmtpSink&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  void start();
  void stop();
  // The messages received so far, oldest first (whole, with the envelope as
  // X-Envelope-From/-To lines first).
  std::vector<std::string> messages() const;
  // Waits until at least `count` messages arrived (checking every 20 ms); they, or fewer at the timeout.
  std::vector<std::string> wait_for(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

 private:
  std::filesystem::path dir_;
  std::vector<std::string> extra_args_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
  std::thread drain_;
};

}  // namespace parley::test
