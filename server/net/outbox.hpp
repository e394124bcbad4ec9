#pragma once
// A session's queue of encoded frames waiting to be written, bounded in both
// frame count and bytes. Policy at the limit: the caller closes the connection
// (1013, "slow consumer") and the client resumes from its last sequence, so
// memory never grows with a reader that cannot keep up. Plain class, no I/O.

#include "protocol/codec.hpp"

#include <cstddef>
#include <deque>

namespace parley::net {

class Outbox {
 public:
  Outbox(std::size_t max_frames, std::size_t max_bytes) : max_frames_(max_frames), max_bytes_(max_bytes) {}

  // False if taking the frame would exceed a limit; the frame is not queued.
  bool push(protocol::SharedBytes frame) {
    if (frames_.size() + 1 > max_frames_ || bytes_ + frame->size() > max_bytes_) return false;
    bytes_ += frame->size();
    frames_.push_back(std::move(frame));
    return true;
  }
  const protocol::SharedBytes& front() const { return frames_.front(); }
  void pop() {
    bytes_ -= frames_.front()->size();
    frames_.pop_front();
  }
  // Keeps only the front frame, which may be mid-write.
  void drop_all_but_front() {
    while (frames_.size() > 1) {
      bytes_ -= frames_.back()->size();
      frames_.pop_back();
    }
  }
  bool empty() const { return frames_.empty(); }
  std::size_t size() const { return frames_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  std::size_t max_frames_;
  std::size_t max_bytes_;
  std::size_t bytes_ = 0;
  std::deque<protocol::SharedBytes> frames_;
};

}  // namespace parley::net
