// libFuzzer target: resolve_static, fed arbitrary request targets against a
// root that has a secret file beside it and symlinks pointing out of it.
// Whatever it returns must be a regular file inside the canonical root, and
// never the secret. Run: scripts/test-fuzz.sh
#include "net/static_files.hpp"

#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {
fs::path base, root, canonical_root;

// Independent of the code under test: a path inside the root has a relative
// form that does not climb out of it.
bool inside(const fs::path& outer, const fs::path& inner) {
  const auto relative = inner.lexically_relative(outer);
  return !relative.empty() && *relative.begin() != "..";
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  base = fs::temp_directory_path() / ("parley-fuzz-static-" + std::to_string(::getpid()));
  root = base / "www";
  fs::remove_all(base);
  fs::create_directories(root / "assets" / "deep");
  std::ofstream(root / "index.html") << "<html>";
  std::ofstream(root / "console.html") << "<html>";
  std::ofstream(root / "assets" / "widget.js") << "1";
  std::ofstream(root / "assets" / "deep" / "x.css") << "1";
  std::ofstream(base / "secret.txt") << "outside";
  fs::create_symlink(base / "secret.txt", root / "out.txt");
  fs::create_directory_symlink(base, root / "up");
  fs::create_symlink("../secret.txt", root / "assets" / "rel.txt");
  canonical_root = fs::canonical(root);
  std::atexit([] { fs::remove_all(base); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const auto file = parley::net::resolve_static(root, target);
  if (!file) return 0;
  std::error_code ec;
  const auto resolved = fs::canonical(*file, ec);
  if (ec || !inside(canonical_root, resolved) || !fs::is_regular_file(resolved, ec)) std::abort();
  if (resolved.filename() == "secret.txt") std::abort();
  return 0;
}
