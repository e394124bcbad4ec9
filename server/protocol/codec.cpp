#include "protocol/codec.hpp"


namespace parley::protocol {
namespace {

FrameCounts counts;

void count(std::atomic<std::uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

template <class Array>
void count(Array& by, std::size_t index) {
  if (index < by.size()) count(by[index]);
}

}  // namespace

const FrameCounts& frame_counts() { return counts; }

DecodeResult decode_client_frame(std::string_view bytes) {
  DecodeResult result;
  v1::ClientFrame frame;
  // The frame size is bounded by the WebSocket layer, and the schema has no
  // recursion, so the default nesting limit is never what stops a parse.
  if (!frame.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    count(counts.malformed);
    result.error = v1::ERROR_CODE_MALFORMED_FRAME;
    result.detail = "frame is not a parley.v1.ClientFrame";
    return result;
  }
  if (frame.frame_case() == v1::ClientFrame::FRAME_NOT_SET) {
    count(counts.unknown);
    result.error = v1::ERROR_CODE_UNKNOWN_FRAME;
    result.detail = "envelope holds no known frame type";
    result.request_id = frame.request_id();
    return result;
  }
  count(counts.decoded, static_cast<std::size_t>(frame.frame_case()));
  result.frame = std::move(frame);
  return result;
}

SharedBytes encode(const v1::ServerFrame& frame) {
  auto bytes = std::make_shared<std::string>();
  frame.SerializeToString(bytes.get());
  count(counts.encoded, static_cast<std::size_t>(frame.frame_case()));
  if (frame.has_error()) count(counts.errors, static_cast<std::size_t>(frame.error().code()));
  return bytes;
}

v1::ServerFrame make_error(std::uint32_t request_id, v1::ErrorCode code, std::string message,
                           std::string conversation_id) {
  v1::ServerFrame frame;
  auto* error = frame.mutable_error();
  error->set_request_id(request_id);
  error->set_code(code);
  error->set_message(std::move(message));
  error->set_conversation_id(std::move(conversation_id));
  return frame;
}

std::string_view error_name(v1::ErrorCode code) {
  switch (code) {
    case v1::ERROR_CODE_MALFORMED_FRAME: return "malformed_frame";
    case v1::ERROR_CODE_UNKNOWN_FRAME: return "unknown_frame";
    case v1::ERROR_CODE_NOT_AUTHENTICATED: return "not_authenticated";
    case v1::ERROR_CODE_AUTH_FAILED: return "auth_failed";
    case v1::ERROR_CODE_FORBIDDEN: return "forbidden";
    case v1::ERROR_CODE_WRONG_STATE: return "wrong_state";
    case v1::ERROR_CODE_NOT_FOUND: return "not_found";
    case v1::ERROR_CODE_INVALID_ARGUMENT: return "invalid_argument";
    case v1::ERROR_CODE_RATE_LIMITED: return "rate_limited";
    case v1::ERROR_CODE_AT_CAPACITY: return "at_capacity";
    case v1::ERROR_CODE_ALREADY_DONE: return "already_done";
    case v1::ERROR_CODE_UNAVAILABLE: return "unavailable";
    case v1::ERROR_CODE_INTERNAL: return "internal";
    case v1::ERROR_CODE_HISTORY_LOST: return "history_lost";
    case v1::ERROR_CODE_LIMIT_REACHED: return "limit_reached";
    default: return "unspecified";
  }
}

std::optional<v1::ServerFrame> decode_server_frame(std::string_view bytes) {
  v1::ServerFrame frame;
  if (!frame.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  return frame;
}

std::string encode_client(const v1::ClientFrame& frame) {
  std::string bytes;
  frame.SerializeToString(&bytes);
  return bytes;
}

}  // namespace parley::protocol
