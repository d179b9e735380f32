#!/usr/bin/env bash
# Installs the Node.js versions the project supports (22 and 24 LTS by default, or the majors
# given as arguments) side by side in .node-versions/<major>, from the npm registry's
# node-<os>-<arch> packages (the official binaries), without touching the system's node and
# without adding them to the project's dependencies. Idempotent: a version already there is
# kept. Prints one line per version: "<major> <path to its node binary>".
#
#   bash scripts/node-versions.sh            # 22 and 24
#   PATH="$(dirname "$(bash scripts/node-versions.sh 24 | cut -d' ' -f2)"):$PATH" npm test
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD/.node-versions"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform=linux-x64 ;;
  Linux-aarch64 | Linux-arm64) platform=linux-arm64 ;;
  Darwin-arm64) platform=darwin-arm64 ;;
  Darwin-x86_64) platform=darwin-x64 ;;
  *)
    echo "node-versions: no node-<os>-<arch> package for $(uname -s) $(uname -m); install Node 22/24 another way (nvm, your package manager)" >&2
    exit 2
    ;;
esac

[ "$#" -gt 0 ] || set -- 22 24
for major in "$@"; do
  prefix="$root/$major"
  bin="$prefix/node_modules/node-$platform/bin/node"
  if ! [ -x "$bin" ] || [ "$("$bin" -p 'process.versions.node.split(".")[0]')" != "$major" ]; then
    echo "node-versions: installing node-$platform@$major into $prefix" >&2
    # --no-save: the prefix gets no package.json; stdout goes to stderr so ours stays parseable.
    npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error \
      "node-$platform@$major" >&2
  fi
  echo "$major $bin"
done
