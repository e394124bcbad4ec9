// Canned responses: who sees and changes which, limits, shortcuts (server/canned).
#include "canned/canned_responses.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace parley;
using canned::Outcome;

namespace {

const canned::Staff alice{"alice", v1::ROLE_AGENT};
const canned::Staff bob{"bob", v1::ROLE_AGENT};
const canned::Staff tina{"tina", v1::ROLE_TIER2};
const canned::Staff sam{"sam", v1::ROLE_SUPERVISOR};

canned::Edit edit(std::string shortcut, bool shared = false, std::string team = {}) {
  canned::Edit e;
  e.shortcut = std::move(shortcut);
  e.title = "Ask for the TXID";
  e.shared = shared;
  e.team = std::move(team);
  e.texts = {{"en", "Hello {visitor_name}, could you share the TXID?"}, {"zh-CN", "您好 {visitor_name}，请提供交易哈希。"}};
  return e;
}

// Saves through decide_save as the store would: the decision's record is added.
canned::Decision save(std::vector<canned::Record>& all, const canned::Staff& who, canned::Edit e) {
  auto d = canned::decide_save(who, e, all, 1000, "cr_" + std::to_string(all.size() + 1));
  if (d.put) {
    std::erase_if(all, [&](const canned::Record& r) { return r.id() == d.put->id(); });
    all.push_back(*d.put);
  }
  return d;
}

}  // namespace

TEST_CASE("canned responses: personal ones are their owner's, shared ones their team's") {
  std::vector<canned::Record> all;
  REQUIRE(save(all, alice, edit("txid")).outcome == Outcome::saved);
  REQUIRE(save(all, sam, edit("greeting", true)).outcome == Outcome::saved);
  REQUIRE(save(all, sam, edit("senior-hello", true, "tier2")).outcome == Outcome::saved);
  REQUIRE(save(all, sam, edit("tier1-only", true, "tier1")).outcome == Outcome::saved);
  auto shortcuts = [&](const canned::Staff& who) {
    std::vector<std::string> out;
    for (const auto& r : canned::visible(who, all)) out.push_back(r.shortcut());
    return out;
  };
  CHECK(shortcuts(alice) == std::vector<std::string>{"greeting", "tier1-only", "txid"});
  CHECK(shortcuts(bob) == std::vector<std::string>{"greeting", "tier1-only"});
  CHECK(shortcuts(tina) == std::vector<std::string>{"greeting", "senior-hello"});
  CHECK(shortcuts(sam) == std::vector<std::string>{"greeting", "senior-hello", "tier1-only"});  // not alice's own

  const auto txid = all[0].id();
  const auto greeting = all[1].id();
  CHECK(all[0].owner_id() == "alice");
  CHECK(all[1].owner_id().empty());
  // Someone else's personal response does not exist for them; a shared one is
  // read-only to agents.
  auto change = edit("txid");
  change.id = txid;
  CHECK(canned::decide_save(bob, change, all, 2000, "x").outcome == Outcome::not_found);
  CHECK(canned::decide_delete(bob, txid, all).outcome == Outcome::not_found);
  CHECK(canned::decide_delete(sam, txid, all).outcome == Outcome::not_found);
  auto shared_change = edit("greeting", true);
  shared_change.id = greeting;
  CHECK(canned::decide_save(alice, shared_change, all, 2000, "x").outcome == Outcome::forbidden);
  CHECK(canned::decide_delete(alice, greeting, all).outcome == Outcome::forbidden);
  CHECK(canned::decide_save(sam, shared_change, all, 2000, "x").outcome == Outcome::saved);
  CHECK(canned::decide_delete(sam, greeting, all).outcome == Outcome::deleted);
  // An agent may not share; their own edits keep the id and the owner.
  CHECK(canned::decide_save(alice, edit("mine", true), all, 2000, "x").outcome == Outcome::forbidden);
  change.title = "TXID please";
  const auto d = canned::decide_save(alice, change, all, 2000, "unused");
  REQUIRE(d.outcome == Outcome::saved);
  CHECK(d.put->id() == txid);
  CHECK(d.put->owner_id() == "alice");
  CHECK(d.put->updated_ms() == 2000);
  CHECK(d.put->updated_by() == "alice");
}

TEST_CASE("canned responses: bad fields are refused with a reason") {
  struct Case {
    const char* what;
    canned::Edit e;
  };
  std::vector<Case> cases;
  auto with = [](auto change) {
    auto e = edit("ok");
    change(e);
    return e;
  };
  cases.push_back({"empty shortcut", with([](auto& e) { e.shortcut = ""; })});
  cases.push_back({"shortcut with a space", with([](auto& e) { e.shortcut = "two words"; })});
  cases.push_back({"shortcut in capitals", with([](auto& e) { e.shortcut = "TXID"; })});
  cases.push_back({"shortcut with a slash", with([](auto& e) { e.shortcut = "/txid"; })});
  cases.push_back({"shortcut in Chinese", with([](auto& e) { e.shortcut = "提现"; })});
  cases.push_back({"shortcut of 33", with([](auto& e) { e.shortcut = std::string(33, 'a'); })});
  cases.push_back({"blank title", with([](auto& e) { e.title = " \u00a0\u200b"; })});
  cases.push_back({"title of 81", with([](auto& e) { e.title = std::string(81, 't'); })});
  cases.push_back({"unknown locale", with([](auto& e) { e.texts = {{"fr", "Bonjour"}}; })});
  cases.push_back({"no text", with([](auto& e) { e.texts = {}; })});
  cases.push_back({"only blank texts", with([](auto& e) { e.texts = {{"en", "  "}, {"zh-CN", "\u3000"}}; })});
  cases.push_back({"text of 2001", with([](auto& e) { e.texts = {{"en", std::string(2001, 'x')}}; })});
  cases.push_back({"Chinese text of 2001", with([](auto& e) {
                     std::string t;
                     for (int i = 0; i < 2001; ++i) t += "提";
                     e.texts = {{"zh-CN", t}};
                   })});
  cases.push_back({"unknown team", with([](auto& e) { e.shared = true; e.team = "vip"; })});
  cases.push_back({"team on a personal one", with([](auto& e) { e.team = "tier2"; })});
  for (const auto& c : cases) {
    INFO(c.what);
    std::vector<canned::Record> all;
    const auto d = canned::decide_save(sam, c.e, all, 1, "id");
    CHECK(d.outcome == Outcome::invalid);
    CHECK_FALSE(d.message.empty());
    CHECK_FALSE(d.put);
  }
  // At the limits, still fine.
  std::vector<canned::Record> all;
  auto longest = edit(std::string(32, 'z'));
  longest.title = std::string(80, 't');
  std::string chinese;
  for (int i = 0; i < 2000; ++i) chinese += "提";
  longest.texts = {{"zh-CN", chinese}};
  CHECK(canned::decide_save(alice, longest, all, 1, "id").outcome == Outcome::saved);
}

TEST_CASE("canned responses: shortcuts are unique per owner and among shared ones, within limits") {
  std::vector<canned::Record> all;
  REQUIRE(save(all, alice, edit("txid")).outcome == Outcome::saved);
  CHECK(save(all, alice, edit("txid")).outcome == Outcome::duplicate_shortcut);
  CHECK(save(all, bob, edit("txid")).outcome == Outcome::saved);      // bob's own
  CHECK(save(all, sam, edit("txid", true)).outcome == Outcome::saved);  // a shared one
  CHECK(save(all, sam, edit("txid", true, "tier2")).outcome == Outcome::duplicate_shortcut);

  for (std::size_t i = all.size(); i < canned::max_personal_per_owner + 3; ++i)
    save(all, alice, edit("r" + std::to_string(i)));
  std::size_t hers = 0;
  for (const auto& r : all) hers += r.owner_id() == "alice";
  CHECK(hers == canned::max_personal_per_owner);
  const auto over = canned::decide_save(alice, edit("one-more"), all, 1, "id");
  CHECK(over.outcome == Outcome::limit_reached);
  CHECK(over.message.find("200") != std::string::npos);
  // At the limit, her existing ones can still be changed.
  auto change = edit("txid");
  change.id = all[0].id();
  change.title = "still editable";
  CHECK(canned::decide_save(alice, change, all, 1, "id").outcome == Outcome::saved);
  // Others are not affected by her limit.
  CHECK(canned::decide_save(bob, edit("fresh"), all, 1, "id").outcome == Outcome::saved);
}
