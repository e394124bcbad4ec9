// parley-server: parse flags, build the server, run until SIGINT/SIGTERM.
#include "app/config.hpp"
#include "app/server.hpp"

#include <google/protobuf/stubs/logging.h>

#include <iostream>

int main(int argc, char** argv) {
  using namespace parley::app;
  // A malformed frame is answered with an Error frame; protobuf's own log line
  // for it would let any client write to our stderr.
  google::protobuf::SetLogHandler(nullptr);
  try {
    auto parsed = parse_args(std::vector<std::string>(argv, argv + argc));
    if (!parsed.config) {
      std::cout << parsed.output;
      return 0;
    }
    parley::log::set_level(parsed.config->log_level);
    Server server(std::move(*parsed.config));
    server.run();
    return 0;
  } catch (const ConfigError& e) {
    std::cerr << "parley-server: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "parley-server: error: " << e.what() << "\n";
    return 1;
  }
}
