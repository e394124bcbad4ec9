#pragma once
// The protobuf codec: ClientFrame bytes in, ServerFrame bytes out.
// Pure functions, safe on any thread.

#include "parley/v1/protocol.pb.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::protocol {

namespace v1 = parley::v1;

// Encoded once, then shared by every session it is delivered to.
using SharedBytes = std::shared_ptr<const std::string>;

inline constexpr std::uint32_t protocol_version = 1;

struct DecodeResult {
  std::optional<v1::ClientFrame> frame;
  v1::ErrorCode error = v1::ERROR_CODE_UNSPECIFIED;  // set when frame is empty
  std::string detail;
  std::uint32_t request_id = 0;  // of an envelope that parsed (UNKNOWN_FRAME), to echo in the Error
};

// Parses one binary WebSocket message. Returns MALFORMED_FRAME for bytes that
// are not a ClientFrame and UNKNOWN_FRAME for a valid envelope with no frame
// this server knows (e.g. a newer client's frame type).
DecodeResult decode_client_frame(std::string_view bytes);

SharedBytes encode(const v1::ServerFrame& frame);

v1::ServerFrame make_error(std::uint32_t request_id, v1::ErrorCode code, std::string message,
                           std::string conversation_id = {});

// Stable lower-case name of an error code for logs and docs ("forbidden").
std::string_view error_name(v1::ErrorCode code);

// What went through the codec since the process started, for /metrics:
// frames decoded by type (the oneof field number of ClientFrame), frames
// encoded by type (ServerFrame; one encoding may go to several sessions),
// Error frames by code, and bytes that were not a frame. Relaxed atomics,
// one increment per frame on whichever thread codes it.
struct FrameCounts {
  static constexpr std::size_t types = 64;  // above every field number in use
  std::array<std::atomic<std::uint64_t>, types> decoded{};
  std::array<std::atomic<std::uint64_t>, types> encoded{};
  std::array<std::atomic<std::uint64_t>, 32> errors{};  // by ErrorCode
  std::atomic<std::uint64_t> malformed{0};
  std::atomic<std::uint64_t> unknown{0};
};
const FrameCounts& frame_counts();

// For tests and the JS-less tools: decode what the server sent.
std::optional<v1::ServerFrame> decode_server_frame(std::string_view bytes);
std::string encode_client(const v1::ClientFrame& frame);

}  // namespace parley::protocol
