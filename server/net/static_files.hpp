#pragma once
// Maps a request target to a file under the static root, refusing anything
// that would leave it. Plain functions, no I/O beyond stat; no Beast, so the
// libFuzzer target (tests/fuzz/fuzz_static.cpp) links it alone.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::net {

// Percent-decodes a URL path. Nothing when an escape is malformed or the
// result holds a byte no file name we serve has: NUL and other control
// characters, '\' (a separator elsewhere), or bytes that are not valid
// UTF-8 (overlong forms included, so "%c0%ae" is not a dot).
std::optional<std::string> decode_url_path(std::string_view path);

// "/" -> index.html, "/console" -> console.html (when it exists), otherwise the
// file itself. Returns nothing unless the target is "/" followed by segments
// that are all non-empty, not "." or "..", not hidden (".x"), once decoded, and
// the file it names, symlinks resolved, is a regular file inside the canonical
// `root`. So "//etc/passwd", "/%2e%2e/x", "/a%2f..%2f..%2fx", "/a\\..\\x" and a
// symlink out of the root are all refused. Source maps (".map") are not served.
std::optional<std::filesystem::path> resolve_static(const std::filesystem::path& root, std::string_view target);

std::string_view mime_type(const std::filesystem::path& file);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Security headers for a static file (GET and HEAD alike):
//  - the console gets a strict Content-Security-Policy (only its own script,
//    style and WebSocket; no framing, no inline code, no plugins, no base or
//    form targets) and no Referer, as a second line of defence for the staff
//    token it keeps in sessionStorage;
//  - other pages (the demo page with the widget) may be framed only by this
//    server and the --allowed-origin sites;
//  - everything gets nosniff and a Referrer-Policy.
HeaderList static_file_headers(const std::filesystem::path& file, const std::vector<std::string>& allowed_origins);
// For JSON answers and errors: nosniff, nothing to frame or run.
HeaderList api_headers();

// May a browser page from `origin` open a WebSocket here? Yes when there is no
// Origin (not a browser: nothing to forge cross-site), when it is this server
// itself (its host:port equals the Host header), or when it is listed.
bool origin_allowed(std::string_view origin, std::string_view host, const std::vector<std::string>& allowed);

}  // namespace parley::net
