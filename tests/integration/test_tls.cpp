// Native TLS (--tls-cert, --tls-key): HTTPS and WSS from the server itself, for
// deployments without a terminating proxy.

#include "helpers.hpp"
#include "support/test_ca.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <filesystem>

using namespace parley;
using namespace parley::test;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;

namespace {

// The server's certificate, for 127.0.0.1 only, from a throwaway CA the clients trust.
struct Certificate {
  TestCa ca;
  TestCa::Issued issued = ca.issue("parley", "IP:127.0.0.1");
  const std::string& cert = issued.cert;
  const std::string& key = issued.key;
};

// A TLS connection that trusts only the test certificate and checks the name.
struct TlsClient {
  asio::io_context io;
  ssl::context ctx{ssl::context::tls_client};
  beast::ssl_stream<beast::tcp_stream> stream{io, ctx};
  TlsClient(unsigned short port, const std::string& ca) {
    ctx.load_verify_file(ca);
    stream.set_verify_mode(ssl::verify_peer);
    stream.set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    beast::get_lowest_layer(stream).expires_after(5s);
    beast::get_lowest_layer(stream).connect({asio::ip::make_address("127.0.0.1"), port});
    stream.handshake(ssl::stream_base::client);
  }
};

}  // namespace

TEST_CASE("with --tls-cert and --tls-key the server speaks HTTPS and WSS only") {
  Certificate certificate;
  ServerProcess server(server_args({"--tls-cert", certificate.cert, "--tls-key", certificate.key}));
  const auto port = server.port();

  SECTION("HTTPS: health, and staff sign-in") {
    TlsClient tls(port, certificate.ca.ca_file());
    namespace http = beast::http;
    http::request<http::string_body> req{http::verb::post, "/api/login", 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(http::field::content_type, "application/json");
    req.body() = R"({"agent_id":"alice","password":"alice-secret"})";
    req.prepare_payload();
    http::write(tls.stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(tls.stream, buffer, res);
    CHECK(res.result_int() == 200);
    CHECK(res.body().find("\"token\":\"pst_") != std::string::npos);
  }

  SECTION("WSS: a visitor chats, and the page's https origin is its own") {
    TlsClient tls(port, certificate.ca.ca_file());
    beast::websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(std::move(tls.stream));
    beast::get_lowest_layer(ws).expires_never();
    ws.set_option(beast::websocket::stream_base::decorator([port](beast::websocket::request_type& r) {
      r.set(beast::http::field::origin, "https://127.0.0.1:" + std::to_string(port));
    }));
    ws.handshake("127.0.0.1:" + std::to_string(port), "/ws");
    ws.binary(true);
    ws.write(asio::buffer(visitor_hello().SerializeAsString()));
    beast::flat_buffer buffer;
    ws.read(buffer);
    v1::ServerFrame frame;
    REQUIRE(frame.ParseFromString(beast::buffers_to_string(buffer.data())));
    CHECK(frame.has_welcome());
    ws.close(beast::websocket::close_code::normal);
  }

  SECTION("plain HTTP to the TLS port gets no answer, and the server keeps serving") {
    CHECK_THROWS(http_get(port, "/healthz"));
    TlsClient tls(port, certificate.ca.ca_file());
    CHECK(tls.stream.native_handle() != nullptr);
  }

  SECTION("TLS 1.1 is refused") {
    asio::io_context io;
    ssl::context old{ssl::context::tls_client};
    SSL_CTX_set_min_proto_version(old.native_handle(), TLS1_1_VERSION);
    SSL_CTX_set_max_proto_version(old.native_handle(), TLS1_1_VERSION);
    beast::ssl_stream<beast::tcp_stream> stream{io, old};
    beast::get_lowest_layer(stream).expires_after(5s);
    beast::get_lowest_layer(stream).connect({asio::ip::make_address("127.0.0.1"), port});
    beast::error_code ec;
    stream.handshake(ssl::stream_base::client, ec);
    CHECK(ec);
  }
}
