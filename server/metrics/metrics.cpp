#include "metrics/metrics.hpp"

#include "chat/queues.hpp"

#include "parley/v1/events.pb.h"
#include "protocol/codec.hpp"
#include "util/version.hpp"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <mutex>
#include <set>
#include <unistd.h>

namespace parley::metrics {
namespace {

namespace v1 = parley::v1;
namespace ev = parley::events::v1;
using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Histogram;

const char* kind_name(Connection kind) {
  switch (kind) {
    case Connection::http: return "http";
    case Connection::websocket: return "websocket";
    case Connection::lmtp: return "lmtp";
  }
  return "other";
}

// Seconds: from a millisecond to a few minutes (waits), and finer ones for
// commits and Redis round trips.
const Histogram::BucketBoundaries wait_buckets{1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
const Histogram::BucketBoundaries fast_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
const Histogram::BucketBoundaries batch_buckets{1, 2, 4, 8, 16, 32, 64, 128, 256};

// The codec's counters and /proc/self, read when /metrics is asked for.
class Sampled final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> families;
    const auto& counts = protocol::frame_counts();
    families.push_back(frames("parley_frames_received_total", "WebSocket frames decoded, by ClientFrame type",
                              counts.decoded, *v1::ClientFrame::descriptor()));
    families.push_back(frames("parley_frames_encoded_total",
                              "ServerFrames encoded, by type (one encoding may go to several sessions)", counts.encoded,
                              *v1::ServerFrame::descriptor()));
    auto& errors = family(families, "parley_errors_sent_total", "Error frames sent, by code",
                          prometheus::MetricType::Counter);
    for (int code = 1; code < static_cast<int>(counts.errors.size()); ++code) {
      if (!v1::ErrorCode_IsValid(code)) continue;
      auto name = std::string(protocol::error_name(static_cast<v1::ErrorCode>(code)));
      counter(errors, {{"code", name}}, counts.errors[static_cast<std::size_t>(code)].load(std::memory_order_relaxed));
    }
    auto& bad = family(families, "parley_frames_refused_total",
                       "WebSocket messages that were not a frame this server knows", prometheus::MetricType::Counter);
    counter(bad, {{"reason", "malformed"}}, counts.malformed.load(std::memory_order_relaxed));
    counter(bad, {{"reason", "unknown"}}, counts.unknown.load(std::memory_order_relaxed));
    process_families(families);
    return families;
  }

 private:
  static prometheus::MetricFamily& family(std::vector<prometheus::MetricFamily>& families, std::string name,
                                          std::string help, prometheus::MetricType type) {
    families.push_back({std::move(name), std::move(help), type, {}});
    return families.back();
  }
  static void counter(prometheus::MetricFamily& family, std::vector<prometheus::ClientMetric::Label> labels, double value) {
    prometheus::ClientMetric metric;
    metric.label = std::move(labels);
    metric.counter.value = value;
    family.metric.push_back(std::move(metric));
  }
  static void gauge(prometheus::MetricFamily& family, double value) {
    prometheus::ClientMetric metric;
    metric.gauge.value = value;
    family.metric.push_back(std::move(metric));
  }
  template <class Array>
  static prometheus::MetricFamily frames(std::string name, std::string help, const Array& by_type,
                                         const google::protobuf::Descriptor& message) {
    prometheus::MetricFamily out{std::move(name), std::move(help), prometheus::MetricType::Counter, {}};
    const auto* oneof = message.FindOneofByName("frame");
    for (int i = 0; oneof && i < oneof->field_count(); ++i) {
      const auto number = static_cast<std::size_t>(oneof->field(i)->number());
      if (number >= by_type.size()) continue;
      counter(out, {{"type", oneof->field(i)->name()}}, by_type[number].load(std::memory_order_relaxed));
    }
    return out;
  }
  // The usual process_* series (the Go client's names), from /proc/self.
  static void process_families(std::vector<prometheus::MetricFamily>& families) {
    const long page = sysconf(_SC_PAGESIZE);
    const long ticks = sysconf(_SC_CLK_TCK);
    std::ifstream statm("/proc/self/statm");
    long size = 0, resident = 0;
    if (statm >> size >> resident) {
      gauge(family(families, "process_resident_memory_bytes", "Resident memory size in bytes",
                   prometheus::MetricType::Gauge),
            static_cast<double>(resident) * static_cast<double>(page));
      gauge(family(families, "process_virtual_memory_bytes", "Virtual memory size in bytes",
                   prometheus::MetricType::Gauge),
            static_cast<double>(size) * static_cast<double>(page));
    }
    std::ifstream stat("/proc/self/stat");
    std::string line;
    if (std::getline(stat, line)) {
      // Fields after the command name (which may hold spaces) in parentheses.
      std::istringstream rest(line.substr(line.rfind(')') + 2));
      std::vector<std::string> fields{std::istream_iterator<std::string>(rest), {}};
      if (fields.size() > 19 && ticks > 0) {
        const double cpu = (std::stod(fields[11]) + std::stod(fields[12])) / static_cast<double>(ticks);
        auto& total = family(families, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds",
                             prometheus::MetricType::Counter);
        counter(total, {}, cpu);
        auto& threads = family(families, "process_threads", "Number of OS threads", prometheus::MetricType::Gauge);
        gauge(threads, std::stod(fields[17]));
      }
    }
    std::size_t fds = 0;
    std::error_code ec;
    for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end; it.increment(ec)) ++fds;
    gauge(family(families, "process_open_fds", "Number of open file descriptors", prometheus::MetricType::Gauge),
          static_cast<double>(fds));
  }
};

}  // namespace

struct Metrics::Impl final : chat::EventListener {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<Sampled> sampled = std::make_unique<Sampled>();

  Family<Gauge>& build = BuildGauge().Name("parley_build_info").Help("The running version, always 1").Register(*registry);
  Family<Counter>& opened = BuildCounter()
                                .Name("parley_connections_opened_total")
                                .Help("Connections accepted, by kind (http, websocket: upgraded from http; lmtp)")
                                .Register(*registry);
  Family<Gauge>& open = BuildGauge().Name("parley_connections_open").Help("Connections open now, by kind").Register(*registry);
  Family<Counter>& http = BuildCounter()
                              .Name("parley_http_requests_total")
                              .Help("HTTP responses, by route (a pattern, never a raw path) and status")
                              .Register(*registry);
  Counter& ws_sent = BuildCounter()
                         .Name("parley_websocket_messages_sent_total")
                         .Help("Frames queued to WebSocket sessions (one per recipient)")
                         .Register(*registry)
                         .Add({});
  Family<Counter>& closes = BuildCounter()
                                .Name("parley_websocket_closes_total")
                                .Help("WebSocket closes this server started, by close code")
                                .Register(*registry);
  Counter& overflows = BuildCounter()
                           .Name("parley_outbox_overflows_total")
                           .Help("Sessions closed because their outbox was full (slow consumers)")
                           .Register(*registry)
                           .Add({});
  Histogram& commit_seconds = BuildHistogram()
                                  .Name("parley_store_commit_seconds")
                                  .Help("Time of one system-of-record transaction (group commit)")
                                  .Register(*registry)
                                  .Add({}, fast_buckets);
  Histogram& commit_batches = BuildHistogram()
                                  .Name("parley_store_commit_batches")
                                  .Help("Batches (events' writes) carried by one transaction")
                                  .Register(*registry)
                                  .Add({}, batch_buckets);
  Counter& commit_failures = BuildCounter()
                                 .Name("parley_store_commit_failures_total")
                                 .Help("Transactions that failed (their batches are written again first)")
                                 .Register(*registry)
                                 .Add({});
  Histogram& redis_seconds = BuildHistogram()
                                 .Name("parley_redis_round_trip_seconds")
                                 .Help("Redis command round trips")
                                 .Register(*registry)
                                 .Add({}, fast_buckets);
  Counter& redis_reconnects = BuildCounter()
                                  .Name("parley_redis_reconnects_total")
                                  .Help("Redis connections opened again after a loss")
                                  .Register(*registry)
                                  .Add({});
  Family<Counter>& mails = BuildCounter()
                               .Name("parley_mail_attempts_total")
                               .Help("Outbox mail attempts, by outcome (sent, retry: queued again, failed: given up)")
                               .Register(*registry);
  Family<Gauge>& sessions = BuildGauge()
                                .Name("parley_sessions")
                                .Help("Chat sessions signed in on this node's hub")
                                .Register(*registry);
  Gauge& agents_online = BuildGauge()
                             .Name("parley_agents_online")
                             .Help("Staff online and connected (available for routing)")
                             .Register(*registry)
                             .Add({});
  Gauge& open_chats = BuildGauge()
                          .Name("parley_conversations_open")
                          .Help("Chats waiting or being served")
                          .Register(*registry)
                          .Add({});
  Gauge& secrets = BuildGauge()
                       .Name("parley_secrets_masked")
                       .Help("Messages a secret was masked in since the hub started")
                       .Register(*registry)
                       .Add({});
  Family<Gauge>& queue_length = BuildGauge()
                                    .Name("parley_queue_length")
                                    .Help("Chats waiting, by queue (tier-1 category, or tier2)")
                                    .Register(*registry);
  Family<Gauge>& oldest_wait = BuildGauge()
                                   .Name("parley_queue_oldest_wait_seconds")
                                   .Help("How long the first chat in line has waited, by queue (0: empty)")
                                   .Register(*registry);
  Family<Gauge>& queue_open = BuildGauge()
                                  .Name("parley_queue_open")
                                  .Help("1 while a queue is in its business hours, else 0")
                                  .Register(*registry);
  Family<Counter>& chats_started = BuildCounter()
                                       .Name("parley_chats_started_total")
                                       .Help("Chats started, by category")
                                       .Register(*registry);
  Family<Counter>& chats_assigned = BuildCounter()
                                        .Name("parley_chats_assigned_total")
                                        .Help("Chats given to an agent, by tier and how (routed, accepted)")
                                        .Register(*registry);
  Histogram& assignment_wait = BuildHistogram()
                                   .Name("parley_assignment_wait_seconds")
                                   .Help("How long a chat waited in its queue before an agent had it")
                                   .Register(*registry)
                                   .Add({}, wait_buckets);
  Family<Counter>& chats_closed = BuildCounter()
                                      .Name("parley_chats_closed_total")
                                      .Help("Chats closed, by who closed them")
                                      .Register(*registry);
  Family<Counter>& ratings = BuildCounter()
                                 .Name("parley_ratings_total")
                                 .Help("Chats rated, by score (1-5)")
                                 .Register(*registry);
  Counter& escalations = BuildCounter()
                             .Name("parley_escalations_total")
                             .Help("Chats escalated to tier 2")
                             .Register(*registry)
                             .Add({});
  Counter& transfers = BuildCounter()
                           .Name("parley_transfers_total")
                           .Help("Chats transferred between agents")
                           .Register(*registry)
                           .Add({});

  std::mutex queues_mutex;
  std::set<std::string> queues_seen;  // set to 0 when they empty, not dropped

  Impl() {
    build.Add({{"version", parley::version}}).Set(1);
    // Series that alerts and dashboards use exist from the start, at 0, so
    // rate() and increase() see their first change.
    for (const char* outcome : {"sent", "retry", "failed"}) mails.Add({{"outcome", outcome}});
    for (const char* by : {"visitor", "staff", "system"}) chats_closed.Add({{"by", by}});
    for (int score = 1; score <= 5; ++score) ratings.Add({{"score", std::to_string(score)}});
    for (const char* kind : {"http", "websocket", "lmtp"}) {
      opened.Add({{"kind", kind}});
      open.Add({{"kind", kind}});
    }
  }

  void on_event(const chat::events::Event& e) override {
    switch (e.kind_case()) {
      case ev::Event::kChatStarted:
        chats_started.Add({{"category", chat::category_queue_name(e.chat_started().category())}}).Increment();
        break;
      case ev::Event::kChatAssigned:
        chats_assigned
            .Add({{"tier", e.chat_assigned().tier() >= 2 ? "2" : "1"},
                  {"how", e.chat_assigned().accepted() ? "accepted" : "routed"}})
            .Increment();
        assignment_wait.Observe(static_cast<double>(e.chat_assigned().waited_ms()) / 1000.0);
        break;
      case ev::Event::kChatClosed: {
        const auto by = e.chat_closed().closed_by();
        const char* who = by == v1::ROLE_VISITOR ? "visitor" : by == v1::ROLE_UNSPECIFIED ? "system" : "staff";
        chats_closed.Add({{"by", who}}).Increment();
        break;
      }
      case ev::Event::kChatRated: {
        const auto score = e.chat_rated().score();
        if (score >= 1 && score <= 5) ratings.Add({{"score", std::to_string(score)}}).Increment();
        break;
      }
      case ev::Event::kChatEscalated: escalations.Increment(); break;
      case ev::Event::kChatTransferred: transfers.Increment(); break;
      default: break;
    }
  }
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

std::string Metrics::exposition() const {
  auto families = impl_->registry->Collect();
  for (auto& family : impl_->sampled->Collect()) families.push_back(std::move(family));
  return prometheus::TextSerializer().Serialize(families);
}

void Metrics::connection_opened(Connection kind) {
  impl_->opened.Add({{"kind", kind_name(kind)}}).Increment();
  impl_->open.Add({{"kind", kind_name(kind)}}).Increment();
}
void Metrics::connection_closed(Connection kind) { impl_->open.Add({{"kind", kind_name(kind)}}).Decrement(); }

void Metrics::http_request(std::string_view route, unsigned status) {
  impl_->http.Add({{"route", std::string(route)}, {"status", std::to_string(status)}}).Increment();
}

void Metrics::websocket_message_sent() { impl_->ws_sent.Increment(); }
void Metrics::websocket_closed(std::uint16_t code) { impl_->closes.Add({{"code", std::to_string(code)}}).Increment(); }
void Metrics::outbox_overflow() { impl_->overflows.Increment(); }

void Metrics::store_commit(double seconds, std::size_t batches, bool ok) {
  impl_->commit_seconds.Observe(seconds);
  impl_->commit_batches.Observe(static_cast<double>(batches));
  if (!ok) impl_->commit_failures.Increment();
}

void Metrics::redis_round_trip(double seconds) { impl_->redis_seconds.Observe(seconds); }
void Metrics::redis_reconnect() { impl_->redis_reconnects.Increment(); }

void Metrics::mail(Mail outcome) {
  const char* name = outcome == Mail::sent ? "sent" : outcome == Mail::retry ? "retry" : "failed";
  impl_->mails.Add({{"outcome", name}}).Increment();
}

void Metrics::service(const chat::ServiceStats& stats, std::int64_t now_ms) {
  auto& m = *impl_;
  m.sessions.Add({}).Set(static_cast<double>(stats.sessions));
  m.agents_online.Set(static_cast<double>(stats.agents_online));
  m.open_chats.Set(static_cast<double>(stats.open_conversations));
  m.secrets.Set(static_cast<double>(stats.secrets_masked));
  std::lock_guard lock(m.queues_mutex);
  std::set<std::string> now_waiting;
  for (const auto& queue : stats.queues) {
    m.queue_length.Add({{"queue", queue.name}}).Set(static_cast<double>(queue.length));
    const auto waited = queue.oldest_queued_ms > 0 ? std::max<std::int64_t>(0, now_ms - queue.oldest_queued_ms) : 0;
    m.oldest_wait.Add({{"queue", queue.name}}).Set(static_cast<double>(waited) / 1000.0);
    now_waiting.insert(queue.name);
    m.queues_seen.insert(queue.name);
  }
  for (const auto& name : m.queues_seen)
    if (!now_waiting.contains(name)) {
      m.queue_length.Add({{"queue", name}}).Set(0);
      m.oldest_wait.Add({{"queue", name}}).Set(0);
    }
}

void Metrics::hours(const hours::BusinessHours& hours, std::int64_t now_ms) {
  for (const auto& name : hours::BusinessHours::queue_names())
    impl_->queue_open.Add({{"queue", name}}).Set(hours.of(name).open_at(now_ms) ? 1 : 0);
}

chat::EventListener& Metrics::chat_events() { return *impl_; }

Metrics& process() {
  static Metrics metrics;
  return metrics;
}

std::string route_of(std::string_view path) {
  if (path == "/metrics" || path == "/healthz" || path == "/ws") return std::string(path);
  if (path == "/help" || path.starts_with("/help/")) return "/help";
  if (!path.starts_with("/api/")) return "static";
  // Known resources and actions keep their names; anything else in their
  // place is an id. Unknown resources are one route.
  static const std::set<std::string_view> resources{
      "login", "logout", "me", "search", "conversations", "customers", "canned", "requests", "transcripts", "tickets", "reports", "live"};
  static const std::set<std::string_view> words{
      "events", "hold", "export", "customer", "erase", "reply", "note", "status", "assign", "claim", "mine",
      "messages", "from-chat", "attachments", "csv", "chats", "agents", "queues"};
  std::string route = "/api";
  std::size_t start = 5, parts = 0;
  while (start <= path.size() && parts < 5) {
    const auto end = std::min(path.find('/', start), path.size());
    const auto part = path.substr(start, end - start);
    if (parts == 0) {
      if (!resources.contains(part)) return "/api/other";
      route += "/" + std::string(part);
    } else if (!part.empty()) {
      route += words.contains(part) ? "/" + std::string(part) : std::string("/{id}");
    }
    ++parts;
    start = end + 1;
  }
  return route;
}

}  // namespace parley::metrics
