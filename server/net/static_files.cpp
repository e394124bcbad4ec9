#include "net/static_files.hpp"

#include <system_error>

namespace parley::net {
namespace fs = std::filesystem;
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Strict UTF-8 (RFC 3629): shortest form only, no surrogates, nothing past U+10FFFF.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    std::uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1, code = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2, code = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3, code = c & 0x07;
    } else {
      return false;  // a continuation byte first, 0xC0/0xC1 (overlong), or past U+10FFFF
    }
    if (i + extra >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      code = (code << 6) | (cc & 0x3F);
    }
    if ((extra == 2 && code < 0x800) || (extra == 3 && (code < 0x10000 || code > 0x10FFFF)) ||
        (code >= 0xD800 && code <= 0xDFFF))
      return false;
    i += extra + 1;
  }
  return true;
}

// Is `inner` the directory `outer` or inside it? Both canonical.
bool inside(const fs::path& outer, const fs::path& inner) {
  auto o = outer.begin();
  auto i = inner.begin();
  for (; o != outer.end(); ++o, ++i)
    if (i == inner.end() || *o != *i) return false;
  return true;
}

}  // namespace

std::optional<std::string> decode_url_path(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return std::nullopt;
      const int hi = hex_value(path[i + 1]), lo = hex_value(path[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '\\') return std::nullopt;
    out.push_back(c);
  }
  if (!valid_utf8(out)) return std::nullopt;
  return out;
}

std::optional<fs::path> resolve_static(const fs::path& root, std::string_view target) {
  if (root.empty()) return std::nullopt;
  target = target.substr(0, target.find_first_of("?#"));
  if (target.empty() || target.front() != '/') return std::nullopt;
  const auto decoded = decode_url_path(target.substr(1));
  if (!decoded) return std::nullopt;

  // Every segment a plain name: "//x", "/a//b", "/./x", "/../x", "/.git" are refused.
  // A trailing "/" names the directory (its index.html).
  fs::path relative;
  std::string_view rest = *decoded;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    if (segment.empty() || segment.front() == '.') return std::nullopt;
    relative /= fs::path(std::string(segment));
    if (last) break;
    rest.remove_prefix(slash + 1);
  }
  // Belt and braces: whatever the path type makes of it, it stays relative.
  if (relative.is_absolute() || relative.has_root_name() || relative.has_root_directory()) return std::nullopt;

  std::error_code ec;
  const auto canonical_root = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  auto candidate = canonical_root / relative;
  if (fs::is_directory(candidate, ec)) candidate /= "index.html";
  if (!fs::is_regular_file(candidate, ec)) {
    candidate += ".html";
    if (!fs::is_regular_file(candidate, ec)) return std::nullopt;
  }
  if (candidate.extension() == ".map") return std::nullopt;
  // Symlinks are followed only where they stay inside the root.
  auto resolved = fs::canonical(candidate, ec);
  if (ec || !inside(canonical_root, resolved) || !fs::is_regular_file(resolved, ec)) return std::nullopt;
  return resolved;
}
std::string_view mime_type(const std::filesystem::path& file) {
  const auto ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".wav") return "audio/wav";
  if (ext == ".mp3") return "audio/mpeg";
  if (ext == ".woff2") return "font/woff2";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

HeaderList static_file_headers(const fs::path& file, const std::vector<std::string>& allowed_origins) {
  HeaderList headers{{"X-Content-Type-Options", "nosniff"}};
  if (file.filename() == "console.html") {
    headers.emplace_back("Content-Security-Policy",
                         "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                         "font-src 'self'; connect-src 'self'; media-src 'self'; manifest-src 'self'; "
                         "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    headers.emplace_back("X-Frame-Options", "DENY");
    headers.emplace_back("Referrer-Policy", "no-referrer");
    headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
    return headers;
  }
  if (file.extension() == ".html") {
    std::string ancestors = "frame-ancestors 'self'";
    bool any = false;
    for (const auto& origin : allowed_origins) {
      if (origin == "*") any = true;
      else ancestors += " " + origin;
    }
    headers.emplace_back("Content-Security-Policy", any ? "frame-ancestors *" : ancestors);
    if (allowed_origins.empty()) headers.emplace_back("X-Frame-Options", "SAMEORIGIN");
  }
  headers.emplace_back("Referrer-Policy", "strict-origin-when-cross-origin");
  return headers;
}

HeaderList api_headers() {
  return {{"X-Content-Type-Options", "nosniff"},
          {"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
          {"Referrer-Policy", "no-referrer"}};
}

bool origin_allowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed) {
  if (origin.empty()) return true;
  for (const auto& a : allowed)
    if (a == "*" || origin == a) return true;
  // Same origin: "scheme://HOST" where HOST is exactly the Host header.
  const auto scheme_end = origin.find("://");
  return scheme_end != std::string_view::npos && !host.empty() && origin.substr(scheme_end + 3) == host;
}

}  // namespace parley::net
