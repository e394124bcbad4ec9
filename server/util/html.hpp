#pragma once
// Text into HTML: the five characters that could start markup or end an
// attribute value, escaped. For element content and quoted attributes.

#include <string>
#include <string_view>

namespace parley::util {

inline std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace parley::util
