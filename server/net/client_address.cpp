#include "net/client_address.hpp"

#include <charconv>

namespace parley::net {
namespace ip = boost::asio::ip;

namespace {
ip::address_v6 as_v6(const ip::address& a) {
  return a.is_v4() ? ip::make_address_v6(ip::v4_mapped, a.to_v4()) : a.to_v6();
}
}  // namespace

std::string address_key(const ip::address& address) {
  if (address.is_v4()) return address.to_string();
  if (address.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, address.to_v6()).to_string();
  auto bytes = address.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return ip::address_v6(bytes).to_string() + "/64";
}

std::optional<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& specs, std::string* bad) {
  TrustedProxies out;
  for (const auto& spec : specs) {
    const auto slash = spec.find('/');
    boost::system::error_code ec;
    const auto address = ip::make_address(spec.substr(0, slash), ec);
    const unsigned width = address.is_v4() ? 32 : 128;
    unsigned prefix = width;
    bool ok = !ec;
    if (ok && slash != std::string::npos) {
      const auto digits = std::string_view(spec).substr(slash + 1);
      auto [end, err] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      ok = !digits.empty() && err == std::errc{} && end == digits.data() + digits.size() && prefix <= width;
    }
    if (!ok) {
      if (bad) *bad = spec;
      return std::nullopt;
    }
    out.networks_.push_back({as_v6(address), address.is_v4() ? prefix + 96 : prefix});
  }
  return out;
}

bool TrustedProxies::contains(const ip::address& address) const {
  const auto bytes = as_v6(address).to_bytes();
  for (const auto& n : networks_) {
    const auto base = n.base.to_bytes();
    unsigned bits = n.prefix;
    bool match = true;
    for (std::size_t i = 0; i < 16 && bits > 0 && match; ++i, bits = bits >= 8 ? bits - 8 : 0) {
      const unsigned mask = bits >= 8 ? 0xFFu : (0xFFu << (8 - bits)) & 0xFFu;
      match = (bytes[i] & mask) == (base[i] & mask);
    }
    if (match) return true;
  }
  return false;
}

ip::address client_of(const ip::address& peer, std::string_view real_ip_header, const TrustedProxies& trusted) {
  if (real_ip_header.empty() || !trusted.contains(peer)) return peer;
  boost::system::error_code ec;
  const auto named = ip::make_address(std::string(real_ip_header), ec);
  return ec ? peer : named;
}

}  // namespace parley::net
