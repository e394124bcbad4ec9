#pragma once
// The live-chat core's domain events (proto/parley/v1/events.proto) and who
// hears them. chat::Service emits one event per decision, on the hub, after
// the state change and before the event's frames are released; listeners run
// synchronously on the hub, must be quick, and must not call back into the
// Service. The system of record is one (store::DurableLog: the events go into
// the same commit as the change); tickets, cases, channels and metrics are
// others, beside the core, never inside it.

#include "parley/v1/events.pb.h"

namespace parley::chat {

namespace events = parley::events::v1;

class EventListener {
 public:
  virtual ~EventListener() = default;
  virtual void on_event(const events::Event& event) = 0;
};

}  // namespace parley::chat
