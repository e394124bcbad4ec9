#pragma once
// Maps a request target to a file under the static root, refusing anything
// that would leave it. Plain functions, no I/O beyond stat.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net {

// "/" -> index.html, "/console" -> console.html (when it exists), otherwise the
// file itself. Returns nothing for "..", NUL or a missing file.
std::optional<std::filesystem::path> resolve_static(const std::filesystem::path& root, std::string_view target);

std::string_view mime_type(const std::filesystem::path& file);

// May a browser page from `origin` open a WebSocket here? Yes when there is no
// Origin (not a browser: nothing to forge cross-site), when it is this server
// itself (its host:port equals the Host header), or when it is listed.
bool origin_allowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed);

}  // namespace parley::net
