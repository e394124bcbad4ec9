#pragma once
// Secrets a customer must never hand to support, found in a message's text and
// masked before anything stores, publishes, indexes, logs or mails it
// (docs/security.md). Pure functions, no I/O; the BIP39 wordlists are compiled
// in (server/secrets/wordlists, from Debian's python3-mnemonic).
//
// What counts (tests/data/secrets-corpus.json is the shared table; the widget's
// client-js/src/core/secrets.ts is the same rules, for English and Chinese):
//  - a seed phrase: 12 or more BIP39 words in a row from one official list,
//    after NFKD normalisation and case folding, accents ignored, list
//    numbering ("1.", "2)") skipped, a word's first four letters enough; the
//    Chinese lists only as single characters separated by spaces, so Chinese
//    prose never counts; a valid BIP39 checksum is reported, not required;
//  - a private key: WIF or an extended private key (xprv, tprv, zprv...) only
//    if its base58check checksum verifies; 64 hex digits only next to "private
//    key", "privkey", "secret key", 私钥 or 密钥 (transaction ids look the same);
//  - a one-time code or a password, by context only ("2FA code is 123456",
//    验证码 123456, "password: ...", 密码是 ...).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::secrets {

enum class Kind : std::uint8_t { seed_phrase, private_key, code, password };

// "seed_phrase", "private_key", "code", "password".
const char* name(Kind kind);

struct Found {
  Kind kind;
  std::size_t begin = 0, end = 0;  // bytes of the text
  bool checksum_ok = false;        // seed phrases: the run is a valid BIP39 mnemonic
};

// Every secret in the text, in order, not overlapping.
std::vector<Found> find(std::string_view text);

struct Masked {
  std::string text;         // each secret replaced by "[seed phrase removed]" etc.
  std::vector<Kind> kinds;  // what was removed, each kind once, in order found
  bool changed() const { return !kinds.empty(); }
};
Masked mask(std::string_view text);

// For a phrase split over several messages: how many BIP39 words (one list)
// the text starts with, and ends with; and whether it is nothing but such
// words. Numbering and separators are skipped as in find().
struct WordRuns {
  std::size_t leading = 0, trailing = 0;
  bool only_words = false;
  std::size_t leading_end = 0;  // byte just after the leading run
};
WordRuns word_runs(std::string_view text);

// The leading run of `text` masked as a seed phrase (its other secrets too):
// the rest of a phrase whose start came in earlier messages.
Masked mask_leading_words(std::string_view text);

}  // namespace parley::secrets
