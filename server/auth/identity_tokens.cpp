#include "auth/identity_tokens.hpp"

#include "chat/field_limits.hpp"

#include <jwt.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace parley::auth {
namespace {

constexpr std::size_t max_token_bytes = 4096;

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using Jwt = std::unique_ptr<jwt_t, JwtFree>;

std::string grant(jwt_t* jwt, const char* name) {
  const char* value = jwt_get_grant(jwt, name);
  return value ? value : "";
}

}  // namespace

IdentityVerifier::Result IdentityVerifier::verify(std::string_view token, std::int64_t now_ms) const {
  Result result;
  if (secret_by_site_.empty()) {
    result.refusal = "this server accepts no identity tokens (no --identity-site configured)";
    return result;
  }
  if (token.size() > max_token_bytes) {
    result.refusal = "identity token is too long";
    return result;
  }
  const std::string terminated(token);
  // First read the issuer without checking anything, only to pick the key.
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, terminated.c_str(), nullptr, 0) != 0 || !raw) {
    result.refusal = "identity token is not a JWT";
    return result;
  }
  const std::string site = grant(Jwt(raw).get(), "iss");
  auto secret = secret_by_site_.find(site);
  if (secret == secret_by_site_.end()) {
    result.refusal = "identity token names an unknown site (iss)";
    return result;
  }
  raw = nullptr;
  const int failed = jwt_decode(&raw, terminated.c_str(), reinterpret_cast<const unsigned char*>(secret->second.data()),
                                static_cast<int>(secret->second.size()));
  Jwt jwt(raw);
  if (failed != 0 || !jwt) {
    result.refusal = "identity token signature does not verify";
    return result;
  }
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) {
    result.refusal = "identity token must be signed with HS256";
    return result;
  }
  errno = 0;
  const long expires_s = jwt_get_grant_int(jwt.get(), "exp");
  if (errno != 0) {
    result.refusal = "identity token has no expiry (exp)";
    return result;
  }
  if (static_cast<std::int64_t>(expires_s) * 1000 <= now_ms) {
    result.refusal = "identity token has expired";
    return result;
  }
  const auto customer = grant(jwt.get(), "sub");
  const auto email = grant(jwt.get(), "email");
  const auto name = grant(jwt.get(), "name");
  namespace field = chat::field;
  if (customer.empty() || customer.size() > field::customer_id_bytes || email.size() > field::email_bytes ||
      name.size() > field::token_name_bytes) {
    result.refusal = "identity token: sub must be 1 to " + std::to_string(field::customer_id_bytes) +
                     " bytes, email at most " + std::to_string(field::email_bytes) + " bytes, name at most " +
                     std::to_string(field::token_name_bytes) + " bytes";
    return result;
  }
  v1::VerifiedIdentity identity;
  identity.set_site(site);
  identity.set_customer_id(customer);
  identity.set_customer_email(email);
  identity.set_customer_name(name);
  identity.set_expires_at_ms(static_cast<std::int64_t>(expires_s) * 1000);
  result.identity = std::move(identity);
  return result;
}

std::pair<std::string, std::string> load_site_secret(const std::string& spec) {
  const auto equals = spec.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == spec.size())
    throw std::invalid_argument("expected SITE=PATH, got \"" + spec + "\"");
  const std::string site = spec.substr(0, equals), path = spec.substr(equals + 1);
  std::ifstream in(path);
  std::string secret;
  if (!in || !std::getline(in, secret)) throw std::invalid_argument(path + ": cannot be read");
  if (secret.size() < 32) throw std::invalid_argument(path + ": the secret must be at least 32 bytes");
  return {site, secret};
}

std::string sign_identity_token(const std::string& site, const std::string& secret, const std::string& customer_id,
                                std::int64_t expires_at_s, const std::string& email, const std::string& name,
                                const std::string& algorithm) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  Jwt jwt(raw);
  jwt_add_grant(jwt.get(), "iss", site.c_str());
  jwt_add_grant(jwt.get(), "sub", customer_id.c_str());
  if (expires_at_s != 0) jwt_add_grant_int(jwt.get(), "exp", static_cast<long>(expires_at_s));
  if (!email.empty()) jwt_add_grant(jwt.get(), "email", email.c_str());
  if (!name.empty()) jwt_add_grant(jwt.get(), "name", name.c_str());
  const auto alg = jwt_str_alg(algorithm.c_str());
  if (jwt_set_alg(jwt.get(), alg, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) != 0)
    throw std::runtime_error("jwt_set_alg failed");
  char* encoded = jwt_encode_str(jwt.get());
  if (!encoded) throw std::runtime_error("jwt_encode_str failed");
  std::string token(encoded);
  std::free(encoded);
  return token;
}

}  // namespace parley::auth
