#pragma once
// One table of the fields' size limits, for every way a value comes in (chat
// frames, host-site identity tokens) and for the clients' maxlength (docs/
// protocol.md lists them). They are not configurable: they bound memory per
// chat. "chars" are Unicode code points (chat/text.hpp utf8_length); longer
// values are refused, except a verified customer's name, cut at a character
// boundary (the host site is trusted, its data is not ours to refuse).

#include <cstddef>

namespace parley::chat::field {

inline constexpr std::size_t client_id_bytes = 64;
inline constexpr std::size_t name_chars = 80;
inline constexpr std::size_t subject_chars = 200;
inline constexpr std::size_t transaction_id_chars = 128;
inline constexpr std::size_t url_bytes = 2048;
inline constexpr std::size_t locale_bytes = 35;
inline constexpr std::size_t time_zone_bytes = 64;
inline constexpr std::size_t email_bytes = 254;
inline constexpr std::size_t customer_id_bytes = 128;
inline constexpr std::size_t reason_chars = 500;
inline constexpr std::size_t note_chars = 2000;
inline constexpr std::size_t rating_comment_chars = 1000;
// A name in an identity token may be longer (it is cut to name_chars), but
// not without bound: at most 4 bytes per character.
inline constexpr std::size_t token_name_bytes = 4 * name_chars;

}  // namespace parley::chat::field
