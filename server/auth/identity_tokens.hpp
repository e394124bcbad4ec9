#pragma once
// Host sites vouch for their signed-in customers with an HS256 JWT signed by a
// secret shared with this server (one per site). Claims: iss = the site id,
// sub = the customer id, exp (required); optional email and name. Checked
// with libjwt (its signature comparison is constant-time); anything else,
// including another algorithm or a token without expiry, is refused.

#include "parley/v1/protocol.pb.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace parley::auth {

class IdentityVerifier {
 public:
  IdentityVerifier() = default;
  explicit IdentityVerifier(std::map<std::string, std::string> secret_by_site)
      : secret_by_site_(std::move(secret_by_site)) {}

  struct Result {
    std::optional<v1::VerifiedIdentity> identity;
    std::string refusal;  // why not, for the Error frame
  };
  Result verify(std::string_view token, std::int64_t now_ms) const;

 private:
  std::map<std::string, std::string> secret_by_site_;
};

// Reads "SITE=PATH" (the secret is the file's first line, at least 32 bytes).
// Throws std::invalid_argument naming the problem.
std::pair<std::string, std::string> load_site_secret(const std::string& spec);

// Signs a token as a host site would (tests, tools, the demo page's backend).
std::string sign_identity_token(const std::string& site, const std::string& secret, const std::string& customer_id,
                                std::int64_t expires_at_s, const std::string& email = {},
                                const std::string& name = {}, const std::string& algorithm = "HS256");

}  // namespace parley::auth
