// libFuzzer target: any bytes as a received mail. Reading it (GMime), cutting
// the new part, judging it automatic and listing and reading its attachments
// must never crash, hang or leak, and must give valid UTF-8 text.
#include "mail/inbound.hpp"

#include <glib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const parley::mail::Identity identity{"Support", "support@example.com", "fuzz key"};
  const std::string raw(reinterpret_cast<const char*>(data), size);
  const auto in = parley::mail::parse(identity, raw, size % 2 ? "" : "li@example.com");
  for (const auto* text : {&in.mail.text, &in.mail.subject, &in.mail.from_name})
    if (!g_utf8_validate(text->data(), static_cast<gssize>(text->size()), nullptr)) std::abort();
  for (const auto& a : in.mail.attachments) {
    auto file = parley::mail::attachment(raw, a.index());
    if (!file || file->bytes.size() != a.size()) std::abort();  // what is listed is what is served
  }
  (void)parley::mail::received(identity, in, {"support+t1.abc@example.com"}, raw, "in", 0);
  return 0;
}
