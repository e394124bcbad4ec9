#pragma once
// What the nodes of one cluster share: a real Redis for live traffic and a
// fresh database on the test binary's PostgreSQL for the records.

#include "support/postgres_server.hpp"
#include "support/redis_server.hpp"

#include <string>
#include <vector>

namespace parley::test {

struct ClusterStores {
  explicit ClusterStores(std::vector<std::string> redis_args = {}) : redis(std::move(redis_args)) {}
  RedisServer redis;
  std::string database = shared_postgres().create_database();
  // --redis and --database, then `extra`.
  std::vector<std::string> flags(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> out{"--redis", redis.url(), "--database", database};
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
  }
};

}  // namespace parley::test
