#include "auth/password.hpp"

#include "util/random.hpp"

#include <sodium.h>

#include <stdexcept>

namespace parley::auth {
namespace {

void require_sodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

std::string hash_password(std::string_view password, HashCost cost) {
  require_sodium();
  const auto ops = cost == HashCost::interactive ? crypto_pwhash_OPSLIMIT_INTERACTIVE : crypto_pwhash_OPSLIMIT_MIN;
  const auto mem = cost == HashCost::interactive ? crypto_pwhash_MEMLIMIT_INTERACTIVE : crypto_pwhash_MEMLIMIT_MIN;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("argon2id hashing ran out of memory");
  return out;
}

bool verify_password(std::string_view hash, std::string_view password) {
  require_sodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string terminated(hash);  // libsodium wants a NUL-terminated string
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

bool is_weak_hash(std::string_view hash) {
  require_sodium();
  const std::string terminated(hash);
  return crypto_pwhash_str_needs_rehash(terminated.c_str(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
}

std::string public_agent_id(std::string_view id, std::string_view password_hash) {
  return "agent-" + util::hash_hex("public-id\n" + std::string(password_hash) + "\n" + std::string(id), 8);
}

std::string credential_stamp(std::string_view hash, std::uint64_t sign_in_generation) {
  // Generation 0 keeps the stamps of files written before generations existed.
  if (sign_in_generation == 0) return util::hash_hex(hash, 16);
  return util::hash_hex(std::string(hash) + "#" + std::to_string(sign_in_generation), 16);
}

std::string generate_password() {
  require_sodium();
  // No look-alike characters (0/O, 1/l/I).
  static constexpr std::string_view alphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string password;
  for (int i = 0; i < 16; ++i)
    password += alphabet[randombytes_uniform(static_cast<std::uint32_t>(alphabet.size()))];
  return password;
}

}  // namespace parley::auth
