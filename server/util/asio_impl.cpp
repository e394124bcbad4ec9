// The one translation unit that compiles Asio (separate compilation), shared by
// net/ and backend/redis/; every other file sees only declarations.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
