#include "net/static_files.hpp"

#include <system_error>

namespace parley::net {

std::optional<std::filesystem::path> resolve_static(const std::filesystem::path& root, std::string_view target) {
  if (root.empty()) return std::nullopt;
  target = target.substr(0, target.find_first_of("?#"));
  if (target.empty() || target.front() != '/') return std::nullopt;
  if (target.find('\0') != std::string_view::npos || target.find('\\') != std::string_view::npos)
    return std::nullopt;
  std::filesystem::path relative(target.substr(1));
  for (const auto& part : relative)
    if (part == "..") return std::nullopt;

  std::error_code ec;
  auto candidate = root / relative;
  if (std::filesystem::is_directory(candidate, ec)) candidate /= "index.html";
  if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  auto with_html = candidate;
  with_html += ".html";
  if (std::filesystem::is_regular_file(with_html, ec)) return with_html;
  return std::nullopt;
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

bool origin_allowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed) {
  if (origin.empty()) return true;
  for (const auto& a : allowed)
    if (a == "*" || origin == a) return true;
  // Same origin: "scheme://HOST" where HOST is exactly the Host header.
  const auto scheme_end = origin.find("://");
  return scheme_end != std::string_view::npos && !host.empty() && origin.substr(scheme_end + 3) == host;
}

}  // namespace parley::net
