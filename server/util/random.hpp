#pragma once
// Unguessable identifiers and tokens (libsodium's CSPRNG), hex encoded.

#include <cstddef>
#include <string>
#include <string_view>

namespace parley::util {

// `prefix` followed by 2*bytes lower-case hex digits.
std::string random_token(std::string_view prefix, std::size_t bytes);

// Constant-time equality, so a secret's comparison time leaks nothing.
bool secure_equals(std::string_view a, std::string_view b);

}  // namespace parley::util
