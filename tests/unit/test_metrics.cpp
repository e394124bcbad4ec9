// Route labels for /metrics: a bounded set, whatever the paths.
#include "metrics/metrics.hpp"

#include <catch2/catch.hpp>

using parley::metrics::route_of;

TEST_CASE("metrics routes: ids become {id}, unknown resources one route, files one route") {
  const std::vector<std::pair<std::string, std::string>> table{
      {"/healthz", "/healthz"},
      {"/metrics", "/metrics"},
      {"/ws", "/ws"},
      {"/", "static"},
      {"/console/index.html", "static"},
      {"/../../etc/passwd", "static"},
      {"/help", "/help"},
      {"/help/en/2fa-reset", "/help"},
      {"/api/login", "/api/login"},
      {"/api/tickets", "/api/tickets"},
      {"/api/tickets/", "/api/tickets"},
      {"/api/tickets/T-1", "/api/tickets/{id}"},
      {"/api/tickets/T-1/reply", "/api/tickets/{id}/reply"},
      {"/api/tickets/T-1/attachments/a1", "/api/tickets/{id}/attachments/{id}"},
      {"/api/tickets/T-1/%2e%2e/x/y/z/w", "/api/tickets/{id}/{id}/{id}/{id}"},
      {"/api/conversations/c-9/events", "/api/conversations/{id}/events"},
      {"/api/requests/mine/messages", "/api/requests/mine/messages"},
      {"/api/reports/chats", "/api/reports/chats"},
      {"/api/nope", "/api/other"},
      {"/api/", "/api/other"},
      {"/api/login/../../x", "/api/login/{id}/{id}/{id}"},
  };
  for (const auto& [path, route] : table) {
    INFO(path);
    CHECK(route_of(path) == route);
  }
}
