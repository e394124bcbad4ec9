#include "canned/canned_responses.hpp"

#include "chat/accounts.hpp"
#include "chat/text.hpp"

#include <algorithm>

namespace parley::canned {
namespace {

bool valid_shortcut(const std::string& s) {
  if (s.empty() || s.size() > max_shortcut_chars) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

bool valid_team(const std::string& team) { return team.empty() || team == "tier1" || team == "tier2"; }

// The team a staff member reads shared responses of (supervisors: all).
bool in_team(const Staff& staff, const std::string& team) {
  if (team.empty() || chat::oversees(staff.role)) return true;
  return team == (staff.role == v1::ROLE_TIER2 ? "tier2" : "tier1");
}

Decision refuse(Outcome outcome, std::string message) {
  Decision d;
  d.outcome = outcome;
  d.message = std::move(message);
  return d;
}

const Record* find(const std::vector<Record>& all, const std::string& id) {
  for (const auto& r : all)
    if (r.id() == id) return &r;
  return nullptr;
}

}  // namespace

bool visible_to(const Staff& staff, const Record& r) {
  return r.shared() ? in_team(staff, r.team()) : r.owner_id() == staff.id;
}

bool may_change(const Staff& staff, const Record& r) {
  return r.shared() ? chat::oversees(staff.role) : r.owner_id() == staff.id;
}

std::vector<Record> visible(const Staff& staff, const std::vector<Record>& all) {
  std::vector<Record> out;
  for (const auto& r : all)
    if (visible_to(staff, r)) out.push_back(r);
  std::sort(out.begin(), out.end(), [](const Record& a, const Record& b) {
    return std::make_pair(!a.shared(), a.shortcut()) < std::make_pair(!b.shared(), b.shortcut());
  });
  return out;
}

Decision decide_save(const Staff& staff, const Edit& edit, const std::vector<Record>& all, std::int64_t now_ms,
                     const std::string& new_id) {
  if (!valid_shortcut(edit.shortcut))
    return refuse(Outcome::invalid, "shortcut must be 1 to 32 of a-z, 0-9, '-' and '_'");
  if (chat::blank(edit.title) || chat::utf8_length(edit.title) > max_title_chars)
    return refuse(Outcome::invalid, "title must be 1 to 80 characters");
  if (!valid_team(edit.team)) return refuse(Outcome::invalid, "team must be empty (everyone), tier1 or tier2");
  if (!edit.shared && !edit.team.empty()) return refuse(Outcome::invalid, "only a shared response has a team");
  bool any_text = false;
  for (const auto& [locale, text] : edit.texts) {
    if (std::find(locales().begin(), locales().end(), locale) == locales().end())
      return refuse(Outcome::invalid, "texts may be given for en and zh-CN");
    if (chat::utf8_length(text) > max_text_chars)
      return refuse(Outcome::invalid, "a text is longer than 2000 characters");
    any_text = any_text || !chat::blank(text);
  }
  if (!any_text) return refuse(Outcome::invalid, "give a text in English or Chinese");
  if (edit.shared && !chat::oversees(staff.role))
    return refuse(Outcome::forbidden, "only supervisors and admins may share a response with a team");

  const Record* existing = edit.id.empty() ? nullptr : find(all, edit.id);
  if (!edit.id.empty()) {
    if (!existing || !visible_to(staff, *existing)) return refuse(Outcome::not_found, "no such canned response");
    if (!may_change(staff, *existing))
      return refuse(Outcome::forbidden, "only supervisors and admins may change a shared response");
  }
  Record r;
  r.set_id(existing ? existing->id() : new_id);
  r.set_shared(edit.shared);
  // A personal response stays its author's, even when changed by a
  // supervisor making it shared; a shared one has no owner.
  r.set_owner_id(edit.shared ? "" : existing && !existing->owner_id().empty() ? existing->owner_id() : staff.id);
  r.set_team(edit.team);
  r.set_shortcut(edit.shortcut);
  r.set_title(edit.title);
  for (const auto& [locale, text] : edit.texts)
    if (!chat::blank(text)) (*r.mutable_texts())[locale] = text;
  r.set_updated_ms(now_ms);
  r.set_updated_by(staff.id);

  std::size_t same_kind = 0;
  for (const auto& other : all) {
    if (other.id() == r.id() || other.shared() != r.shared() || other.owner_id() != r.owner_id()) continue;
    ++same_kind;
    if (other.shortcut() == r.shortcut())
      return refuse(Outcome::duplicate_shortcut, "another response already has the shortcut /" + r.shortcut());
  }
  const auto limit = r.shared() ? max_shared : max_personal_per_owner;
  if (same_kind >= limit)
    return refuse(Outcome::limit_reached, r.shared() ? "there are already 1000 shared responses; delete some first"
                                                     : "you have 200 responses already; delete some first");
  Decision d;
  d.outcome = Outcome::saved;
  d.put = std::move(r);
  return d;
}

Decision decide_delete(const Staff& staff, const std::string& id, const std::vector<Record>& all) {
  const Record* existing = find(all, id);
  if (!existing || !visible_to(staff, *existing)) return refuse(Outcome::not_found, "no such canned response");
  if (!may_change(staff, *existing))
    return refuse(Outcome::forbidden, "only supervisors and admins may delete a shared response");
  Decision d;
  d.outcome = Outcome::deleted;
  d.remove = id;
  return d;
}

}  // namespace parley::canned
