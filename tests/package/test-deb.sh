#!/usr/bin/env bash
# The Debian package, built from this build tree with CPack, then checked as an operator would meet
# it: its control fields and version, what it installs where (no source maps), its maintainer
# scripts parse, and, unpacked into a clean directory root, the server started with the unit's own
# ExecStart answers /healthz with the package's version, serves the demo page, widget and console,
# and lets a supervisor made with the packaged parley-admin sign in.
# Usage: test-deb.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
source=$(cd "$2" && pwd)
work=$(mktemp -d)
cleanup() {
  [[ -n "${SERVER_PID:-}" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

version=$(sed -n 's/^project(parley VERSION \([0-9.]*\).*/\1/p' "$source/CMakeLists.txt")
[[ -n "$version" ]] || fail "no version in CMakeLists.txt"

cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/out/parley_*.deb)
[[ "$(basename "$deb")" == "parley_${version}_$(dpkg --print-architecture).deb" ]] || fail "file name $(basename "$deb")"

# Control fields.
[[ "$(dpkg-deb -f "$deb" Package)" == parley ]] || fail "Package"
[[ "$(dpkg-deb -f "$deb" Version)" == "$version" ]] || fail "Version $(dpkg-deb -f "$deb" Version) != $version"
depends=$(dpkg-deb -f "$deb" Depends)
for needed in libc6 libsqlite3 libpq5 libhiredis libprotobuf libsodium libxapian libgmime libcurl adduser tzdata; do
  [[ "$depends" == *"$needed"* ]] || fail "Depends lacks $needed: $depends"
done

# What it installs, and where.
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/parley-server ./usr/bin/parley-admin ./usr/share/parley/client/widget.js \
            ./usr/share/parley/client/console.js ./usr/share/parley/client/console.html \
            ./usr/share/parley/client/index.html ./lib/systemd/system/parley.service ./etc/default/parley \
            ./usr/share/doc/parley/copyright ./usr/share/doc/parley/examples/hours.example.json \
            ./etc/parley/parley.toml ./usr/share/doc/parley/examples/parley.example.toml \
            ./usr/share/parley/help/categories.toml ./usr/share/parley/help/zh-CN/reset-2fa.md; do
  grep -qx "$path" <<<"$contents" || fail "the package lacks $path"
done
! grep -q '\.map$' <<<"$contents" || fail "source maps are packaged"
! grep -q '^\./var/lib/parley' <<<"$contents" || fail "records are made by the unit, not shipped"
owners=$(dpkg-deb -c "$deb" | awk '{print $2}' | sort -u)
[[ "$owners" == "root/root" ]] || fail "files not owned by root: $owners"

# Maintainer scripts and conffiles.
dpkg-deb -e "$deb" "$work/control"
for script in postinst prerm postrm; do
  [[ -x "$work/control/$script" ]] || fail "$script is not executable"
  sh -n "$work/control/$script" || fail "$script does not parse"
done
for conffile in /etc/default/parley /etc/parley/parley.toml; do
  grep -qx "$conffile" "$work/control/conffiles" || fail "$conffile is not a conffile"
done

# Unpacked into a clean root: the unit's ExecStart, with its paths moved into the root.
dpkg-deb -x "$deb" "$work/root"
root="$work/root"
"$root/usr/bin/parley-server" --version | grep -q "$version" || fail "parley-server --version"
printf '{"agents": [\n]}\n' >"$work/agents.json"   # what postinst makes
echo "sam-secret-1" | "$root/usr/bin/parley-admin" --file "$work/agents.json" --hash-cost minimal --password-stdin \
  add sam --role supervisor --name Sam >/dev/null
exec_start=$(sed -n 's/^ExecStart=//p' "$root/lib/systemd/system/parley.service")
[[ "$exec_start" == "/usr/bin/parley-server --config /etc/parley/parley.toml \$PARLEY_OPTS" ]] || fail "ExecStart: $exec_start"
# The packaged settings, with their paths moved into the root.
sed -e "s|\"/usr/|\"$root/usr/|; s|/etc/parley/agents.json\"|$work/agents.json\"|; s|\"/var/lib/parley\"|\"$work/records\"|" \
    -e 's|127.0.0.1:8080|127.0.0.1:0|' "$root/etc/parley/parley.toml" >"$work/parley.toml"
grep -q "$work/records" "$work/parley.toml" || fail "no data-dir in the packaged parley.toml"
command="$root/usr/bin/parley-server --config $work/parley.toml"
mkdir -m 0700 "$work/records"
coproc SERVER { exec $command 2>"$work/stderr.log"; }
IFS= read -r -t 30 line <&"${SERVER[0]}" || { cat "$work/stderr.log" >&2; fail "the server did not start: $command"; }
address=$(sed -n 's|^parley-server listening on http://\([0-9.:]*\) .*|\1|p' <<<"$line")
[[ -n "$address" ]] || fail "no address in: $line"

python3 - "$address" "$version" <<'PY' || fail "HTTP checks"
import json, sys, urllib.request
address, version = sys.argv[1], sys.argv[2]
def get(path, data=None, headers={}):
    req = urllib.request.Request(f"http://{address}{path}", data=data, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read().decode()
status, body = get("/healthz")
assert status == 200 and json.loads(body)["version"] == version, body
status, body = get("/")
assert status == 200 and "widget.js" in body, body[:200]
for path in ("/widget.js", "/console", "/console.js"):
    assert get(path)[0] == 200, path
status, body = get("/help/zh-CN/")
assert status == 200 and "帮助中心" in body and "/help/zh-CN/reset-2fa" in body, body[:300]
status, body = get("/api/login", json.dumps({"agent_id": "sam", "password": "sam-secret-1"}).encode(),
                   {"Content-Type": "application/json"})
assert status == 200 and json.loads(body)["role"] == "supervisor", body
PY
[[ -s "$work/records/parley.db" ]] || fail "no records in the data directory"
echo "package ok: $(basename "$deb")"
