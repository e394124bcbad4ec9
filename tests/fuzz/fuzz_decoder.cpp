// libFuzzer target: the frame decoder, fed arbitrary bytes. Whatever decodes
// must encode and decode again to the same frame; nothing may crash, leak or
// trip ASan/UBSan. Run: scripts/test-fuzz.sh
#include "protocol/codec.hpp"

#include <google/protobuf/stubs/logging.h>

#include <cstdlib>

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);  // malformed input is the point; keep the output readable
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parley;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto decoded = protocol::decode_client_frame(bytes);
  if (!decoded.frame) {
    if (decoded.error == v1::ERROR_CODE_UNSPECIFIED) std::abort();  // a refusal always says why
    return 0;
  }
  const auto again = protocol::encode_client(*decoded.frame);
  auto redecoded = protocol::decode_client_frame(again);
  if (!redecoded.frame || protocol::encode_client(*redecoded.frame) != again) std::abort();
  return 0;
}
