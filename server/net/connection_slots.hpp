#pragma once
// Open connections per client address (HTTP and WebSocket alike), across every
// shard. A connection holds a ConnectionSlot for life; the slot gives its
// count back when it is destroyed, so no path can leak one.
//
// Limit policy: at `limit` open connections an address gets no more. A new TCP
// connection from it is answered 429 and closed; an upgrade through a trusted
// proxy is answered 429. The table holds only addresses with open connections,
// so its size is bounded by the process' open-file limit.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace parley::net {

class ConnectionsPerAddress;

class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(ConnectionSlot&& other) noexcept : owner_(other.owner_), address_(std::move(other.address_)) {
    other.owner_ = nullptr;
  }
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept;
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot() { release(); }

  explicit operator bool() const { return owner_ != nullptr; }
  const std::string& address() const { return address_; }
  void release();

 private:
  friend class ConnectionsPerAddress;
  ConnectionSlot(ConnectionsPerAddress* owner, std::string address) : owner_(owner), address_(std::move(address)) {}
  ConnectionsPerAddress* owner_ = nullptr;
  std::string address_;
};

class ConnectionsPerAddress {
 public:
  explicit ConnectionsPerAddress(std::uint32_t limit) : limit_(limit) {}
  // An empty slot when `address` already has `limit` open connections.
  ConnectionSlot try_open(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto& count = open_[address];
    if (count >= limit_) return {};
    ++count;
    return ConnectionSlot(this, address);
  }

 private:
  friend class ConnectionSlot;
  void close(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto it = open_.find(address);
    if (it != open_.end() && --it->second == 0) open_.erase(it);
  }
  std::uint32_t limit_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::uint32_t> open_;
};

inline void ConnectionSlot::release() {
  if (owner_) owner_->close(address_);
  owner_ = nullptr;
}

inline ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    address_ = std::move(other.address_);
    other.owner_ = nullptr;
  }
  return *this;
}

}  // namespace parley::net
