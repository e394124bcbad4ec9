#pragma once
// The chat service's MessageLog in front of a system of record: appends are
// served from memory at once and collected; flush() hands everything since the
// last flush (the new log entries and the Service's changed records) to the
// store as one batch, and reports durable only once the store committed it.
// So the Hub's durability gate holds: nothing is shown or acknowledged before
// its commit returned. Runs on the hub executor.
//
// Memory: the logs of live conversations stay in memory; evict() drops a
// closed one (its entries already went into a batch, which holds its own copy).

#include "backend/memory/memory_message_log.hpp"
#include "chat/service.hpp"
#include "store/record_store.hpp"

namespace parley::store {

class DurableLog final : public chat::MessageLog, public chat::EventListener {
 public:
  explicit DurableLog(RecordStore& store) : store_(store) {}

  // Start-up: fills the memory logs and a new `service` (made over this log)
  // from what the store holds, then collects the service's changed records at
  // every flush and its domain events into the same batch as the changes they
  // describe. False if the stored state is inconsistent (nothing attached).
  [[nodiscard]] bool restore(StoredState& stored, chat::Service& service) {
    restore(stored);
    if (!service.import_state(stored.image)) return false;
    service_ = &service;
    service.subscribe(*this);
    return true;
  }
  // Only the logs, with no service (store tests).
  void restore(StoredState& stored) {
    for (auto& [id, messages] : stored.logs) memory_.replace(id, std::move(messages));
  }
  void on_event(const chat::events::Event& event) override {
    pending_.events.push_back(event);
    if (event.has_customer_erased()) {
      pending_.erasures.push_back(event.customer_erased());
      pending_.events.back().mutable_customer_erased()->Clear();  // the record keeps who asked, not whom
    }
  }

  chat::AppendResult append(v1::Message message) override {
    auto result = memory_.append(std::move(message));
    if (!result.duplicate) pending_.messages.push_back(result.stored);
    return result;
  }
  std::vector<v1::Message> read_after(const std::string& id, std::uint64_t after, std::size_t max) const override {
    return memory_.read_after(id, after, max);
  }
  std::uint64_t last_seq(const std::string& id) const override { return memory_.last_seq(id); }
  bool evict(const std::string& id) override {
    memory_.erase(id);
    return true;
  }
  void flush(std::function<void(bool durable)> done) override {
    if (service_) pending_.state = service_->export_changes();
    // Even an empty batch goes through the store: an earlier one may still be
    // on its way, and completions keep their order.
    store_.commit(std::exchange(pending_, {}), std::move(done));
  }

 private:
  RecordStore& store_;
  chat::Service* service_ = nullptr;
  backend::MemoryMessageLog memory_;
  StoreBatch pending_;
};

}  // namespace parley::store
