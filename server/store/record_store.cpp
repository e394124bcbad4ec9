#include "store/record_store.hpp"

#include <set>

namespace parley::store {

void anonymise(parley::state::v1::ConversationRecord& record) {
  auto& info = *record.mutable_info();
  info.set_visitor_name("(erased)");
  for (auto* field : {info.mutable_email(), info.mutable_customer_id(), info.mutable_subject(),
                      info.mutable_transaction_id(), info.mutable_page_url(), info.mutable_verified_site()})
    field->clear();
  for (auto& note : *record.mutable_notes()) note.set_text("(erased)");
  if (record.has_rating()) record.mutable_rating()->clear_comment();
  for (auto* field : {record.mutable_senior_reason(), record.mutable_escalation_reason(), record.mutable_close_comment()})
    if (!field->empty()) *field = "(erased)";
}

void anonymise(parley::v1::Message& message) {
  if (!message.system()) message.set_text("(erased)");
  if (message.sender_role() == parley::v1::ROLE_VISITOR) message.set_sender_name("(erased)");
}

void anonymise(tickets::Record& ticket) {
  auto& r = *ticket.mutable_requester();
  r.set_name("(erased)");
  for (auto* field : {r.mutable_email(), r.mutable_visitor_id(), r.mutable_customer_id(), r.mutable_verified_site()})
    field->clear();
  for (auto* field : {ticket.mutable_subject(), ticket.mutable_transaction_id(), ticket.mutable_page_url()}) field->clear();
  ticket.clear_requester_token_hash();  // the requester's secret opens nothing any more
  for (auto& note : *ticket.mutable_notes()) note.set_text("(erased)");
}

void anonymise(tickets::Message& message) {
  message.set_text("(erased)");
  if (message.author_role() == parley::v1::ROLE_VISITOR) message.set_author_name("(erased)");
  for (auto& a : *message.mutable_attachments()) {
    a.set_file_name("(erased)");
    a.set_refused("erased");
  }
}

void anonymise(tickets::Mail& mail) {
  mail.clear_to();
  if (mail.status() == tickets::Mail::STATUS_QUEUED) {
    mail.set_status(tickets::Mail::STATUS_FAILED);
    mail.set_last_error("not sent: the requester's data was erased");
  }
}

StoredState RecordStore::load() {
  StoredState out;
  auto parse_all = [](std::vector<std::string> rows, auto add, const char* what) {
    for (const auto& row : rows)
      if (!add()->ParseFromString(row)) throw StoreError(std::string("a stored ") + what + " record does not parse");
  };
  parse_all(read_records(Records::visitors), [&] { return out.image.add_visitors(); }, "visitor");
  parse_all(read_records(Records::agents), [&] { return out.image.add_agents(); }, "agent");
  parse_all(read_records(Records::open_conversations), [&] { return out.image.add_conversations(); }, "conversation");
  std::set<std::string> loaded;
  for (const auto& c : out.image.conversations()) loaded.insert(c.info().conversation_id());
  // Closed chats their visitors may still come back to.
  for (const auto& v : out.image.visitors()) {
    const auto& id = v.conversation_id();
    if (id.empty() || loaded.count(id)) continue;
    if (auto record = read_conversation(id)) {
      if (!out.image.add_conversations()->ParseFromString(*record))
        throw StoreError("a stored conversation record does not parse");
      loaded.insert(id);
    }
  }
  if (auto queues_record = read_meta("queues")) {
    parley::state::v1::StateImage queues;
    if (!queues.ParseFromString(*queues_record)) throw StoreError("the stored queues do not parse");
    *out.image.mutable_queues() = queues.queues();
    out.image.set_average_handle_seconds(queues.average_handle_seconds());
    out.image.set_store_id(queues.store_id());
  }
  for (const auto& id : loaded) {
    auto& log = out.logs[id];
    for (const auto& row : read_messages(id)) {
      parley::v1::Message m;
      if (!m.ParseFromString(row)) throw StoreError("a stored message does not parse");
      if (m.seq() != log.size() + 1) throw StoreError("conversation " + id + " has a gap in its log");
      log.push_back(std::move(m));
    }
  }
  return out;
}

}  // namespace parley::store
