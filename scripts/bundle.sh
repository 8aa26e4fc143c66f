#!/usr/bin/env bash
# Builds the MCP Bundle (.mcpb) for Claude Desktop, holding what runs and nothing else:
# the files npm would publish (package.json "files": dist/, manifest.json, README.md; plus
# package.json and LICENSE) and the production dependencies. dist/sandbox stays: demo mode needs it.
#
#   usage: scripts/bundle.sh [output.mcpb]     default: ./escape-dental-mcp-<version>.mcpb
#   env:   BUNDLE_KEEP_STAGE=dir  also leave the unpacked staging directory there (CI launches it)
#
# Next to the bundle it writes <output>.server.json: server.json for the MCP Registry with this
# bundle's SHA-256 (scripts/server-json.ts). A bundle is a zip stamped with its packing time, so
# each build hashes differently: publish the two files of one build together.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
version=$(node -p "require('./package.json').version")
out=$(realpath -m "${1:-$root/escape-dental-mcp-$version.mcpb}")
mcpb="$root/node_modules/.bin/mcpb"
[ -x "$mcpb" ] || { echo "bundle: $mcpb is missing; run npm install first" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A stale tool list in the manifest must not ship.
npx --no-install tsx scripts/generate-docs.ts --check

# npm pack runs the build (prepare) and applies "files": the same contents as a packed install.
npm pack --pack-destination "$work" --silent >/dev/null
tar -xzf "$work"/escape-dental-mcp-"$version".tgz -C "$work"
stage="$work/package"
cp package-lock.json .mcpbignore "$stage/"

# Production dependencies only, at the lockfile's versions. Scripts off: prepare would try to
# compile sources the stage does not have.
(cd "$stage" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)

"$mcpb" validate "$stage/manifest.json"
rm -f "$out"
"$mcpb" pack "$stage" "$out" </dev/null >"$work/pack.log" 2>&1 || { cat "$work/pack.log" >&2; exit 1; }
# The listing of every file is long; the archive details say what matters.
sed -n '/Archive Details/,$p' "$work/pack.log"

npx --no-install tsx scripts/server-json.ts --mcpb "$out" --out "${out%.mcpb}.server.json"

if [ -n "${BUNDLE_KEEP_STAGE:-}" ]; then
  rm -rf "$BUNDLE_KEEP_STAGE"
  "$mcpb" unpack "$out" "$BUNDLE_KEEP_STAGE" >/dev/null
fi
echo "bundle: $out"
echo "sha256: $(sha256sum "$out" | cut -d' ' -f1) (in ${out%.mcpb}.server.json)"
