#include "backend/redis/redis_message_log.hpp"

#include <boost/asio/post.hpp>

namespace parley::backend::redis {
namespace {

// KEYS[1] log stream, KEYS[2] client-id hash; ARGV[1] seq, ARGV[2] message,
// ARGV[3] client-id field or "". Stores the message once; a second append
// with the same client id returns the first one's seq and writes nothing. The
// explicit stream id makes Redis refuse a seq that is not the next one.
constexpr const char* append_script = R"lua(
if ARGV[3] ~= '' then
  local existing = redis.call('HGET', KEYS[2], ARGV[3])
  if existing then return tonumber(existing) end
end
redis.call('XADD', KEYS[1], ARGV[1] .. '-0', 'm', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[1]) end
return tonumber(ARGV[1])
)lua";

std::string client_id_field(const v1::Message& m) { return m.sender_id() + '\x1f' + m.client_message_id(); }

}  // namespace

RedisMessageLog::RedisMessageLog(std::shared_ptr<RedisConnection> connection, Keys keys)
    : connection_(std::move(connection)), keys_(std::move(keys)) {}

chat::AppendResult RedisMessageLog::append(v1::Message message) {
  auto result = cache_.append(std::move(message));
  if (result.duplicate) return result;
  const auto& stored = result.stored;
  const auto& id = stored.conversation_id();
  ++issued_;
  connection_->command(
      {"EVAL", append_script, "2", keys_.log(id), keys_.client_ids(id), std::to_string(stored.seq()),
       stored.SerializeAsString(), stored.client_message_id().empty() ? std::string() : client_id_field(stored)},
      [this, seq = stored.seq()](std::error_code ec, const Reply& reply) {
        on_written(!ec && reply.type == Reply::Type::integer && static_cast<std::uint64_t>(reply.integer) == seq);
      });
  return result;
}

void RedisMessageLog::write(std::vector<std::string> command, std::function<void(bool ok, const Reply&)> done) {
  ++issued_;
  connection_->command(std::move(command), [this, done = std::move(done)](std::error_code ec, const Reply& reply) {
    done(!ec, reply);
    on_written(!ec);
  });
}

void RedisMessageLog::on_written(bool ok) {
  ++completed_;
  if (!ok) ++failed_writes_;
  // A failure is sticky: from then on memory and Redis may disagree.
  while (!waiters_.empty() && waiters_.front().after_write <= completed_) {
    auto waiter = std::move(waiters_.front());
    waiters_.pop_front();
    waiter.done(failed_writes_ == 0);
  }
}

void RedisMessageLog::flush(std::function<void(bool durable)> done) {
  if (completed_ == issued_) {
    // Nothing in flight; still never inline, so the caller sees one behaviour.
    boost::asio::post(connection_->executor(),
                      [done = std::move(done), ok = failed_writes_ == 0] { done(ok); });
    return;
  }
  waiters_.push_back({issued_, std::move(done)});
}

std::vector<v1::Message> RedisMessageLog::read_after(const std::string& conversation_id, std::uint64_t after_seq,
                                                     std::size_t max_count) const {
  return cache_.read_after(conversation_id, after_seq, max_count);
}

std::uint64_t RedisMessageLog::last_seq(const std::string& conversation_id) const {
  return cache_.last_seq(conversation_id);
}

void RedisMessageLog::load(const std::string& conversation_id, std::function<void(bool ok)> done) {
  connection_->command({"XRANGE", keys_.log(conversation_id), "-", "+"},
                       [this, conversation_id, done = std::move(done)](std::error_code ec, const Reply& reply) {
                         if (ec || reply.type != Reply::Type::array) return done(false);
                         std::vector<v1::Message> messages;
                         for (const auto& entry : reply.elements) {
                           // entry = [id, [field, value, ...]]
                           if (entry.elements.size() != 2 || entry.elements[1].elements.size() < 2) return done(false);
                           v1::Message m;
                           if (!m.ParseFromString(entry.elements[1].elements[1].str)) return done(false);
                           messages.push_back(std::move(m));
                         }
                         done(cache_.replace(conversation_id, std::move(messages)));
                       });
}

}  // namespace parley::backend::redis
