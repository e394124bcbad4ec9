#include "store/group_commit.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <future>

namespace parley::store {

GroupCommitStore::~GroupCommitStore() { stop_writer(); }

void GroupCommitStore::start_writer() {
  writer_ = std::thread([this] { run_writer(); });
}

void GroupCommitStore::stop_writer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void GroupCommitStore::commit(StoreBatch batch, std::function<void(bool)> done) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() < max_pending_batches && !stopping_) {
      queue_.push_back({std::move(batch), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  boost::asio::post(completions_, [done = std::move(done)] { done(false); });
}

bool GroupCommitStore::run_job(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (jobs_stopped_) return false;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
  return true;
}

void GroupCommitStore::stop_jobs() {
  {
    std::lock_guard lock(mutex_);
    jobs_stopped_ = true;
    jobs_.clear();
  }
  std::lock_guard running(job_running_);  // a job in progress finishes first
}

void GroupCommitStore::refuse_writes(bool refuse) {
  std::promise<void> applied;
  if (run_job([&] {
        set_refuse_writes(refuse);
        applied.set_value();
      }))
    applied.get_future().wait();
}

std::vector<parley::events::v1::Event> GroupCommitStore::events_of(const std::string& conversation_id) {
  std::promise<std::vector<std::string>> rows;
  if (!run_job([&] {
        try {
          rows.set_value(read_events(conversation_id));
        } catch (...) {
          rows.set_exception(std::current_exception());
        }
      }))
    throw StoreError("the store is shutting down");
  std::vector<parley::events::v1::Event> out;
  for (const auto& row : rows.get_future().get())
    if (!out.emplace_back().ParseFromString(row)) throw StoreError("a stored event does not parse");
  return out;
}

void GroupCommitStore::transcript(const std::string& conversation_id,
                                  std::function<void(std::optional<Transcript>)> done) {
  run_job([this, conversation_id, done = std::move(done)] {
    std::optional<Transcript> out;
    try {
      if (auto record = read_conversation(conversation_id)) {
        Transcript t;
        bool ok = t.record.ParseFromString(*record);
        for (const auto& row : read_messages(conversation_id)) ok = ok && t.messages.emplace_back().ParseFromString(row);
        if (ok) out = std::move(t);
      }
    } catch (const StoreError&) {
    }
    done(std::move(out));
  });
}

void GroupCommitStore::run_writer() {
  std::deque<Pending> failed;  // written again, first, with the next group
  for (;;) {
    std::deque<Pending> group;
    std::deque<std::function<void()>> jobs;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || !jobs_.empty(); });
      if (queue_.empty() && jobs_.empty() && stopping_) return;
      group.swap(queue_);
      jobs.swap(jobs_);
    }
    for (auto& job : jobs) {
      std::lock_guard running(job_running_);
      {
        std::lock_guard lock(mutex_);
        if (jobs_stopped_) break;
      }
      job();
    }
    if (group.empty()) continue;
    std::vector<const StoreBatch*> all;
    for (const auto& p : failed) all.push_back(&p.batch);
    for (const auto& p : group) all.push_back(&p.batch);
    // A flush with nothing new only keeps its place in line.
    const bool ok = std::all_of(all.begin(), all.end(), [](const StoreBatch* b) { return b->empty(); }) || write(all);
    if (!ok) {
      for (auto& p : group) failed.push_back({std::move(p.batch), nullptr});
    } else {
      if (committed_) {
        for (const auto& p : failed) committed_(p.batch);
        for (const auto& p : group) committed_(p.batch);
      }
      failed.clear();
    }
    // Completions in order, on the hub.
    boost::asio::post(completions_, [group = std::move(group), ok]() mutable {
      for (auto& p : group)
        if (p.done) p.done(ok);
    });
  }
}

}  // namespace parley::store
