#pragma once
// Maps a request target to a file under the static root, refusing anything
// that would leave it. Plain functions, no I/O beyond stat.

#include <filesystem>
#include <optional>
#include <string_view>

namespace parley::net {

// "/" -> index.html, "/console" -> console.html (when it exists), otherwise the
// file itself. Returns nothing for "..", NUL or a missing file.
std::optional<std::filesystem::path> resolve_static(const std::filesystem::path& root, std::string_view target);

std::string_view mime_type(const std::filesystem::path& file);

}  // namespace parley::net
