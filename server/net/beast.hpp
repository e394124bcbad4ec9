#pragma once
// Short names for the Asio and Beast namespaces used in net/.

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace parley::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

// The two transports a session runs on: plain TCP (behind a TLS-terminating
// proxy, or for development) and native TLS (--tls-cert/--tls-key).
using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;
template <class Stream>
inline constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;
}  // namespace parley::net
