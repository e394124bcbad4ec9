#pragma once
// Text rules shared by every field the chat core takes: length in code points,
// what counts as blank, truncation that never splits a character. Plain
// functions over UTF-8 (the decoder already refused invalid UTF-8).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::chat {

// Code points in valid UTF-8.
std::size_t utf8_length(std::string_view text);

// True when nothing in `text` would show: ASCII whitespace and controls, and
// the Unicode spaces and invisible characters a message could be padded with
// (no-break and other spaces, zero-width space/joiners, word joiner, BOM,
// soft hyphen, bidi marks, Hangul fillers, ideographic space).
bool blank(std::string_view text);

// The longest prefix of at most `max_chars` code points.
std::string truncate_utf8(std::string_view text, std::size_t max_chars);

}  // namespace parley::chat
