#pragma once
// What an operator watches (GET /metrics, Prometheus text format), made with
// prometheus-cpp's core (the library stays in this module and its .cpp). One
// set per process: every module counts into metrics::process(). Labels are
// bounded sets (kinds, routes, codes, queues, frame types); never a visitor,
// an agent or a conversation (cardinality).
//
// Hot paths keep plain atomics of their own (the codec's FrameCounts) that
// are read only when /metrics is asked for; everything else increments
// prometheus-cpp's metrics directly (each an atomic add).

#include "chat/events.hpp"
#include "chat/service.hpp"
#include "hours/business_hours.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace parley::metrics {

enum class Connection { http, websocket, lmtp };
enum class Mail { sent, retry, failed };

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Everything, in the Prometheus text exposition format (version 0.0.4).
  std::string exposition() const;

  // Network (any shard thread).
  void connection_opened(Connection kind);
  void connection_closed(Connection kind);
  // `route` is a pattern ("/api/tickets/{id}"), see route_of.
  void http_request(std::string_view route, unsigned status);
  void websocket_message_sent();
  void websocket_closed(std::uint16_t code);  // a close this server started
  void outbox_overflow();
  // The system of record (its writer thread): one transaction.
  void store_commit(double seconds, std::size_t batches, bool ok);
  // Redis (the hub thread).
  void redis_round_trip(double seconds);
  void redis_reconnect();
  // The outbox's mailer thread: what became of one attempt.
  void mail(Mail outcome);
  // The hub, about once a second: sessions, agents online, queues.
  void service(const chat::ServiceStats& stats, std::int64_t now_ms);
  // Whether each queue is in its business hours now (1) or not (0).
  void hours(const hours::BusinessHours& hours, std::int64_t now_ms);
  // Chat events (chats started, assigned with their wait, closed, rated):
  // subscribe it to the Service (on the hub).
  chat::EventListener& chat_events();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The process's metrics.
Metrics& process();

// A request path as a route label: known API paths with their ids replaced
// ("/api/tickets/{id}/reply"), "/metrics", "/healthz", "/ws", "/help", and
// "static" for everything else (files, or 404s: never the raw path).
std::string route_of(std::string_view path);

}  // namespace parley::metrics
