#!/usr/bin/env bash
# install.sh installs the npm packages the end-to-end scenarios import
# (@atproto/api, version pinned by package-lock.json) into a cache folder
# outside the repository, with npm ci. It does nothing when that folder
# already holds an install of the same lockfile.
#
# Usage: bash internal/e2e/install.sh [DIR]   (default ${BOLTSKY_NODE_CACHE:-/work/.cache}/e2e)
# Then:  export BOLTSKY_E2E_NODE_MODULES=DIR/node_modules
#
# Node 20 or later runs it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-${BOLTSKY_NODE_CACHE:-/work/.cache}/e2e}"
mkdir -p "$dir"
# The stamp names the package files of the last complete install.
stamp="$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$dir/.installed" 2>/dev/null)" != "$stamp" ] || [ ! -d "$dir/node_modules" ]; then
  rm -f "$dir/.installed"
  cp "$here/package.json" "$here/package-lock.json" "$dir/"
  # @atproto/api declares node >=22 yet runs on Node 20; npm ci only warns
  # about engines, and --loglevel=error keeps that notice out of the log.
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$stamp" >"$dir/.installed"
fi
echo "BOLTSKY_E2E_NODE_MODULES=$dir/node_modules"
