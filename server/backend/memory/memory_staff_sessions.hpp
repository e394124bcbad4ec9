#pragma once
// Staff sessions of the embedded backend: in memory, lost on restart (agents
// sign in again). Thread-safe; callbacks run inline.

#include "auth/staff_sessions.hpp"
#include "chat/clock.hpp"

#include <map>
#include <mutex>

namespace parley::backend {

class MemoryStaffSessions final : public auth::StaffSessionStore {
 public:
  explicit MemoryStaffSessions(const chat::Clock& clock) : clock_(clock) {}

  void put(const std::string& key, const auth::StaffSession& session, std::function<void(bool)> done) override {
    {
      std::lock_guard lock(mutex_);
      // Expired sign-ins are swept whenever the table has doubled since the last sweep.
      if (sessions_.size() >= 2 * swept_size_) sweep();
      sessions_[key] = session;
    }
    done(true);
  }

  void get(const std::string& key, std::function<void(std::optional<auth::StaffSession>)> done) override {
    std::optional<auth::StaffSession> found;
    {
      std::lock_guard lock(mutex_);
      auto it = sessions_.find(key);
      if (it != sessions_.end() && it->second.expires_at_ms > clock_.now_ms()) found = it->second;
    }
    done(std::move(found));
  }

  void remove(const std::string& key, std::function<void(bool)> done) override {
    bool removed;
    {
      std::lock_guard lock(mutex_);
      removed = sessions_.erase(key) > 0;
    }
    done(removed);
  }

 private:
  void sweep() {
    const auto now = clock_.now_ms();
    std::erase_if(sessions_, [now](const auto& entry) { return entry.second.expires_at_ms <= now; });
    swept_size_ = std::max<std::size_t>(64, sessions_.size());
  }

  const chat::Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, auth::StaffSession> sessions_;
  std::size_t swept_size_ = 64;
};

}  // namespace parley::backend
