#include "chat/text.hpp"

#include <algorithm>

namespace parley::chat {
namespace {

// Decodes the code point at `i` (valid UTF-8 assumed; a stray byte counts as itself).
std::uint32_t decode(std::string_view s, std::size_t& i) {
  const auto c = static_cast<unsigned char>(s[i++]);
  int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
  std::uint32_t code = extra == 3 ? c & 0x07 : extra == 2 ? c & 0x0F : extra == 1 ? c & 0x1F : c;
  for (; extra > 0 && i < s.size(); --extra) code = (code << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
  return code;
}

bool invisible(std::uint32_t c) {
  if (c <= 0x20 || (c >= 0x7F && c <= 0xA0)) return true;  // controls, spaces, NBSP
  switch (c) {
    case 0x00AD: case 0x034F: case 0x115F: case 0x1160: case 0x1680: case 0x180E: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000: case 0x3164: case 0xFEFF: case 0xFFA0:
      return true;
    default:
      break;
  }
  return (c >= 0x2000 && c <= 0x200F)      // en quad .. RLM: spaces, zero-width space, joiners, marks
         || (c >= 0x202A && c <= 0x202E)   // bidi embeddings and overrides
         || (c >= 0x2060 && c <= 0x206F)   // word joiner, invisible operators, bidi isolates
         || (c >= 0xFE00 && c <= 0xFE0F)   // variation selectors
         || (c >= 0xE0000 && c <= 0xE007F);  // tags
}

}  // namespace

std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

bool blank(std::string_view text) {
  for (std::size_t i = 0; i < text.size();)
    if (!invisible(decode(text, i))) return false;
  return true;
}

std::string truncate_utf8(std::string_view text, std::size_t max_chars) {
  std::size_t i = 0, chars = 0;
  while (i < text.size() && chars < max_chars) {
    decode(text, i);
    ++chars;
  }
  return std::string(text.substr(0, i));
}

}  // namespace parley::chat
