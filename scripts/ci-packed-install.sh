#!/usr/bin/env bash
# The package as a user gets it: `npm pack`, install the tarball into an empty project, then run
# the `escape-dental-mcp` bin through npx: --help (every flag and variable), --version, and a
# stdio session on the sandbox that answers tools/list.
#
#   usage: scripts/ci-packed-install.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
version=$(node -p "require('./package.json').version")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm pack --pack-destination "$work" --silent >/dev/null # runs prepare: the tarball holds a fresh build
mkdir "$work/app"
cd "$work/app"
echo '{ "name": "packed-install-check", "private": true }' >package.json
npm install --no-audit --no-fund --loglevel=error "$work/escape-dental-mcp-$version.tgz"

fail() {
  echo "packed install: $*" >&2
  exit 1
}

npx --no-install escape-dental-mcp --help >"$work/help.txt" || fail "--help exited $?"
node "$root/dist/cli.js" --help | cmp -s - "$work/help.txt" || fail "--help differs from the repository's build"
for name in $(node -e '
  import(process.argv[1]).then(({ OPTIONS }) => {
    for (const o of Object.values(OPTIONS)) console.log(o.env + (o.flag ? " --" + o.flag : ""));
  });' "$root/dist/config.js"); do
  grep -q -- "$name" "$work/help.txt" || fail "--help does not mention $name"
done
[ "$(npx --no-install escape-dental-mcp --version)" = "$version" ] || fail "--version is not $version"

# A stdio session: initialize, then tools/list, answered by the installed bin on the sandbox.
node - "$work/app" <<'NODE' || fail "the installed bin did not answer tools/list over stdio"
const { spawn } = require('node:child_process');
const child = spawn('npx', ['--no-install', 'escape-dental-mcp', '--demo', '--log-level', 'warn'], {
  cwd: process.argv[2],
  stdio: ['pipe', 'pipe', 'inherit'],
});
const send = (message) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
let buffer = '';
child.stdout.on('data', (chunk) => {
  buffer += chunk;
  let newline;
  while ((newline = buffer.indexOf('\n')) >= 0) {
    const message = JSON.parse(buffer.slice(0, newline));
    buffer = buffer.slice(newline + 1);
    if (message.id === 1) {
      send({ method: 'notifications/initialized' });
      send({ id: 2, method: 'tools/list' });
    } else if (message.id === 2) {
      const names = message.result.tools.map((t) => t.name);
      console.log(`packed install: tools/list over stdio → ${names.join(', ')}`);
      child.stdin.end();
      process.exitCode = names.includes('find_spot') ? 0 : 1;
    }
  }
});
child.on('exit', (code) => {
  if (process.exitCode === undefined) {
    console.error(`the server exited (${code}) before answering`);
    process.exitCode = 1;
  }
});
send({
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'packed-install', version: '1' } },
});
NODE
echo "packed install: npx escape-dental-mcp --help, --version and stdio work from the tarball ($version)"
