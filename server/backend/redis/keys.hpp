#pragma once
// Every Redis key Parley uses, in one place. All keys start with a configurable
// prefix. Redis holds live traffic only: the records are in PostgreSQL.

#include <string>

namespace parley::backend::redis {

class Keys {
 public:
  explicit Keys(std::string prefix = "parley") : prefix_(std::move(prefix)) {}

  // Cluster coordination (few, global keys).
  std::string leader_lease() const { return prefix_ + ":leader"; }
  std::string leader_epoch() const { return prefix_ + ":leader:epoch"; }
  std::string node_alive(const std::string& node) const { return prefix_ + ":node:" + node + ":alive"; }
  // String "<agent>\t<stamp>\t<expiry ms>" per staff sign-in, expiring with it.
  std::string staff_session(const std::string& token_key) const { return prefix_ + ":staff-session:" + token_key; }
  // Pub/sub channels.
  std::string to_leader_channel() const { return prefix_ + ":to-leader"; }
  std::string node_channel(const std::string& node) const { return prefix_ + ":node:" + node; }
  std::string all_nodes_channel() const { return prefix_ + ":nodes"; }

 private:
  std::string prefix_;
};

}  // namespace parley::backend::redis
