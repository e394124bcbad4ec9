#pragma once
// A scripted set of support chats that keeps going through faults, and the
// checker of what the faults may not break. Each chat is a visitor and an
// agent taking turns: send, wait for the Ack, wait until the other side has
// it. When a connection fails the participant reconnects (backing off, to any
// of the given ports), resumes with its cursor and resends what was not
// acknowledged, with the same client message ids, as the real clients do.
//
// Checked on every frame: no message is delivered twice on a connection or
// again at or below the cursor the client resumed from; a conversation's
// messages arrive in increasing order; no client message id is stored under
// two sequence numbers. At the end, from a fresh connection: every
// acknowledged message is in its conversation's log, exactly once.

#include "parley/v1/protocol.pb.h"
#include "support/ws_client.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace parley::test {

struct WorkloadReport {
  std::size_t chats = 0;
  std::size_t messages_sent = 0;        // every send, resends included
  std::size_t messages_acked = 0;       // distinct messages acknowledged
  std::size_t messages_delivered = 0;   // distinct messages the other side received
  std::size_t lost = 0;                 // acknowledged, missing from the final log
  std::size_t stored_twice = 0;         // one client message id under two seqs
  std::size_t delivered_twice = 0;
  std::size_t out_of_order = 0;
  std::size_t reconnects = 0;
  std::chrono::milliseconds longest_recovery{0};  // a failure noticed until serving again
  std::chrono::milliseconds longest_wait{0};      // the longest a send waited for its ack, or a reader for it
  std::vector<std::string> violations;            // the first few, for the test output
  std::string summary() const;
};

struct WorkloadOptions {
  std::vector<unsigned short> visitor_ports;  // reconnects rotate through these
  std::vector<unsigned short> agent_ports;
  std::vector<std::string> agents;            // staff ids (password: password_of)
  std::function<std::string(const std::string&)> password_of;
  std::size_t chats = 8;
  std::chrono::seconds patience{60};  // longest any single step may take, faults included
};

class ChatWorkload {
 public:
  explicit ChatWorkload(WorkloadOptions options);
  ~ChatWorkload();

  // Signs the agents in, opens the chats and waits until each has an agent.
  void open_chats();
  // One round: in every chat the visitor writes, then the agent answers,
  // each waiting until the other side has it. `before_chat(i)` runs before
  // chat i's turn (a place to inject a fault mid-round).
  void round(const std::function<void(std::size_t chat)>& before_chat = {});
  // Re-reads every conversation from scratch and completes the report.
  WorkloadReport finish();

 private:
  struct Participant;
  std::unique_ptr<Participant> make_agent(const std::string& id);
  WorkloadOptions options_;
  std::vector<std::unique_ptr<Participant>> agents_;
  std::vector<std::unique_ptr<Participant>> visitors_;
  std::vector<std::string> conversations_;
  std::vector<Participant*> agent_of_;
  WorkloadReport report_;
  std::size_t rounds_ = 0;
};

}  // namespace parley::test
