#pragma once
// Canned responses: saved replies an agent inserts by typing "/" and a
// shortcut. A module beside the chat core (it never touches a chat): the rules
// of who sees and who may change which response, and their limits, as plain
// functions over the stored records; the store keeps them and runs a decision
// on its own thread, so two changes never race past a limit.
//
// Policy (docs/security.md):
//  - personal responses: their owner's alone, to see, change and delete;
//  - shared ones: every staff member of their team sees them ("" everyone,
//    "tier1" agents, "tier2" senior support; supervisors and admins see all);
//    only supervisors and admins create, change or delete them;
//  - limits: 200 personal per account, 1000 shared; a shortcut is unique among
//    an owner's personal ones and among the shared ones.

#include "parley/v1/protocol.pb.h"
#include "parley/v1/state.pb.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace parley::canned {

namespace v1 = parley::v1;
using Record = parley::state::v1::CannedResponseRecord;

inline constexpr std::size_t max_personal_per_owner = 200;
inline constexpr std::size_t max_shared = 1000;
inline constexpr std::size_t max_shortcut_chars = 32;
inline constexpr std::size_t max_title_chars = 80;
inline constexpr std::size_t max_text_chars = 2000;
// The locales a response may carry a text for.
inline const std::vector<std::string>& locales() {
  static const std::vector<std::string> all{"en", "zh-CN"};
  return all;
}

struct Staff {
  std::string id;
  v1::Role role = v1::ROLE_AGENT;
};

// What a client asks to save (create when `id` is empty).
struct Edit {
  std::string id;
  std::string shortcut;
  std::string title;
  bool shared = false;
  std::string team;
  std::map<std::string, std::string> texts;
};

enum class Outcome { saved, deleted, invalid, forbidden, not_found, duplicate_shortcut, limit_reached };

// A decision over the stored records: what to write (a record to put, an id to
// remove) and what to answer.
struct Decision {
  Outcome outcome = Outcome::invalid;
  std::string message;           // why, for the client, when not done
  std::optional<Record> put;     // saved: the record as stored
  std::string remove;            // deleted: its id
};

// Whether `staff` sees `r` (its owner, or a shared one of their team).
bool visible_to(const Staff& staff, const Record& r);
// Whether `staff` may change or delete `r`.
bool may_change(const Staff& staff, const Record& r);
// The responses `staff` sees, shared first, then by shortcut.
std::vector<Record> visible(const Staff& staff, const std::vector<Record>& all);

// Creates (edit.id empty: `new_id` is used) or replaces one response.
Decision decide_save(const Staff& staff, const Edit& edit, const std::vector<Record>& all, std::int64_t now_ms,
                     const std::string& new_id);
Decision decide_delete(const Staff& staff, const std::string& id, const std::vector<Record>& all);

}  // namespace parley::canned
