// The secrets detector (server/secrets) against the corpus it shares with the
// widget's copy (tests/data/secrets-corpus.json, made with python3-mnemonic and
// base58check), then the rules the corpus cannot show: where the mask goes,
// what stays, a phrase split over messages.
#include "secrets/detector.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace parley;
namespace json = boost::json;

namespace {
json::array corpus() {
  std::ifstream in(std::string(PARLEY_SOURCE_DIR) + "/tests/data/secrets-corpus.json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str()).at("cases").as_array();
}
}  // namespace

TEST_CASE("secrets: every case of the shared corpus is found or left alone as it says, and masking removes it") {
  std::size_t positives = 0, negatives = 0, missed = 0, false_alarms = 0;
  for (const auto& c : corpus()) {
    const std::string what(c.at("what").as_string());
    const std::string text(c.at("text").as_string());
    INFO(what << ": " << text);
    const auto found = secrets::find(text);
    if (c.at("secret").is_null()) {
      ++negatives;
      if (!found.empty()) ++false_alarms;
      CHECK(found.empty());
      CHECK(secrets::mask(text).text == text);
      continue;
    }
    ++positives;
    const std::string kind(c.at("secret").as_string());
    const bool hit = std::any_of(found.begin(), found.end(), [&](const secrets::Found& f) { return kind == secrets::name(f.kind); });
    if (!hit) ++missed;
    CHECK(hit);
    const auto masked = secrets::mask(text);
    CHECK(masked.changed());
    CHECK(secrets::find(masked.text).empty());  // nothing of it is left to find
  }
  // The rates docs/security.md reports.
  CHECK(positives >= 20);
  CHECK(negatives >= 10);
  CHECK(missed == 0);
  CHECK(false_alarms == 0);
}

TEST_CASE("secrets: only the secret is replaced, the rest of the message stays as written") {
  const std::string phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow";
  auto m = secrets::mask("Hello, my words are " + phrase + " - is my wallet safe?");
  CHECK(m.text == "Hello, my words are [seed phrase removed] - is my wallet safe?");
  CHECK(m.kinds == std::vector<secrets::Kind>{secrets::Kind::seed_phrase});
  const auto found = secrets::find(phrase);
  REQUIRE(found.size() == 1);
  CHECK(found[0].checksum_ok);  // a BIP39 test vector
  CHECK_FALSE(secrets::find("legal winner thank year wave sausage worth useful legal winner thank wave")[0].checksum_ok);
  m = secrets::mask("my 2FA code is 482913 and my password: Tr0ub4dor&3");
  CHECK(m.text == "my 2FA code is [code removed] and my password: [password removed]");
  CHECK(m.kinds == std::vector<secrets::Kind>{secrets::Kind::code, secrets::Kind::password});
  // Nothing to find: the text is returned as is, even bytes that are not UTF-8.
  for (const std::string& plain : std::vector<std::string>{"", "hi", "\xff\xfe broken", std::string(5000, 'a'), "提现 充值 冻结 实名"}) {
    CHECK(secrets::mask(plain).text == plain);
    CHECK_FALSE(secrets::mask(plain).changed());
  }
}

TEST_CASE("secrets: the words a message starts and ends with, for a phrase sent in parts") {
  auto r = secrets::word_runs("abandon ability able about");
  CHECK(r.leading == 4);
  CHECK(r.trailing == 4);
  CHECK(r.only_words);
  r = secrets::word_runs("1. abandon 2. ability and then something else entirely");
  CHECK(r.leading == 2);  // numbering skipped; "and" is not a BIP39 word
  CHECK_FALSE(r.only_words);
  r = secrets::word_runs("here they are: zoo zone zero");
  CHECK(r.leading == 0);
  CHECK(r.trailing == 3);
  CHECK(secrets::mask_leading_words("wrist wrong yard, thanks").text == "[seed phrase removed], thanks");
}
