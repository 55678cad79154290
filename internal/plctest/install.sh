#!/usr/bin/env bash
# install.sh installs the in-memory PLC directory used by end-to-end tests
# (@did-plc/server and @did-plc/lib, versions pinned by package-lock.json)
# into a cache folder outside the repository, with npm ci.
#
# Usage: bash internal/plctest/install.sh [DIR]   (default /work/.cache/plc)
# Then:  export BOLTSKY_PLC_NODE_MODULES=DIR/node_modules
#
# Node 20 or later runs it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:-/work/.cache/plc}"
mkdir -p "$dir"
cp "$here/package.json" "$here/package-lock.json" "$dir/"
cd "$dir"
npm ci --no-audit --no-fund --loglevel=error
echo "BOLTSKY_PLC_NODE_MODULES=$dir/node_modules"
