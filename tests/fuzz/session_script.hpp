#pragma once
// The byte format the session fuzzer reads, shared with the seed generator so
// seeds stay valid as the format evolves. A script is a list of steps:
//
//   op (1 byte)  slot (1 byte)  length (2 bytes, big endian)  payload (length bytes)
//
// op % 8: 0-3 a ClientFrame (payload) from connection `slot % 6`; 4 that
// connection drops and a new one takes its slot; 5 time passes (slot seconds);
// 6 the agents file changes (alice disabled when slot is odd); 7 alice signs
// out. A conversation_id of one byte names the n-th conversation seen so far.

#include <cstdint>
#include <string>

namespace parley::fuzz {

enum Slot : std::uint8_t { visitor_a = 0, visitor_b = 1, alice = 2, tina = 3, sam = 4, stranger = 5 };
enum Op : std::uint8_t { frame = 0, reconnect = 4, time_passes = 5, accounts_change = 6, sign_out = 7 };

inline std::string step(Op op, std::uint8_t slot, const std::string& payload = {}) {
  std::string out;
  out += static_cast<char>(op);
  out += static_cast<char>(slot);
  out += static_cast<char>((payload.size() >> 8) & 0xff);
  out += static_cast<char>(payload.size() & 0xff);
  return out + payload;
}

}  // namespace parley::fuzz
