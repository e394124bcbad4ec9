// Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/) from real
// frames, so the fuzzers start from traffic the server understands. Run by
// scripts/test-fuzz.sh before fuzzing; the output is committed too.
#include "session_script.hpp"
#include "support/frames.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

using namespace parley;
namespace fs = std::filesystem;

namespace {
std::string bytes(const v1::ClientFrame& frame) { return frame.SerializeAsString(); }

void write(const fs::path& dir, const std::string& name, const std::string& content) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << content;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds CORPUS_DIR\n";
    return 2;
  }
  const fs::path root = argv[1];
  const std::string first = "0";  // the first conversation, in session scripts

  const std::vector<std::pair<std::string, v1::ClientFrame>> frames{
      {"hello_visitor", test::visitor_hello()},
      {"hello_staff", test::staff_hello("alice", "pst_0123", v1::ROLE_AGENT, {{"c_1", 4}})},
      {"start_chat", test::start_chat("My deposit has not arrived", v1::CATEGORY_DEPOSIT, "m-1")},
      {"send_message", test::send_message("c_1", "m-2", "tx 0xabc")},
      {"set_status", test::set_status(v1::AGENT_STATUS_ONLINE)},
      {"escalate", test::escalate("c_1", "needs a node operator", "stuck in mempool")},
  };
  for (const auto& [name, frame] : frames) write(root / "decoder", name, bytes(frame));

  using namespace parley::fuzz;
  const auto online = step(frame, alice, bytes(test::set_status(v1::AGENT_STATUS_ONLINE)));
  const auto chat = step(frame, visitor_a, bytes(test::start_chat("help", v1::CATEGORY_DEPOSIT, "m-1")));
  write(root / "session", "chat",
        online + chat + step(frame, alice, bytes(test::send_message(first, "a-1", "looking"))) +
            step(frame, visitor_a, bytes(test::send_message(first, "m-2", "thanks"))) +
            step(frame, alice, bytes(test::escalate(first, "tier 2 please", "note"))) +
            step(frame, tina, bytes(test::set_status(v1::AGENT_STATUS_ONLINE))) + step(time_passes, 30));
  write(root / "session", "reconnects",
        online + chat + step(reconnect, alice) + step(time_passes, 40) + step(reconnect, visitor_a) +
            step(accounts_change, 1) + step(sign_out, 0));
  write(root / "session", "stranger", step(frame, stranger, bytes(test::start_chat("who am I"))) + chat);
  return 0;
}
