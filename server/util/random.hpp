#pragma once
// Unguessable identifiers and tokens (libsodium's CSPRNG), hex encoded.

#include <cstddef>
#include <string>
#include <string_view>

namespace parley::util {

// `prefix` followed by 2*bytes lower-case hex digits.
std::string random_token(std::string_view prefix, std::size_t bytes);

// Lower-case hex of a BLAKE2b digest of `digest_bytes` (16..64) of `data`.
std::string hash_hex(std::string_view data, std::size_t digest_bytes);

// Constant-time equality, so a secret's comparison time leaks nothing.
bool secure_equals(std::string_view a, std::string_view b);

}  // namespace parley::util
