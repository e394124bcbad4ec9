// libFuzzer target: a chat::Service driven by arbitrary scripts of frames,
// disconnects, time, account changes and sign-outs from six connections (two
// visitors, a tier-1 agent, a tier-2 agent, a supervisor, a stranger that
// never signed in). Every frame the service sends must decode; the state must
// survive an export/import round trip. Run: scripts/test-fuzz.sh
#include "backend/memory/memory_message_log.hpp"
#include "chat/service.hpp"
#include "session_script.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <array>
#include <google/protobuf/stubs/logging.h>

#include <cstdlib>
#include <memory>
#include <vector>

namespace {
using namespace parley;
namespace pb = google::protobuf;

// Conversation ids the service handed out, so scripts can name them by number.
std::vector<std::string>* known_conversations = nullptr;

class CheckingOutlet final : public chat::Outlet {
 public:
  void deliver(protocol::SharedBytes bytes) override {
    auto frame = protocol::decode_server_frame(*bytes);
    if (!frame) std::abort();  // the server sent something it cannot read itself
    if (frame->has_ack() && !frame->ack().conversation_id().empty()) remember(frame->ack().conversation_id());
    if (frame->has_conversation()) remember(frame->conversation().info().conversation_id());
  }
  void close(std::uint16_t code, std::string) override {
    if (code < 1000 || code >= 5000) std::abort();
  }

 private:
  static void remember(const std::string& id) {
    for (const auto& known : *known_conversations)
      if (known == id) return;
    known_conversations->push_back(id);
  }
};

// Replaces a one-byte conversation_id with the n-th known conversation.
void resolve_ids(pb::Message& message) {
  const auto* descriptor = message.GetDescriptor();
  const auto* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const auto* field = descriptor->field(i);
    if (field->is_repeated()) continue;
    if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (reflection->HasField(message, field)) resolve_ids(*reflection->MutableMessage(&message, field));
    } else if (field->name() == "conversation_id" && !known_conversations->empty()) {
      const auto value = reflection->GetString(message, field);
      if (value.size() == 1)
        reflection->SetString(&message, field,
                              (*known_conversations)[static_cast<unsigned char>(value[0]) % known_conversations->size()]);
    }
  }
}

chat::AccountDirectory accounts(bool alice_disabled) {
  chat::AccountDirectory directory;
  auto add = [&](const char* id, v1::Role role, std::uint32_t capacity) {
    chat::AgentAccount a;
    a.id = id;
    a.display_name = id;
    a.role = role;
    a.max_capacity = capacity;
    a.credential_stamp = std::string(id) + "-stamp";
    a.disabled = alice_disabled && a.id == "alice";
    directory.emplace(a.id, a);
  };
  add("alice", v1::ROLE_AGENT, 2);
  add("tina", v1::ROLE_TIER2, 2);
  add("sam", v1::ROLE_SUPERVISOR, 1);
  return directory;
}

v1::ClientFrame hello_for(std::uint8_t slot, std::int64_t now_ms) {
  v1::ClientFrame frame;
  auto* hello = frame.mutable_hello();
  static const char* staff[] = {"alice", "tina", "sam"};
  static const v1::Role roles[] = {v1::ROLE_AGENT, v1::ROLE_TIER2, v1::ROLE_SUPERVISOR};
  if (slot <= fuzz::visitor_b) {
    hello->set_role(v1::ROLE_VISITOR);
  } else if (slot <= fuzz::sam) {
    hello->set_role(roles[slot - fuzz::alice]);
    auto* verified = hello->mutable_verified();
    verified->set_agent_id(staff[slot - fuzz::alice]);
    verified->set_credential_stamp(std::string(staff[slot - fuzz::alice]) + "-stamp");
    verified->set_token_id("t");
    verified->set_expires_at_ms(now_ms + 3'600'000);
  }
  return frame;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);  // malformed input is the point; keep the output readable
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> conversations;
  known_conversations = &conversations;
  chat::ManualClock clock;
  backend::MemoryMessageLog log;
  chat::Service service({}, accounts(false), log, clock);
  std::array<chat::SessionId, 6> sessions{};
  chat::SessionId next = 1;
  auto connect = [&](std::uint8_t slot) {
    sessions[slot] = next++;
    service.attach(sessions[slot], std::make_shared<CheckingOutlet>(), slot == fuzz::visitor_b ? "192.0.2.2" : "192.0.2.1");
    if (slot != fuzz::stranger) service.handle(sessions[slot], hello_for(slot, clock.now_ms()));
  };
  for (std::uint8_t slot = 0; slot < sessions.size(); ++slot) connect(slot);

  std::size_t at = 0;
  while (at + 4 <= size) {
    const std::uint8_t op = data[at] % 8, raw_slot = data[at + 1], slot = raw_slot % 6;
    const std::size_t length = (std::size_t{data[at + 2]} << 8) | data[at + 3];
    at += 4;
    if (length > size - at) break;
    const std::string_view payload(reinterpret_cast<const char*>(data + at), length);
    at += length;
    switch (op) {
      case fuzz::reconnect:
        service.detach(sessions[slot]);
        connect(slot);
        break;
      case fuzz::time_passes:
        clock.advance(std::int64_t{raw_slot} * 1000);
        service.advance();
        break;
      case fuzz::accounts_change: service.update_accounts(accounts(slot % 2 == 1)); break;
      case fuzz::sign_out: service.sign_out("alice", ""); break;
      default: {
        auto decoded = protocol::decode_client_frame(payload);
        if (!decoded.frame) break;
        resolve_ids(*decoded.frame);
        service.handle(sessions[slot], *decoded.frame);
      }
    }
  }

  // Whatever happened, the state can be handed to a successor.
  const auto image = service.export_state();
  chat::Service successor({}, accounts(false), log, clock);
  successor.import_state(image);
  if (successor.stats().open_conversations != service.stats().open_conversations) std::abort();
  known_conversations = nullptr;
  return 0;
}
