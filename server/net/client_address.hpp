#pragma once
// Who is on the other end of a connection, for per-address limits: the TCP
// peer, or, when the peer is a proxy the operator named (--trusted-proxy), the
// client that proxy names in X-Real-IP. Plain functions and a value type;
// thread-safe to read once built.

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net {

// The key per-address limits count under: an IPv4 address or an IPv6 /64
// (one subscriber's usual allocation), so limits cannot be dodged within a /64.
// IPv4-mapped IPv6 addresses count as their IPv4 address.
std::string address_key(const boost::asio::ip::address& address);

// Proxies whose X-Real-IP header is believed, as nginx's set_real_ip_from:
// addresses or networks ("127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8").
// Empty by default: then no header is believed and the peer is the client.
class TrustedProxies {
 public:
  // Nothing when `spec` is not an address or ADDRESS/PREFIX.
  static std::optional<TrustedProxies> parse(const std::vector<std::string>& specs, std::string* bad = nullptr);
  bool contains(const boost::asio::ip::address& address) const;
  bool empty() const { return networks_.empty(); }

 private:
  struct Network {
    boost::asio::ip::address_v6 base;  // IPv4 as v4-mapped
    unsigned prefix = 128;
  };
  std::vector<Network> networks_;
};

// The client a request comes from: X-Real-IP when the peer is a trusted proxy
// and the header is a valid address; otherwise the peer itself.
boost::asio::ip::address client_of(const boost::asio::ip::address& peer, std::string_view real_ip_header,
                                   const TrustedProxies& trusted);

}  // namespace parley::net
