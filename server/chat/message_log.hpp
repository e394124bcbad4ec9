#pragma once
// The storage port the domain needs for conversation logs. The embedded
// implementation is backend/memory; a Redis one plugs in behind the same type.

#include "parley/v1/protocol.pb.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace parley::chat {

namespace v1 = parley::v1;

struct AppendResult {
  v1::Message stored;      // with seq and server time filled in
  bool duplicate = false;  // the sender's client_message_id was already in the log
};

class MessageLog {
 public:
  virtual ~MessageLog() = default;

  // Stores `message` with the next sequence number of its conversation, unless
  // the same sender already stored the same non-empty client_message_id there;
  // then returns that earlier message with duplicate = true and stores nothing.
  virtual AppendResult append(v1::Message message) = 0;

  // Up to max_count messages of the conversation with seq > after_seq, in order.
  virtual std::vector<v1::Message> read_after(const std::string& conversation_id, std::uint64_t after_seq,
                                              std::size_t max_count) const = 0;

  virtual std::uint64_t last_seq(const std::string& conversation_id) const = 0;

  // A closed conversation nobody can reach any more (its visitor is
  // forgotten): drops its log from memory if the log keeps it elsewhere (a
  // store) and returns true; false if memory is its only copy (then the
  // caller keeps it too).
  virtual bool evict(const std::string& /*conversation_id*/) { return false; }

  // Calls done(true) once every append made so far is durable, or done(false)
  // if that can no longer be promised (the store lost its connection). The
  // embedded log is durable at once and calls done inline.
  virtual void flush(std::function<void(bool durable)> done) = 0;
};

}  // namespace parley::chat
