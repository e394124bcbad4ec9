#pragma once
// Every Redis key Parley uses, in one place. All keys start with a configurable
// prefix; the keys of one conversation share the hash tag {conversation_id},
// so they land in one slot and scripts touching them stay valid on Redis Cluster.

#include <string>

namespace parley::backend::redis {

class Keys {
 public:
  explicit Keys(std::string prefix = "parley") : prefix_(std::move(prefix)) {}

  // Stream: one entry per message, id "<seq>-0", field "m" = serialized parley.v1.Message.
  std::string log(const std::string& conversation) const { return conversation_key(conversation, "log"); }
  // Hash: "<sender id>\x1f<client message id>" -> seq, for idempotent appends.
  std::string client_ids(const std::string& conversation) const { return conversation_key(conversation, "cids"); }

  // Cluster coordination (few, global keys).
  std::string leader_lease() const { return prefix_ + ":leader"; }
  std::string leader_epoch() const { return prefix_ + ":leader:epoch"; }
  std::string node_alive(const std::string& node) const { return prefix_ + ":node:" + node + ":alive"; }
  // The leader's state, record by record (parley.state.v1 records).
  std::string state_conversations() const { return prefix_ + ":state:conversations"; }
  std::string state_visitors() const { return prefix_ + ":state:visitors"; }
  std::string state_agents() const { return prefix_ + ":state:agents"; }
  std::string state_queues() const { return prefix_ + ":state:queues"; }  // a StateImage with only queues
  // String "<agent>\t<stamp>\t<expiry ms>" per staff sign-in, expiring with it.
  std::string staff_session(const std::string& token_key) const { return prefix_ + ":staff-session:" + token_key; }
  // Pub/sub channels.
  std::string to_leader_channel() const { return prefix_ + ":to-leader"; }
  std::string node_channel(const std::string& node) const { return prefix_ + ":node:" + node; }
  std::string all_nodes_channel() const { return prefix_ + ":nodes"; }

 private:
  std::string conversation_key(const std::string& conversation, const char* what) const {
    return prefix_ + ":conv:{" + conversation + "}:" + what;
  }
  std::string prefix_;
};

}  // namespace parley::backend::redis
